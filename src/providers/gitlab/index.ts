/**
 * The `gitlab` provider: merge request notes, commit statuses, emulated check runs and inline discussions
 * on gitlab.com or a self-managed GitLab (type `scm`), and GitLab CI/CD's pipelines and runners checked
 * by connection tests and health (type `ci`). See README.md in this folder.
 *
 * @example
 * import { createGitLabPlugin } from '../providers/gitlab/index.js';
 * const plugins = [asConnectorPlugin(createGitLabPlugin())];
 */

export { type GitLabUrls, normaliseGitLabBaseUrl, projectId } from './base-url.js';
export { checkRunMarkerKey, checkRunState } from './check-runs.js';
export { CI_TOKEN_NEED, testCiConnection } from './ci-connection.js';
export { checkCiHealth } from './ci-health.js';
export { noteBody } from './comments.js';
export { type GitLabConfig, GitLabConfigSchema } from './config.js';
export { DEGRADED_QUOTA_SHARE, EXPIRY_WARNING_DAYS, MAX_TESTED_PROJECTS } from './connection.js';
export { MAX_DISCUSSIONS } from './inline-comments.js';
export { createGitLabPlugin } from './plugin.js';
export { STATUS_DESCRIPTION_LIMIT } from './statuses.js';
