/**
 * The `github_app` provider: a GitHub App on github.com, GHE.com or GitHub Enterprise Server, posting
 * comments, commit statuses, check runs and inline review comments (type `scm`), and watching GitHub
 * Actions workflows, runs and self-hosted runners (type `ci`). See README.md in this folder.
 *
 * @example
 * import { createGitHubAppPlugin } from '../providers/github-app/index.js';
 * const plugins = [asConnectorPlugin(createGitHubAppPlugin())];
 */

export { ACTIONS_PERMISSION, RUNNERS_PERMISSION } from './actions.js';
export { type GitHubApiUrls, normaliseGitHubBaseUrl } from './base-url.js';
export {
  type GitHubCheckRunAnnotation,
  type GitHubCheckRunRequest,
  type GitHubCheckRunResponse,
  toWireAnnotation,
} from './check-runs.js';
export { commentBody, DEFAULT_MARKER_KEY, markerKeyOf } from './comments.js';
export { DEFAULT_CHECK_RUN_NAME, type GitHubAppConfig, GitHubAppConfigSchema } from './config.js';
export { DEGRADED_QUOTA_SHARE, REQUIRED_PERMISSIONS } from './connection.js';
export {
  COMMENTS_PER_REVIEW,
  type GitHubInlineCommentsRequest,
  type GitHubInlineCommentsResponse,
  MAX_INLINE_COMMENTS,
} from './inline-comments.js';
export { createGitHubAppPlugin, type GitHubAppPlugin, type GitHubAppPluginOptions } from './plugin.js';
export type { GitHubScmClient } from './scm-client.js';
