import { Type } from '@sinclair/typebox';
import { ConflictError, InvalidInputError } from '../core/errors.js';
import { StringEnum } from '../core/string-enum.js';
import { asConnectorPlugin, type ConnectorPlugin, type PluginContext } from '../plugins/contracts.js';

/** Shared by the registry API suites: images for the in-memory registry, and providers that misbehave. */

export const digestOf = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';
export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';

export const NGINX_PLATFORMS = [
  { digest: digestOf(101), os: 'linux', architecture: 'amd64' },
  { digest: digestOf(102), os: 'linux', architecture: 'arm64', variant: 'v8' },
];

/** What the in-memory registry of the suites serves: 5 repositories, nginx with 4 tags and an index. */
export const IMAGES = [
  {
    repository: 'library/nginx',
    tag: '1.27',
    digest: digestOf(1),
    mediaType: INDEX_MEDIA_TYPE,
    platforms: NGINX_PLATFORMS,
  },
  {
    repository: 'library/nginx',
    tag: 'latest',
    digest: digestOf(1),
    mediaType: INDEX_MEDIA_TYPE,
    platforms: NGINX_PLATFORMS,
  },
  { repository: 'library/nginx', tag: '1.26', digest: digestOf(2) },
  { repository: 'library/nginx', tag: '1.25', digest: digestOf(3) },
  { repository: 'library/alpine', tag: '3.20', digest: digestOf(4) },
  { repository: 'team/app', tag: 'v1', digest: digestOf(5) },
  { repository: 'team/app-worker', tag: 'v1', digest: digestOf(6) },
  { repository: 'zeta', tag: 'v1', digest: digestOf(7) },
];

export const REPOSITORIES = ['library/alpine', 'library/nginx', 'team/app', 'team/app-worker', 'zeta'];

const base = {
  displayName: 'Registry test provider',
  types: ['registry'] as ['registry'],
  checkAvailability: () => ({ available: true }),
  testConnection: async () => ({ success: true, message: 'ok', checks: [] }),
  checkHealth: async () => ({ status: 'healthy' as const, message: 'ok' }),
};

/** A provider of `registry` integrations that offers no registry ability at all. */
export function noRegistryPlugin(): ConnectorPlugin {
  return asConnectorPlugin({
    ...base,
    provider: 'no_registry',
    configSchema: Type.Object({}, { additionalProperties: false }),
    capabilities: ['test_connection', 'health_check'],
  });
}

export const FAULTS = [
  'crash',
  'throw_string',
  'hang',
  'malformed',
  'conflict',
  'invalid',
  'credential',
] as const;
export type Fault = (typeof FAULTS)[number];

/**
 * A registry that lists repositories and referrers only (no tags, no resolve) and misbehaves as `config.fault` says:
 * throws a plain error or a string, hangs until its signal aborts, answers a malformed page, throws an
 * error of a kind a connector must not throw (`conflict`), refuses the cursor (`invalid`), or reads its
 * credential and logs through its context (`credential`).
 */
export function faultyRegistryPlugin(): ConnectorPlugin {
  return asConnectorPlugin<{ fault: Fault }>({
    ...base,
    provider: 'faulty_registry',
    configSchema: Type.Object({ fault: StringEnum(FAULTS) }, { additionalProperties: false }),
    capabilities: ['test_connection', 'health_check', 'registry.repositories', 'registry.referrers'],
    registry: (context) => ({
      listRepositories: () => misbehave(context),
      listTags: () => misbehave(context),
      resolveReference: () => misbehave(context),
      listReferrers: () => misbehave(context),
    }),
  });
}

// biome-ignore lint/suspicious/noExplicitAny: a page of the wrong shape, on purpose
async function misbehave(context: PluginContext<{ fault: Fault }>): Promise<any> {
  switch (context.integration.config.fault) {
    case 'crash':
      throw new TypeError("Cannot read properties of undefined (reading 'manifests')");
    case 'throw_string':
      throw 'registry fell over';
    case 'hang':
      return new Promise((_resolve, reject) => {
        context.signal.addEventListener('abort', () => reject(context.signal.reason), { once: true });
      });
    case 'malformed':
      return { items: [1, 2], nextCursor: 3 };
    case 'conflict':
      throw new ConflictError('a conflict a registry read cannot have');
    case 'invalid':
      throw InvalidInputError.field('/query/cursor', 'is not a cursor this registry issued');
    case 'credential': {
      const secret = await context.credentials.secret();
      const length = secret.use((value) => value.length);
      context.logger.info({}, 'faulty registry read its credential');
      return { items: [`credential-of-${length}-characters`] };
    }
  }
}
