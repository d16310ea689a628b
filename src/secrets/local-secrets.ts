import { AppError, InvalidInputError, NotFoundError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import type { Repositories, Store } from '../store/store.js';
import type { AuditEntry, AuditTrail } from './audit-trail.js';
import type { DataKeys } from './crypto/data-keys.js';
import type { SecretResolver } from './resolver.js';
import type { SecretInput } from './stores/contract.js';
import { LOCAL_STORE, type LocalSecretStore } from './stores/local.js';

/** What a write hands back to the API: the reference to store in place of the value. */
export interface LocalSecretRef {
  /** `authref://local/<id>`: floating, always the current version. */
  readonly authRef: string;
  readonly id: string;
  readonly version: number;
}

export interface LocalWriteOptions {
  /**
   * The caller's transaction (e.g. creating an integration with inline credentials): the secret and
   * its audit record are written through it and commit or roll back with the caller's change.
   */
  readonly tx?: Repositories;
  /** Audit purpose (default `api`). */
  readonly purpose?: string;
  readonly integrationId?: string | null;
}

/**
 * Storing secrets users hand us, for the API layer: `put` (a new secret), `replace` (a new version)
 * and `delete`. Every write and its audit record commit together; a refused write is audited too
 * (best effort). Values are never returned, logged or put in errors.
 */
export interface LocalSecrets {
  put(
    tenantId: string,
    actor: string,
    name: string | null | undefined,
    value: SecretInput,
    options?: LocalWriteOptions,
  ): Promise<LocalSecretRef>;
  replace(
    tenantId: string,
    actor: string,
    id: string,
    value: SecretInput,
    options?: LocalWriteOptions,
  ): Promise<LocalSecretRef>;
  delete(tenantId: string, actor: string, id: string, options?: LocalWriteOptions): Promise<void>;
}

export interface LocalSecretsDeps {
  readonly store: Store;
  readonly local: LocalSecretStore;
  readonly dataKeys: DataKeys;
  readonly audit: AuditTrail;
  /** Told to drop cached values of a secret that changed (this instance; others wait out the TTL). */
  readonly resolver?: SecretResolver;
}

/**
 * @example
 * const secrets = createLocalSecrets({ store, local, dataKeys, audit, resolver });
 * const { authRef } = await secrets.put(principal.tenantId, principal.actor, 'gitlab-bot', 'glpat-…');
 * await store.transaction(async (tx) => {
 *   const { authRef } = await secrets.put(tenantId, actor, null, body.credentials, { tx });
 *   await tx.integrations.insert({ ...integration, authRef });
 * });
 */
export function createLocalSecrets(deps: LocalSecretsDeps): LocalSecrets {
  async function write<T extends { authRef: string; id: string; version?: number; fingerprint?: string }>(
    action: 'create' | 'replace' | 'delete',
    base: { tenantId: string; actor: string; reference: string | null },
    options: LocalWriteOptions,
    work: (repositories: Repositories) => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    const entry = (fields: Partial<AuditEntry>): AuditEntry => ({
      tenantId: base.tenantId,
      actor: base.actor,
      integrationId: options.integrationId ?? null,
      purpose: options.purpose ?? 'api',
      action,
      store: LOCAL_STORE,
      reference: base.reference,
      version: null,
      outcome: 'success',
      cache: null,
      latencyMs: performance.now() - started,
      fingerprint: null,
      detail: null,
      ...fields,
    });
    // Outside a caller's transaction, make sure the tenant's data key exists and is cached first.
    if (!options.tx && action !== 'delete') await deps.dataKeys.prepare(base.tenantId);
    const run = async (repositories: Repositories) => {
      const result = await work(repositories);
      await deps.audit.write(
        [
          entry({
            reference: result.authRef,
            version: result.version === undefined ? null : String(result.version),
            fingerprint: result.fingerprint ?? null,
          }),
        ],
        repositories.audit,
      );
      return result;
    };
    try {
      const result = options.tx ? await run(options.tx) : await deps.store.transaction(run);
      deps.resolver?.forget(base.tenantId, result.authRef);
      return result;
    } catch (error) {
      const outcome =
        error instanceof NotFoundError
          ? 'not_found'
          : error instanceof InvalidInputError
            ? 'invalid'
            : 'error';
      const detail =
        error instanceof AppError ? `${error.code}: ${error.message}`.slice(0, 500) : 'internal error';
      deps.audit.record(entry({ outcome, detail }));
      throw error;
    }
  }

  const refOf = (id: string) => (isUuid(id) ? `authref://local/${id}` : null);

  return {
    async put(tenantId, actor, name, value, options = {}) {
      const result = await write('create', { tenantId, actor, reference: null }, options, (repositories) =>
        deps.local.create({ tenantId, actor }, { name: name ?? null, value }, repositories.secrets),
      );
      return { authRef: result.authRef, id: result.id, version: result.version };
    },

    async replace(tenantId, actor, id, value, options = {}) {
      const result = await write(
        'replace',
        { tenantId, actor, reference: refOf(id) },
        options,
        (repositories) => deps.local.replace({ tenantId, actor }, id, value, repositories.secrets),
      );
      return { authRef: result.authRef, id: result.id, version: result.version };
    },

    async delete(tenantId, actor, id, options = {}) {
      await write('delete', { tenantId, actor, reference: refOf(id) }, options, (repositories) =>
        deps.local.delete({ tenantId, actor }, id, repositories.secrets),
      );
    },
  };
}
