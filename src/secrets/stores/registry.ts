import { isAbsolute, resolve } from 'node:path';
import type { Static } from '@sinclair/typebox';
import { ConfigSchema } from '../../config/config.js';
import { configKeyToEnvName } from '../../config/load-config.js';
import { ConfigError, InvalidInputError, UnprocessableError } from '../../core/errors.js';
import type { HttpClient } from '../../net/index.js';
import { parseAuthRef } from '../authref.js';
import { Secret } from '../secret.js';
import type { SecretStoreSettingSchema } from './config-schema.js';
import type { SecretStore, SecretStoreType } from './contract.js';
import { createEnvStore, DEFAULT_ENV_PREFIX } from './env.js';
import { createFileStore } from './file.js';
import { LOCAL_STORE } from './local.js';
import { createVaultStore } from './vault.js';
import type { VaultAuthConfig } from './vault-auth.js';

/** The tenant of the service's own work (bootstrap credentials such as a Vault token). */
export const SYSTEM_TENANT = 'system';

export type SecretStoreSetting = Static<typeof SecretStoreSettingSchema>;

/** Which tenants may use a store: every one, or those named. */
export type TenantAccess = '*' | ReadonlySet<string>;

export interface RegisteredStore {
  readonly store: SecretStore;
  readonly tenants: TenantAccess;
}

/**
 * The configured stores and who may use them. An unknown store and a store the tenant may not use
 * look the same from outside (`forTenant` returns undefined for both), so a tenant cannot probe for
 * other tenants' stores.
 */
export interface SecretStoreRegistry {
  forTenant(name: string, tenantId: string): SecretStore | undefined;
  /** Every store with its type and tenants (an operator's view; no credentials). */
  describe(): { name: string; type: SecretStoreType; tenants: '*' | string[] }[];
}

export function createSecretStoreRegistry(stores: readonly RegisteredStore[]): SecretStoreRegistry {
  const byName = new Map(stores.map((entry) => [entry.store.name, entry]));
  return {
    forTenant(name, tenantId) {
      const entry = byName.get(name);
      if (!entry) return undefined;
      return entry.tenants === '*' || entry.tenants.has(tenantId) ? entry.store : undefined;
    },
    describe: () =>
      [...byName.values()].map((entry) => ({
        name: entry.store.name,
        type: entry.store.type,
        tenants: entry.tenants === '*' ? '*' : [...entry.tenants].sort(),
      })),
  };
}

export interface SecretStoresDeps {
  /** The `local` store (always present, every tenant, unless configured otherwise). */
  readonly local: SecretStore;
  /** The outbound client the vault stores use. */
  readonly http: HttpClient;
  /** Where `env` stores read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly now?: () => number;
}

/**
 * Builds the stores of the `secretStores` setting. Throws `ConfigError` naming the store and what is
 * wrong; call it at start-up.
 *
 * @example
 * const registry = createSecretStores(config.secretStores, { local, http });
 */
export function createSecretStores(
  settings: readonly SecretStoreSetting[],
  deps: SecretStoresDeps,
): SecretStoreRegistry {
  const entries: RegisteredStore[] = [];
  const seen = new Set<string>();
  let localTenants: TenantAccess = '*';
  const bootstrap = () => registry;
  for (const setting of settings) {
    const where = `secretStores: store '${setting.name}'`;
    if (seen.has(setting.name)) throw new ConfigError(`${where} is configured twice`);
    seen.add(setting.name);
    if ((setting.name === LOCAL_STORE) !== (setting.type === 'local')) {
      throw new ConfigError(
        `${where}: the name 'local' is the local store's, and the local store is named 'local'`,
      );
    }
    const tenants = readTenants(setting, where);
    if (setting.type === 'local') {
      localTenants = tenants;
      continue;
    }
    entries.push({ store: buildStore(setting, where, deps, bootstrap), tenants });
  }
  const registry = createSecretStoreRegistry([{ store: deps.local, tenants: localTenants }, ...entries]);
  for (const setting of settings) checkBootstrapRefs(setting, registry);
  return registry;
}

function readTenants(setting: SecretStoreSetting, where: string): TenantAccess {
  const adminOnly = setting.type === 'env' || setting.type === 'file';
  const listed = setting.tenants ?? (adminOnly ? [] : ['*']);
  if (listed.includes('*')) {
    if (adminOnly) {
      throw new ConfigError(`${where}: a ${setting.type} store is for system use and named tenants, not '*'`);
    }
    if (listed.length > 1) throw new ConfigError(`${where}: tenants '*' and named tenants together`);
    return '*';
  }
  if (setting.type === 'vault' && listed.length === 0) throw new ConfigError(`${where}: names no tenants`);
  return new Set([...listed, ...(adminOnly ? [SYSTEM_TENANT] : [])]);
}

const OPTIONS_BY_TYPE: Record<SecretStoreType, readonly string[]> = {
  local: [],
  env: ['prefix'],
  file: ['root', 'maxBytes'],
  vault: ['address', 'namespace', 'mount', 'pathPrefix', 'auth', 'timeoutMs'],
};

function buildStore(
  setting: SecretStoreSetting,
  where: string,
  deps: SecretStoresDeps,
  registry: () => SecretStoreRegistry,
): SecretStore {
  const allowed = new Set(['name', 'type', 'tenants', ...OPTIONS_BY_TYPE[setting.type]]);
  for (const key of Object.keys(setting)) {
    if (!allowed.has(key))
      throw new ConfigError(`${where}: '${key}' does not apply to a ${setting.type} store`);
  }
  switch (setting.type) {
    case 'env':
      return createEnvStore({
        name: setting.name,
        prefix: setting.prefix ?? DEFAULT_ENV_PREFIX,
        env: deps.env,
        // The service's own settings are never served, whatever the prefix.
        deny: ['DATABASE_URL', ...Object.keys(ConfigSchema.properties).map((key) => configKeyToEnvName(key))],
      });
    case 'file': {
      if (!setting.root) throw new ConfigError(`${where}: needs root (the directory it serves)`);
      const root = isAbsolute(setting.root) ? setting.root : resolve(setting.root);
      return createFileStore({ name: setting.name, root, maxBytes: setting.maxBytes });
    }
    case 'vault':
      return createVaultStore({
        name: setting.name,
        address: checkAddress(setting.address, where),
        namespace: setting.namespace ?? null,
        mount: setting.mount,
        pathPrefix: setting.pathPrefix,
        timeoutMs: setting.timeoutMs,
        auth: vaultAuth(setting, where, registry),
        http: deps.http,
        now: deps.now,
      });
    default:
      throw new ConfigError(`${where}: unknown type`);
  }
}

function checkAddress(address: string | undefined, where: string): string {
  if (!address) throw new ConfigError(`${where}: needs address (https://vault.example.com:8200)`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new ConfigError(`${where}: address is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new ConfigError(`${where}: address must be http(s)`);
  if (url.username || url.password || url.search || url.hash) {
    throw new ConfigError(`${where}: address must not carry credentials, a query or a fragment`);
  }
  return url.href;
}

/** Bootstrap credentials come from an env or file store, read as the system tenant. */
function vaultAuth(
  setting: SecretStoreSetting,
  where: string,
  registry: () => SecretStoreRegistry,
): VaultAuthConfig {
  const auth = setting.auth;
  if (!auth)
    throw new ConfigError(`${where}: needs auth ({ method: token, tokenRef } or { method: approle, … })`);
  const read = (ref: string) => async (): Promise<Secret> => {
    const parsed = parseAuthRef(ref);
    const store = registry().forTenant(parsed.store, SYSTEM_TENANT);
    if (!store)
      throw new UnprocessableError(
        'secret_store_unavailable',
        `${where}: its credential store is unavailable`,
      );
    const { value } = await store.resolve(parsed, { tenantId: SYSTEM_TENANT });
    if (!(value instanceof Secret))
      throw new UnprocessableError('secret_unusable', `${where}: its credential is not one value`);
    return value;
  };
  if (auth.method === 'token') {
    if (!auth.tokenRef || auth.roleId || auth.secretIdRef) {
      throw new ConfigError(
        `${where}: token auth takes tokenRef (an authref:// to an env or file store) only`,
      );
    }
    return { method: 'token', token: read(auth.tokenRef) };
  }
  if (!auth.roleId || !auth.secretIdRef || auth.tokenRef) {
    throw new ConfigError(
      `${where}: approle auth takes roleId and secretIdRef (an authref:// to an env or file store)`,
    );
  }
  return { method: 'approle', roleId: auth.roleId, secretId: read(auth.secretIdRef), mount: auth.mount };
}

/** Checks at start-up that every credential reference parses and names an env or file store. */
function checkBootstrapRefs(setting: SecretStoreSetting, registry: SecretStoreRegistry): void {
  const refs = [setting.auth?.tokenRef, setting.auth?.secretIdRef].filter((ref): ref is string => !!ref);
  for (const ref of refs) {
    const where = `secretStores: store '${setting.name}': its credential reference`;
    let store: SecretStore | undefined;
    try {
      store = registry.forTenant(parseAuthRef(ref).store, SYSTEM_TENANT);
    } catch (error) {
      if (error instanceof InvalidInputError)
        throw new ConfigError(`${where} ${error.message.replace(/^\/authRef /, '')}`);
      throw error;
    }
    if (!store || (store.type !== 'env' && store.type !== 'file')) {
      throw new ConfigError(`${where} must name a configured env or file store`);
    }
  }
}
