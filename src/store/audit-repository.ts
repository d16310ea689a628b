import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import { toIso } from './rows.js';
import type { AuditLogTable, Tables } from './tables.js';

/** One entry of the credential audit trail. Never a secret value: a keyed fingerprint at most. */
export interface AuditRecord {
  readonly id: string;
  readonly at: string;
  readonly tenantId: string;
  /** `token:<name>`, `token:<id>` or `system`. */
  readonly actor: string;
  readonly integrationId: string | null;
  /** Why the credential was needed: `test`, `health`, `annotate`, `registry`, `events`, `api`, … */
  readonly purpose: string;
  /** `resolve`, `create`, `replace`, `delete`, `rewrap`, … */
  readonly action: string;
  readonly store: string | null;
  /** The canonical `authref://` reference (null when the input was not a valid reference). */
  readonly reference: string | null;
  readonly version: string | null;
  /** `success`, `stale`, `not_found`, `denied`, `invalid`, `error`. */
  readonly outcome: string;
  /** For resolutions: `miss`, `hit`, `shared` (joined a fetch in flight) or `stale`; null otherwise. */
  readonly cache: string | null;
  readonly latencyMs: number;
  readonly fingerprint: string | null;
  /** A short reason (an error code and message); never a value. */
  readonly detail: string | null;
}

export interface AuditFilter {
  /** null: every tenant (an operator's view). */
  readonly tenantId: string | null;
  readonly action?: string;
  readonly outcome?: string;
  readonly store?: string;
  readonly reference?: string;
  readonly integrationId?: string;
  readonly actor?: string;
  readonly purpose?: string;
  /** ISO timestamps, inclusive lower and exclusive upper bound on `at`. */
  readonly since?: string;
  readonly until?: string;
}

/** Append-only: there is no update and no delete, by design (the API exposes none either). */
export interface AuditRepository {
  append(records: readonly AuditRecord[]): Promise<void>;
  /** Newest first; `beforeId` continues from the last record of the previous page. */
  list(filter: AuditFilter, page: { limit: number; beforeId?: string }): Promise<AuditRecord[]>;
}

/** Rows per INSERT statement. */
const CHUNK = 16;

export function createAuditRepository(db: Kysely<Tables>): AuditRepository {
  // Every resolution appends a row, so this is hot. Building a multi-row insert with Kysely costs
  // about twice what the database does (bench/secrets.ts); each statement shape (1 to CHUNK rows) is
  // compiled once, in this dialect's syntax, and later calls only bind new values.
  const shapes = new Map<number, string>();
  const insertSql = (rows: number): string => {
    let text = shapes.get(rows);
    if (text === undefined) {
      text = db
        .insertInto('audit_log')
        .values(Array.from({ length: rows }, () => toRow(SHAPE)))
        .compile().sql;
      shapes.set(rows, text);
    }
    return text;
  };
  const insertAll = async (target: Kysely<Tables>, records: readonly AuditRecord[]) => {
    for (let start = 0; start < records.length; start += CHUNK) {
      const chunk = records.slice(start, start + CHUNK);
      const parameters = chunk.flatMap((record) => Object.values(toRow(record)));
      await target.executeQuery(CompiledQuery.raw(insertSql(chunk.length), parameters));
    }
  };

  return {
    async append(records) {
      if (records.length === 0) return;
      // All or nothing: a batch retried after a partial write would collide with its own ids.
      if (db.isTransaction || records.length <= CHUNK) await insertAll(db, records);
      else await db.transaction().execute((trx) => insertAll(trx, records));
    },

    async list(filter, page) {
      let query = db.selectFrom('audit_log').selectAll();
      if (filter.tenantId !== null) query = query.where('tenant_id', '=', filter.tenantId);
      if (filter.action) query = query.where('action', '=', filter.action);
      if (filter.outcome) query = query.where('outcome', '=', filter.outcome);
      if (filter.store) query = query.where('store', '=', filter.store);
      if (filter.reference) query = query.where('reference', '=', filter.reference);
      if (filter.integrationId) query = query.where('integration_id', '=', filter.integrationId);
      if (filter.actor) query = query.where('actor', '=', filter.actor);
      if (filter.purpose) query = query.where('purpose', '=', filter.purpose);
      if (filter.since) query = query.where('at', '>=', filter.since);
      if (filter.until) query = query.where('at', '<', filter.until);
      if (page.beforeId) query = query.where('id', '<', page.beforeId);
      const rows = await query.orderBy('id', 'desc').limit(page.limit).execute();
      return rows.map(fromRow);
    },
  };
}

/** Any record: only its shape matters, to compile the insert. */
const SHAPE: AuditRecord = {
  id: '',
  at: '',
  tenantId: '',
  actor: '',
  integrationId: null,
  purpose: '',
  action: '',
  store: null,
  reference: null,
  version: null,
  outcome: '',
  cache: null,
  latencyMs: 0,
  fingerprint: null,
  detail: null,
};

/** Column values in a fixed order (the insert binds them positionally). */
function toRow(record: AuditRecord) {
  return {
    id: record.id,
    at: record.at,
    tenant_id: record.tenantId,
    actor: record.actor,
    integration_id: record.integrationId,
    purpose: record.purpose,
    action: record.action,
    store: record.store,
    reference: record.reference,
    version: record.version,
    outcome: record.outcome,
    cache: record.cache,
    latency_ms: record.latencyMs,
    fingerprint: record.fingerprint,
    detail: record.detail,
  };
}

function fromRow(row: Selectable<AuditLogTable>): AuditRecord {
  return {
    id: row.id,
    at: toIso(row.at),
    tenantId: row.tenant_id,
    actor: row.actor,
    integrationId: row.integration_id,
    purpose: row.purpose,
    action: row.action,
    store: row.store,
    reference: row.reference,
    version: row.version,
    outcome: row.outcome,
    cache: row.cache,
    latencyMs: Number(row.latency_ms),
    fingerprint: row.fingerprint,
    detail: row.detail,
  };
}
