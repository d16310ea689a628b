import { ConflictError, InvalidInputError, NotFoundError } from '../../core/errors.js';
import { createIdGenerator, isUuid } from '../../core/ids.js';
import { isUniqueViolation } from '../../store/rows.js';
import type { SecretRepository } from '../../store/secret-repository.js';
import { formatAuthRef } from '../authref.js';
import type { DataKeys } from '../crypto/data-keys.js';
import type { Fingerprinter } from '../crypto/fingerprint.js';
import { Secret } from '../secret.js';
import type { SecretInput, SecretStore, WriteContext, WriteResult } from './contract.js';
import { checkSecretInput, checkSecretName } from './secret-input.js';
import { selectValue } from './select-value.js';

export const LOCAL_STORE = 'local';
/** Versions kept per secret (Vault KV's default): older ones are deleted on replace. */
export const DEFAULT_KEEP_VERSIONS = 10;

/** The `local` store: secrets users hand us, sealed in our database under their tenant's data key. */
export interface LocalSecretStore extends SecretStore {
  /** Stores a new secret (version 1). `repository` is a transaction's, when the caller has one. */
  create(
    context: WriteContext,
    input: { name: string | null; value: SecretInput },
    repository?: SecretRepository,
  ): Promise<WriteResult>;
  /** Stores `value` as the next version of a live secret. */
  replace(
    context: WriteContext,
    id: string,
    value: SecretInput,
    repository?: SecretRepository,
  ): Promise<WriteResult>;
  /** Deletes a live secret and its sealed versions (the row stays as a tombstone). */
  delete(
    context: WriteContext,
    id: string,
    repository?: SecretRepository,
  ): Promise<{ authRef: string; id: string }>;
}

export interface LocalStoreDeps {
  /** The repository outside any transaction (reads, and writes without a caller's transaction). */
  readonly repository: SecretRepository;
  readonly dataKeys: DataKeys;
  readonly fingerprints: Fingerprinter;
  readonly now?: () => Date;
  readonly keepVersions?: number;
}

/**
 * `authref://local/<secret id>[?version=N][#key]`. Always scoped to the caller's tenant: another
 * tenant's id is simply not found. Each version is sealed with AES-256-GCM under a key bound to
 * (tenant, secret id, version, data key id); the plaintext is the value's JSON.
 *
 * @example
 * const local = createLocalStore({ repository: store.secrets, dataKeys, fingerprints });
 * const { authRef } = await local.create({ tenantId, actor }, { name: null, value: { appId, privateKey } });
 */
export function createLocalStore(deps: LocalStoreDeps): LocalSecretStore {
  const now = deps.now ?? (() => new Date());
  const newId = createIdGenerator(() => now().getTime());
  const keep = deps.keepVersions ?? DEFAULT_KEEP_VERSIONS;
  const refOf = (id: string) => formatAuthRef({ store: LOCAL_STORE, path: [id] });

  async function seal(
    tenantId: string,
    secretId: string,
    version: number,
    plaintext: Buffer,
    repository: SecretRepository,
  ) {
    try {
      return await deps.dataKeys.seal({ tenantId, secretId, version }, plaintext, repository);
    } finally {
      plaintext.fill(0);
    }
  }

  return {
    name: LOCAL_STORE,
    type: 'local',
    params: ['version'],

    async resolve(ref, context) {
      const [id, ...rest] = ref.path;
      if (id === undefined || rest.length > 0 || !isUuid(id)) {
        throw InvalidInputError.field('/authRef', 'must name one secret id (authref://local/<secret id>)');
      }
      const row =
        ref.params.version === undefined
          ? await deps.repository.findCurrentVersion(context.tenantId, id)
          : await deps.repository.findVersion(context.tenantId, id, ref.params.version);
      if (!row) throw new NotFoundError('secret', ref.canonical);
      const plaintext = await deps.dataKeys.open(
        { tenantId: context.tenantId, secretId: id, version: row.version },
        row.blob,
      );
      const content = Secret.adopt(plaintext);
      try {
        return { value: selectValue({ content, format: 'json' }, ref), version: String(row.version) };
      } finally {
        content.dispose();
      }
    },

    async create(context, input, repository = deps.repository) {
      const name = checkSecretName(input.name);
      const checked = checkSecretInput(input.value);
      if (name !== null && (await repository.findSecretByName(context.tenantId, name))) {
        throw new ConflictError(`a secret named '${name}' exists already; replace it by its id`);
      }
      const id = newId();
      const at = now().toISOString();
      const fingerprint = deps.fingerprints.fingerprint(checked.value);
      checked.value.dispose();
      const { blob, dataKeyId } = await seal(context.tenantId, id, 1, checked.plaintext, repository);
      try {
        await repository.insertSecret(
          {
            id,
            tenantId: context.tenantId,
            name,
            currentVersion: 1,
            createdAt: at,
            createdBy: context.actor,
            updatedAt: at,
            updatedBy: context.actor,
            deletedAt: null,
            deletedBy: null,
          },
          {
            secretId: id,
            version: 1,
            tenantId: context.tenantId,
            dataKeyId,
            blob,
            fingerprint,
            createdAt: at,
            createdBy: context.actor,
          },
        );
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new ConflictError(`a secret named '${name}' exists already; replace it by its id`);
        }
        throw error;
      }
      return { authRef: refOf(id), id, version: 1, fingerprint };
    },

    async replace(context, id, value, repository = deps.repository) {
      const checked = checkSecretInput(value);
      const current = isUuid(id) ? await repository.findSecret(context.tenantId, id) : undefined;
      if (!current || current.deletedAt !== null) {
        checked.plaintext.fill(0);
        throw new NotFoundError('secret', id);
      }
      const version = current.currentVersion + 1;
      const at = now().toISOString();
      const fingerprint = deps.fingerprints.fingerprint(checked.value);
      checked.value.dispose();
      const { blob, dataKeyId } = await seal(context.tenantId, id, version, checked.plaintext, repository);
      const added = await repository.addVersion({
        secretId: id,
        version,
        tenantId: context.tenantId,
        dataKeyId,
        blob,
        fingerprint,
        createdAt: at,
        createdBy: context.actor,
      });
      if (!added)
        throw new ConflictError('the secret changed or was deleted while it was replaced; try again');
      await repository.pruneVersions(context.tenantId, id, keep);
      return { authRef: refOf(id), id, version, fingerprint };
    },

    async delete(context, id, repository = deps.repository) {
      const deleted =
        isUuid(id) &&
        (await repository.markDeleted(context.tenantId, id, now().toISOString(), context.actor));
      if (!deleted) throw new NotFoundError('secret', id);
      return { authRef: refOf(id), id };
    },
  };
}
