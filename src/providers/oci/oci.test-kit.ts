import { silentLogger } from '../../core/logger.js';
import type { HttpClient } from '../../net/index.js';
import { makeClient } from '../../net/loopback-server.test-kit.js';
import type { PluginContext } from '../../plugins/contracts.js';
import {
  type CredentialsAccessor,
  createInlineCredentialsAccessor,
  noCredentials,
} from '../../secrets/index.js';
import type { OciConfig } from './config.js';

export interface RegistryContextOptions<TConfig> {
  readonly endpoint: string;
  readonly config?: Partial<TConfig>;
  readonly username?: string;
  readonly password?: string;
  readonly credentials?: CredentialsAccessor;
  /** Saved integrations share the plugin's token cache; unsaved ones (`null`) do not. */
  readonly id?: string | null;
  readonly tenantId?: string;
  readonly http?: HttpClient;
}

export type OciContextOptions = RegistryContextOptions<OciConfig>;

/** One client for a test file: loopback allowed on any port, no real sleeping between retries. */
export function loopbackClient(): HttpClient {
  return makeClient({ allowPrivateNetworks: true, allowAnyPort: true }).client;
}

/**
 * A plugin context for a registry integration named `name` at `endpoint` (plain http allowed, as
 * loopback servers speak it), with `username`/`password` as its credential when given.
 */
export function registryContext<TConfig extends { plainHttp: boolean }>(
  name: string,
  options: RegistryContextOptions<TConfig>,
): PluginContext<TConfig> {
  const credentials =
    options.credentials ??
    (options.username === undefined
      ? noCredentials
      : createInlineCredentialsAccessor({ username: options.username, password: options.password ?? '' }));
  return {
    integration: {
      id: options.id === undefined ? `${name}-1` : options.id,
      tenantId: options.tenantId ?? 'tenant-a',
      name,
      type: 'registry',
      endpoint: options.endpoint,
      authRef: credentials.configured ? `authref://local/${name}` : null,
      config: { plainHttp: true, ...options.config } as TConfig,
    },
    http: options.http ?? loopbackClient(),
    credentials,
    logger: silentLogger,
    signal: new AbortController().signal,
    now: () => new Date(),
  };
}

/** `registryContext` for an `oci` integration. */
export const ociContext = (options: OciContextOptions): PluginContext<OciConfig> =>
  registryContext<OciConfig>('registry', options);
