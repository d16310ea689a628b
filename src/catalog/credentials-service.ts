import type { Principal } from '../core/scopes.js';
import type { LocalSecretRef, SecretInput, Secrets } from '../secrets/index.js';
import type { AuditFilter, AuditRecord } from '../store/audit-repository.js';
import type { Store } from '../store/store.js';
import { decodePageToken, encodePageToken } from './page-token.js';

/** The credentials a tenant hands us, and the audit trail of every credential access. */
export interface CredentialsService {
  /** Stores a secret in the `local` store; returns its reference, never the value. */
  create(principal: Principal, name: string | null, value: SecretInput): Promise<LocalSecretRef>;
  /** A new version of the caller's secret `id`. */
  replace(principal: Principal, id: string, value: SecretInput): Promise<LocalSecretRef>;
  delete(principal: Principal, id: string): Promise<void>;
  /** The caller's tenant's audit records, newest first, a page at a time. */
  audit(
    principal: Principal,
    filter: Omit<AuditFilter, 'tenantId'>,
    page: { pageSize: number; pageToken?: string },
  ): Promise<{ items: AuditRecord[]; nextPageToken: string | null }>;
}

export function createCredentialsService(deps: {
  secrets: Pick<Secrets, 'local'>;
  store: Store;
  newId: () => string;
  now: () => Date;
}): CredentialsService {
  const { local } = deps.secrets;
  return {
    create: (principal, name, value) => local.put(principal.tenantId, principal.actor, name, value),
    // A new version, and a `credential.rotated` event for each integration using it, in one transaction.
    replace: (principal, id, value) =>
      deps.store.transaction(async (tx) => {
        const ref = await local.replace(principal.tenantId, principal.actor, id, value, { tx });
        const rotatedAt = deps.now().toISOString();
        for (const integrationId of await tx.integrations.idsByAuthRef(principal.tenantId, ref.authRef)) {
          await tx.outbox.append({
            id: deps.newId(),
            tenantId: principal.tenantId,
            subject: integrationId,
            type: 'credential.rotated',
            data: { integrationId, authRef: ref.authRef, rotatedAt, rotatedBy: principal.actor },
            createdAt: rotatedAt,
          });
        }
        return ref;
      }),
    delete: (principal, id) => local.delete(principal.tenantId, principal.actor, id),
    async audit(principal, filter, { pageSize, pageToken }) {
      const beforeId = pageToken ? decodePageToken(pageToken) : undefined;
      const rows = await deps.store.audit.list(
        { ...filter, tenantId: principal.tenantId },
        { limit: pageSize + 1, beforeId },
      );
      const items = rows.slice(0, pageSize);
      return { items, nextPageToken: rows.length > pageSize ? encodePageToken(items.at(-1)!.id) : null };
    },
  };
}
