import { BoundedMap } from '../../core/bounded-map.js';
import { type ConnectorPlugin, SCM_CAPABILITIES } from '../../plugins/contracts.js';
import { guardedHealth, guardedTest } from '../../plugins/guarded.js';
import { testCiConnection } from './ci-connection.js';
import { checkCiHealth } from './ci-health.js';
import { type GitLabConfig, GitLabConfigSchema } from './config.js';
import { checkHealth, testConnection } from './connection.js';
import { describeFailure } from './errors.js';
import { createGitLabScmClient } from './scm-client.js';
import { createSession, type SharedState } from './session.js';

/**
 * Creates the `gitlab` provider: gitlab.com or a self-managed GitLab, with a personal, project or group
 * access token. It serves two integration types on the same GitLab and token: `scm` (merge request
 * notes, statuses, check runs, discussions) and `ci` (GitLab CI/CD: connection test and health of the
 * configured projects' pipelines and runners). The capability list is the plugin's, so it names the SCM
 * operations; the catalog refuses them for a `ci` integration by its type. The token's user
 * (`GET /user`) is cached in the returned instance per integration and token.
 *
 * @example
 * const plugin = createGitLabPlugin();
 * // register: { provider: 'gitlab', type: 'scm' (or 'ci'), endpoint: 'https://gitlab.com',
 * //   authRef: 'authref://local/<id>' (holding the token), config: { repositories: ['acme/app'] } }
 */
export function createGitLabPlugin(): ConnectorPlugin<GitLabConfig> {
  const shared: SharedState = { users: new BoundedMap() };
  return {
    provider: 'gitlab',
    displayName: 'GitLab (gitlab.com and self-managed)',
    types: ['scm', 'ci'],
    configSchema: GitLabConfigSchema,
    capabilities: SCM_CAPABILITIES,
    checkAvailability: () => ({ available: true }),
    testConnection: (context) =>
      guardedTest(
        () =>
          (context.integration.type === 'ci' ? testCiConnection : testConnection)(
            createSession(context, shared),
            context.now(),
          ),
        (error) => describeFailure(error).message,
      ),
    checkHealth: (context) =>
      guardedHealth(
        () =>
          (context.integration.type === 'ci' ? checkCiHealth : checkHealth)(
            createSession(context, shared),
            context.now(),
          ),
        (error) => describeFailure(error).message,
      ),
    scm: (context) => createGitLabScmClient(context, shared),
  };
}
