import { type FakeQuay, startFakeQuay } from '../../../test/fakes/quay/fake-quay.js';
import {
  type PushedImage,
  pushImage,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { type CredentialsAccessor, createInlineCredentialsAccessor } from '../../secrets/index.js';
import { loopbackClient, type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { QuayConfig } from './config.js';

export { loopbackClient };

export type QuayContextOptions = RegistryContextOptions<QuayConfig> & { readonly http: HttpClient };

/** A plugin context for a `quay` integration at `endpoint`, as `registryContext` makes them. */
export const quayContext = (options: QuayContextOptions): PluginContext<QuayConfig> =>
  registryContext<QuayConfig>('quay', { ...options, config: { endToEndHealth: false, ...options.config } });

/** The logins and tokens of `seedQuay`. */
export const LOGINS = {
  /** Read on acme's repositories: a registry `reader` (pulls, no catalog). */
  scanner: { username: 'acme+scanner', password: 'SCANNER0ROBOT0TOKEN' },
  /** Admin on acme: also reads the registry's catalog. */
  admin: { username: 'acme+admin', password: 'ADMIN0ROBOT0TOKEN' },
  /** A robot without any permission. */
  nobody: { username: 'acme+nobody', password: 'NOBODY0ROBOT0TOKEN' },
  alice: { username: 'alice', password: 'alice-encrypted-password' },
} as const;

export const TOKENS = {
  /** alice's token with repo:read. */
  read: 'app-token-read-0123456789',
  /** alice's token with repo:read and user:read. */
  full: 'app-token-full-0123456789',
  /** alice's token without repo:read. */
  userOnly: 'app-token-user-0123456789',
} as const;

/** A credential of a robot (or user) login, with an API token when given. */
export function credentialOf(
  login: { username: string; password: string },
  apiToken?: string,
): CredentialsAccessor {
  return createInlineCredentialsAccessor({ ...login, ...(apiToken ? { apiToken } : {}) });
}

/** The images each repository's tags point to: digest and media type. */
export type TagImages = Readonly<
  Record<string, readonly { name: string; digest: string; mediaType: string }[]>
>;

const FILLER = `sha256:${'0'.repeat(64)}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Organisations `acme` (alice a member; robots scanner, admin, nobody) and `other` (alice not a
 * member), user `alice`; repositories `acme/app`, `acme/multi`, `acme/tools` (private), `other/secret`
 * (private) and `other/open` (public): `tags` where given, else one tag `1.0`.
 */
export function seedQuay(quay: FakeQuay, tags: TagImages = {}) {
  quay.addUser(LOGINS.alice.username, LOGINS.alice.password);
  quay.addOrganization('acme', { members: [LOGINS.alice.username] });
  quay.addOrganization('other');
  quay.addRobot(LOGINS.scanner.username, LOGINS.scanner.password, 'read');
  quay.addRobot(LOGINS.admin.username, LOGINS.admin.password, 'admin');
  quay.addRobot(LOGINS.nobody.username, LOGINS.nobody.password, 'none');
  quay.addAppToken(TOKENS.read, LOGINS.alice.username, ['repo:read']);
  quay.addAppToken(TOKENS.full, LOGINS.alice.username, ['repo:read', 'user:read']);
  quay.addAppToken(TOKENS.userOnly, LOGINS.alice.username, ['user:read']);
  for (const repository of ['acme/app', 'acme/multi', 'acme/tools', 'other/secret', 'other/open'])
    quay.addRepository(repository, {
      public: repository === 'other/open',
      tags: tags[repository] ?? [{ name: '1.0', digest: FILLER, mediaType: OCI }],
    });
}

/** A fake Quay in front of a real token registry holding pushed images, seeded by `seedQuay`. */
export interface QuayWorld {
  readonly quay: FakeQuay;
  readonly registry: TestRegistry;
  readonly http: HttpClient;
  /** `acme/app:1.0`, `acme/app:2.0`, `acme/multi:latest` (two platforms), `other/secret:1.0`. */
  readonly images: {
    readonly app: PushedImage;
    readonly app2: PushedImage;
    readonly multi: PushedImage;
    readonly secret: PushedImage;
  };
  /**
   * A context for an integration of its own (inline credentials all carry the reference 'inline',
   * so no login cached for one robot is reused for another), anonymous without credentials.
   */
  context(credentials?: CredentialsAccessor, config?: Partial<QuayConfig>): PluginContext<QuayConfig>;
  close(): Promise<void>;
}

/** Starts the fake Quay (listRepos pages of 2) and a token registry whose token server takes its robots. */
export async function startQuayWorld(): Promise<QuayWorld> {
  const http = loopbackClient();
  const quay = await startFakeQuay({ repositoriesPerPage: 2 });
  const registry = await startRegistry({ auth: 'token', accountCheck: (u, p) => quay.accountCheck(u, p) });
  quay.setRegistry(registry.url);
  const push = (repository: string, tag: string) =>
    pushImage(registry, { repository, tag, format: 'oci', user: 'admin', content: tag });
  const app = await push('acme/app', '1.0');
  const app2 = await push('acme/app', '2.0');
  const secret = await push('other/secret', '1.0');
  await push('acme/tools', '1.0');
  const multi = await pushImage(registry, {
    repository: 'acme/multi',
    tag: 'latest',
    format: 'oci',
    user: 'admin',
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  const tag = (image: PushedImage, name: string) => ({
    name,
    digest: image.digest,
    mediaType: image.mediaType,
  });
  seedQuay(quay, {
    'acme/app': [tag(app, '1.0'), tag(app2, '2.0')],
    'acme/multi': [tag(multi, 'latest')],
    'other/secret': [tag(secret, '1.0')],
  });
  let integrations = 0;
  return {
    quay,
    registry,
    http,
    images: { app, app2, multi, secret },
    context: (credentials, config = {}) =>
      quayContext({
        endpoint: quay.url,
        http,
        id: `quay-${++integrations}`,
        ...(credentials ? { credentials } : {}),
        config,
      }),
    async close() {
      await registry.stop();
      await quay.close();
      await http.close();
    },
  };
}
