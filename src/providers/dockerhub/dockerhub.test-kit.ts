import { type FakeDockerHub, startFakeDockerHub } from '../../../test/fakes/dockerhub/fake-hub.js';
import { type DockerHubFront, startDockerHubFront } from '../../../test/fakes/dockerhub/registry-front.js';
import {
  type PushedImage,
  pushImage,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { type CredentialsAccessor, createInlineCredentialsAccessor } from '../../secrets/index.js';
import { type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { DockerHubConfig } from './config.js';

export { loopbackClient } from '../oci/oci.test-kit.js';

/** The accounts of `startDockerHubWorld`, and their personal access tokens by access permission. */
export const USERS = {
  /** Member of the organisation `acme`. */
  alice: {
    password: 'alice-account-password',
    read: 'dckr_pat_alice_read_0123456789abcdef',
    publicRead: 'dckr_pat_alice_public_0123456789abc',
    revoked: 'dckr_pat_alice_revoked_0123456789ab',
  },
  /** Not a member of `acme`. */
  bob: { password: 'bob-account-password', read: 'dckr_pat_bob_read_0123456789abcdefg' },
} as const;

/** `acme`'s repositories: `app` is private; `api` and `multi` (a two-platform index) are public. */
export const BULK_REPOSITORIES = 105;

/** A user's login as stored: the Docker ID and one of its tokens (or its password). */
export const login = (username: keyof typeof USERS, secret: string): CredentialsAccessor =>
  createInlineCredentialsAccessor({ username, password: secret });

export interface DockerHubWorld {
  readonly hub: FakeDockerHub;
  readonly front: DockerHubFront;
  readonly registry: TestRegistry;
  readonly images: {
    readonly app: PushedImage;
    readonly multi: PushedImage;
    readonly nginx: PushedImage;
  };
  close(): Promise<void>;
}

/**
 * The fake Hub API and registry front in front of a REAL token-auth registry, seeded: users `alice`
 * (member of `acme`) and `bob`; `acme/app` (private: `1.0`, `latest`), `acme/api` and `acme/multi`
 * (public; `multi:latest` a two-platform index), `alice/tool`, the official `library/nginx`, Docker's
 * `ratelimitpreview/test`, and an organisation `bulk` of 105 public repositories (listing only).
 */
export async function startDockerHubWorld(): Promise<DockerHubWorld> {
  const hub = await startFakeDockerHub();
  const front = await startDockerHubFront({ hub });
  let registry: TestRegistry | undefined;
  try {
    hub.addUser({
      username: 'alice',
      password: USERS.alice.password,
      pats: {
        [USERS.alice.read]: 'repo:read',
        [USERS.alice.publicRead]: 'repo:public_read',
        [USERS.alice.revoked]: 'repo:read',
      },
    });
    hub.revokePat(USERS.alice.revoked);
    hub.addUser({ username: 'bob', password: USERS.bob.password, pats: { [USERS.bob.read]: 'repo:read' } });
    hub.addOrganization('acme', ['alice']);
    hub.addOrganization('library', []);
    hub.addOrganization('ratelimitpreview', []);
    hub.addOrganization('bulk', []);
    hub.addRepository('acme/app', { private: true });
    hub.addRepository('acme/api');
    hub.addRepository('acme/multi');
    hub.addRepository('alice/tool');
    hub.addRepository('library/nginx');
    hub.addRepository('ratelimitpreview/test');
    for (let index = 0; index < BULK_REPOSITORIES; index++)
      hub.addRepository(`bulk/repo-${String(index).padStart(3, '0')}`);

    registry = await startRegistry({ auth: 'token', accountCheck: (u, p) => front.accountCheck(u, p) });
    front.setRegistry(registry);
    const target = registry;
    const push = (repository: string, tag: string, extra: Partial<Parameters<typeof pushImage>[1]> = {}) =>
      pushImage(target, { repository, tag, format: 'oci', user: 'admin', ...extra });
    const app = await push('acme/app', '1.0');
    await push('acme/app', 'latest', { content: 'latest' });
    await push('acme/api', 'latest', { content: 'api' });
    const multi = await push('acme/multi', 'latest', {
      platforms: [
        { os: 'linux', architecture: 'amd64' },
        { os: 'linux', architecture: 'arm64', variant: 'v8' },
      ],
    });
    const nginx = await push('library/nginx', 'latest', { format: 'docker', content: 'nginx' });
    await push('ratelimitpreview/test', 'latest', { content: 'preview' });
    return {
      hub,
      front,
      registry,
      images: { app, multi, nginx },
      async close() {
        await target.stop();
        await front.close();
        await hub.close();
      },
    };
  } catch (error) {
    await registry?.stop();
    await front.close();
    await hub.close();
    throw error;
  }
}

export type DockerHubContextOptions = Omit<RegistryContextOptions<DockerHubConfig>, 'credentials'> & {
  readonly http: HttpClient;
  readonly credentials?: CredentialsAccessor;
};

/** A plugin context for a `dockerhub` integration at `endpoint` (plain http allowed, as the fakes speak it). */
export const dockerHubContext = (options: DockerHubContextOptions): PluginContext<DockerHubConfig> =>
  registryContext<DockerHubConfig>('dockerhub', options);
