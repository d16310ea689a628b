import type { Config } from '../config/config.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { HttpClient } from '../net/index.js';
import type { Store } from '../store/store.js';
import { type AuditTrail, createAuditTrail } from './audit-trail.js';
import { type CredentialsAccessor, createCredentialsAccessor } from './credentials.js';
import { createDataKeys, type DataKeys } from './crypto/data-keys.js';
import { createFingerprinter, type Fingerprinter } from './crypto/fingerprint.js';
import { createLocalSecrets, type LocalSecrets } from './local-secrets.js';
import { loadMasterKeys, type MasterKeyring } from './master-key.js';
import { createSecretResolver, type ResolvePurpose, type SecretResolver } from './resolver.js';
import { type RotationReport, rotateMasterKey } from './rotation.js';
import { createLocalStore, type LocalSecretStore } from './stores/local.js';
import { createSecretStores, type SecretStoreRegistry } from './stores/registry.js';

/** The settings the credentials core reads (all from `Config`). */
export type SecretsConfig = Pick<
  Config,
  'dataDir' | 'masterKey' | 'secretStores' | 'secretCacheTtlSeconds' | 'secretStaleSeconds'
>;

export interface SecretsDeps {
  readonly store: Store;
  /** The service's outbound client (vault stores use it). */
  readonly http: HttpClient;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Where `env` stores read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Everything the rest of the service needs from `secrets/`, made once at start-up. */
export interface Secrets {
  readonly resolver: SecretResolver;
  /** put / replace / delete of tenant secrets (the API's `POST/PUT/DELETE /api/v1/secrets`). */
  readonly local: LocalSecrets;
  readonly stores: SecretStoreRegistry;
  readonly masterKeys: MasterKeyring;
  readonly audit: AuditTrail;
  /** The credentials of one integration for one operation (the plugin context's `credentials`). */
  credentialsFor(
    integration: { readonly tenantId: string; readonly id: string | null; readonly authRef: string | null },
    operation: { readonly actor: string; readonly purpose: ResolvePurpose; readonly signal?: AbortSignal },
  ): CredentialsAccessor;
  /** `integrations keys rotate`. */
  rotateMasterKey(options?: { actor?: string; generate?: boolean }): Promise<RotationReport>;
  /** Writes the queued audit records; call on shutdown before the database closes. */
  close(): Promise<void>;
}

/** Internals, for tests and the benchmark. */
export interface SecretsInternals extends Secrets {
  readonly dataKeys: DataKeys;
  readonly fingerprints: Fingerprinter;
  readonly localStore: LocalSecretStore;
}

/**
 * Wires the credentials core: master keys (refusing to start on a malformed key), data keys, the
 * local store, the configured stores, the audit trail, the resolver and the write service.
 * Throws `ConfigError` on bad settings.
 *
 * @example
 * const secrets = createSecrets(config, { store, http, logger });
 * const credentials = secrets.credentialsFor(integration, { actor: 'system', purpose: 'health', signal });
 */
export function createSecrets(config: SecretsConfig, deps: SecretsDeps): SecretsInternals {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const masterKeys = loadMasterKeys({
    masterKey: config.masterKey,
    dataDir: config.dataDir,
    logger,
    now: () => now().getTime(),
  });
  const dataKeys = createDataKeys({ repository: deps.store.secrets, masterKeys, now });
  const fingerprints = createFingerprinter(masterKeys);
  const localStore = createLocalStore({ repository: deps.store.secrets, dataKeys, fingerprints, now });
  const stores = createSecretStores(config.secretStores, {
    local: localStore,
    http: deps.http,
    env: deps.env,
    now: () => now().getTime(),
  });
  const audit = createAuditTrail({ repository: deps.store.audit, logger, now });
  const resolver = createSecretResolver({
    stores,
    audit,
    fingerprints,
    logger,
    now: () => now().getTime(),
    ttlMs: config.secretCacheTtlSeconds * 1000,
    staleMs: config.secretStaleSeconds * 1000,
  });
  const local = createLocalSecrets({ store: deps.store, local: localStore, dataKeys, audit, resolver });
  return {
    resolver,
    local,
    stores,
    masterKeys,
    audit,
    dataKeys,
    fingerprints,
    localStore,
    credentialsFor: (integration, operation) =>
      createCredentialsAccessor(resolver, integration.authRef, {
        tenantId: integration.tenantId,
        actor: operation.actor,
        integrationId: integration.id,
        purpose: operation.purpose,
        signal: operation.signal,
      }),
    rotateMasterKey: (options = {}) =>
      rotateMasterKey(
        { store: deps.store, masterKeys, audit, actor: options.actor, logger, now },
        { generate: options.generate },
      ),
    async close() {
      await audit.close();
      resolver.clear();
      dataKeys.clear();
    },
  };
}
