import type { FakeGitHub } from '../../../test/fakes/github/fake-github.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { GhcrConfig } from './config.js';

export { loopbackClient } from '../oci/oci.test-kit.js';

/** Personal access tokens the tests give the fake GitHub, by what they may do. */
export const TOKENS = {
  /** Classic, `read:packages`, a member of `acme`. */
  reader: 'ghp_ReaderToken0123456789abcdefghijklmn',
  /** Classic, `repo` only: GitHub accepts it, packages are refused. */
  noPackages: 'ghp_RepoOnlyToken0123456789abcdefghijk',
  /** Fine-grained: no OAuth scopes, the packages API refuses it. */
  fineGrained: 'github_pat_11FineGrained0123456789abcdefghijklmnop',
} as const;

/** The login the tokens belong to. */
export const LOGIN = 'octocat';

/** Gives `github` the `TOKENS` of `LOGIN`, a member of `acme`. */
export function seedTokens(github: FakeGitHub): void {
  github.addPersonalToken(TOKENS.reader, { login: LOGIN, scopes: ['read:packages', 'repo'], orgs: ['acme'] });
  github.addPersonalToken(TOKENS.noPackages, { login: LOGIN, scopes: ['repo'], orgs: ['acme'] });
  github.addPersonalToken(TOKENS.fineGrained, { login: LOGIN, kind: 'fine_grained', orgs: ['acme'] });
}

export type GhcrContextOptions = Omit<RegistryContextOptions<GhcrConfig>, 'credentials'> & {
  readonly github: FakeGitHub;
  readonly http: HttpClient;
  /** The personal access token stored as the password; none: no authRef. */
  readonly token?: string;
};

/**
 * A plugin context for a `ghcr` integration of the organisation `acme` whose registry is at
 * `endpoint` (a loopback registry, plain http) and whose GitHub API is the fake.
 */
export function ghcrContext(options: GhcrContextOptions): PluginContext<GhcrConfig> {
  const { github, token, ...rest } = options;
  return registryContext<GhcrConfig>('ghcr', {
    ...rest,
    ...(token === undefined
      ? {}
      : { credentials: createInlineCredentialsAccessor({ username: LOGIN, password: token }) }),
    config: { owner: 'acme', ownerType: 'org', apiUrl: github.apiUrl, ...options.config },
  });
}
