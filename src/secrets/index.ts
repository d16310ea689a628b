/**
 * The credentials core: `authref://` references, secret stores, envelope encryption and the audit
 * trail. The only code that sees plaintext credentials; it hands them out as `Secret` values that
 * print as `[redacted]`. See README.md in this folder.
 *
 * @example
 * import { createSecrets } from '../secrets/index.js';
 * const secrets = createSecrets(config, { store, http, logger });
 * const { authRef } = await secrets.local.put(tenantId, actor, 'gitlab-bot', 'glpat-…');
 */

export { type AuditEntry, type AuditTrail, createAuditTrail } from './audit-trail.js';
export {
  AUTHREF_ENCODINGS,
  AUTHREF_MAX_LENGTH,
  AUTHREF_PARAMS,
  type AuthRef,
  type AuthRefParams,
  formatAuthRef,
  parseAuthRef,
} from './authref.js';
export {
  CredentialRejectedError,
  type CredentialRetryOptions,
  isCredentialRejection,
  withCredentialRetry,
} from './credential-retry.js';
export {
  type CredentialsAccessor,
  createCredentialsAccessor,
  createInlineCredentialsAccessor,
  noCredentials,
} from './credentials.js';
export { MasterKeyUnavailableError } from './crypto/data-keys.js';
export { DecryptionError } from './crypto/envelope.js';
export {
  createLocalSecrets,
  type LocalSecretRef,
  type LocalSecrets,
  type LocalWriteOptions,
} from './local-secrets.js';
export {
  loadMasterKeys,
  MASTER_KEY_ENV,
  MASTER_KEY_FILE,
  type MasterKey,
  type MasterKeyring,
} from './master-key.js';
export {
  createSecretResolver,
  RESOLVE_PURPOSES,
  type ResolveContext,
  type ResolvedCredential,
  type ResolvePurpose,
  type SecretResolver,
} from './resolver.js';
export { type RotationReport, retireUnusedMasterKeys, rotateMasterKey } from './rotation.js';
export { REDACTED, Secret, SecretBundle, type SecretValue } from './secret.js';
export { createSecrets, type Secrets, type SecretsConfig, type SecretsDeps } from './secrets.js';
export { SecretStoresSchema } from './stores/config-schema.js';
export type {
  SecretInput,
  SecretStore,
  SecretStoreType,
  StoreContext,
  StoreResult,
} from './stores/contract.js';
export { type SecretStoreRegistry, SYSTEM_TENANT } from './stores/registry.js';
