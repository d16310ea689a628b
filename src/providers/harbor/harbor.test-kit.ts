import type { FakeHarbor } from '../../../test/fakes/harbor/fake-harbor.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { HarborConfig } from './config.js';

export { loopbackClient } from '../oci/oci.test-kit.js';

export type HarborContextOptions = RegistryContextOptions<HarborConfig> & { readonly http: HttpClient };

/** A plugin context for a `harbor` integration at `endpoint`, as `registryContext` makes them. */
export const harborContext = (options: HarborContextOptions): PluginContext<HarborConfig> =>
  registryContext<HarborConfig>('harbor', options);

/** The accounts of `seedWorld`, by role. */
export const ACCOUNTS = {
  admin: { username: 'admin', password: 'Harbor12345' },
  developer: { username: 'dev', password: 'dev-password' },
  outsider: { username: 'outsider', password: 'outsider-password' },
  robot: { username: 'robot$acme+scanner', password: 'robot-secret-0123' },
} as const;

/** What the fake's repositories hold: each repository's artifacts (digest, media type, tags). */
export type WorldImages = Readonly<
  Record<
    string,
    readonly { readonly digest: string; readonly mediaType: string; readonly tags: readonly string[] }[]
  >
>;

const FILLER = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';

/**
 * Projects `acme` (private; `dev` a developer, the robot scoped to it), `library` (public) and `secret`
 * (private, nobody's), and their repositories: `images` where given, else one artifact tagged `1.0`.
 */
export function seedWorld(harbor: FakeHarbor, images: WorldImages = {}) {
  harbor.addUser(ACCOUNTS.admin.username, ACCOUNTS.admin.password, { admin: true });
  harbor.addUser(ACCOUNTS.developer.username, ACCOUNTS.developer.password);
  harbor.addUser(ACCOUNTS.outsider.username, ACCOUNTS.outsider.password);
  harbor.addRobot(ACCOUNTS.robot.username, ACCOUNTS.robot.password, { projects: ['acme'] });
  harbor.addProject({ name: 'acme' });
  harbor.addProject({ name: 'library', public: true });
  harbor.addProject({ name: 'secret' });
  harbor.addMember('acme', ACCOUNTS.developer.username, 'developer');
  const repositories = ['acme/app', 'acme/team/app', 'acme/multi', 'library/base', 'secret/vault'];
  for (const [index, full] of repositories.entries()) {
    const [project = '', ...rest] = full.split('/');
    const artifacts = images[full] ?? [{ digest: FILLER(index + 1), mediaType: OCI, tags: ['1.0'] }];
    harbor.addRepository(project, rest.join('/'), artifacts);
  }
}
