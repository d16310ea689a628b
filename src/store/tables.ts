import type { ColumnType } from 'kysely';

/**
 * Row shapes as the drivers hand them back. SQLite stores timestamps as ISO text, JSON as text and
 * booleans as 0/1; PostgreSQL uses timestamptz, jsonb and boolean. `rows.ts` maps both to one form.
 */
type Timestamp = ColumnType<string | Date, string, string>;
type NullableTimestamp = ColumnType<string | Date | null, string | null, string | null>;
type Json = ColumnType<unknown, string, string>;
type Bool = ColumnType<number | boolean, number, number>;

export interface IntegrationsTable {
  id: string;
  tenant_id: string;
  name: string;
  type: string;
  provider: string;
  endpoint: string;
  auth_ref: string | null;
  config: Json;
  tags: Json;
  owner: string | null;
  enabled: Bool;
  status: string;
  health_status: string;
  health_checked_at: NullableTimestamp;
  health_latency_ms: number | null;
  health_message: string | null;
  poll_interval_seconds: number | null;
  version: number;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  updated_by: string;
}

export interface IntegrationTagsTable {
  tenant_id: string;
  integration_id: string;
  tag: string;
}

export interface ApiTokensTable {
  id: string;
  tenant_id: string;
  name: string;
  token_hash: string;
  scopes: Json;
  created_at: Timestamp;
  created_by: string;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface OutboxTable {
  id: string;
  tenant_id: string;
  subject: string;
  type: string;
  data: Json;
  created_at: Timestamp;
  delivered_at: NullableTimestamp;
  /** Insert order (0003-events); PostgreSQL hands bigints back as strings. */
  seq: ColumnType<number | string, number | undefined, number>;
  /** Read order, given after commit by the sequencer; null until then. */
  position: ColumnType<number | string | null, number | null | undefined, number | null>;
  source: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface OutboxCountersTable {
  name: string;
  value: ColumnType<number | string, number, number>;
}

/** One row per event and sink: the sink's delivery state (0003-events). */
export interface OutboxDeliveriesTable {
  event_id: string;
  sink: string;
  tenant_id: string;
  subject: string;
  position: ColumnType<number | string, number, number>;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: Timestamp;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
  last_error: string | null;
  delivered_at: NullableTimestamp;
  parked_at: NullableTimestamp;
  parked_reason: string | null;
}

export interface IdempotencyKeysTable {
  tenant_id: string;
  key: string;
  fingerprint: string;
  status_code: number | null;
  response_body: string | null;
  created_at: Timestamp;
}

export interface PollScheduleTable {
  integration_id: string;
  tenant_id: string;
  next_run_at: Timestamp;
  lease_owner: string | null;
  lease_until: NullableTimestamp;
  lease_version: ColumnType<number, number | undefined, number>;
  consecutive_failures: ColumnType<number, number | undefined, number>;
  consecutive_successes: ColumnType<number, number | undefined, number>;
}

export interface HealthChecksTable {
  id: string;
  tenant_id: string;
  integration_id: string;
  kind: string;
  status: string;
  message: string;
  latency_ms: number;
  checks: ColumnType<unknown, string | null, string | null>;
  checked_at: Timestamp;
  instance: string;
}

/** A tenant's data key, wrapped by a master key (`secrets/crypto/envelope.ts`). */
export interface DataKeysTable {
  id: string;
  tenant_id: string;
  master_key_id: string;
  wrapped_key: string;
  active: Bool;
  created_at: Timestamp;
  rewrapped_at: NullableTimestamp;
}

/** A secret of the `local` store; its values live in `secret_versions`. */
export interface SecretsTable {
  id: string;
  tenant_id: string;
  name: string | null;
  current_version: number;
  created_at: Timestamp;
  created_by: string;
  updated_at: Timestamp;
  updated_by: string;
  deleted_at: NullableTimestamp;
  deleted_by: string | null;
}

/** One sealed value of a secret; old versions stay until pruned. */
export interface SecretVersionsTable {
  secret_id: string;
  version: number;
  tenant_id: string;
  data_key_id: string;
  blob: string;
  fingerprint: string;
  created_at: Timestamp;
  created_by: string;
}

/** Append-only trail of credential resolutions, writes and key operations. */
export interface AuditLogTable {
  id: string;
  at: Timestamp;
  tenant_id: string;
  actor: string;
  integration_id: string | null;
  purpose: string;
  action: string;
  store: string | null;
  reference: string | null;
  version: string | null;
  outcome: string;
  cache: string | null;
  latency_ms: number;
  fingerprint: string | null;
  detail: string | null;
}

/** A payload the offline queue keeps (0005-annotations): not posted, for export and replay. */
export interface AnnotationQueueTable {
  id: string;
  tenant_id: string;
  integration_id: string;
  operation: string;
  owner: string;
  repository: string;
  pull_request_number: number | null;
  commit_sha: string | null;
  target_key: string;
  payload: Json;
  reason: string;
  reason_kind: string;
  status: string;
  superseded_by: string | null;
  created_at: Timestamp;
  created_by: string;
  replay_attempts: ColumnType<number, number | undefined, number>;
  last_replay_at: NullableTimestamp;
  replay_result: ColumnType<unknown, string | null, string | null>;
  replayed_at: NullableTimestamp;
}

/** A per-pull-request annotate lock held with a lease (0005-annotations). */
export interface AnnotationLocksTable {
  lock_key: string;
  tenant_id: string;
  holder: string;
  acquired_at: Timestamp;
  lease_until: Timestamp;
}

export interface Tables {
  integrations: IntegrationsTable;
  integration_tags: IntegrationTagsTable;
  api_tokens: ApiTokensTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  poll_schedule: PollScheduleTable;
  health_checks: HealthChecksTable;
  outbox_counters: OutboxCountersTable;
  outbox_deliveries: OutboxDeliveriesTable;
  data_keys: DataKeysTable;
  secrets: SecretsTable;
  secret_versions: SecretVersionsTable;
  audit_log: AuditLogTable;
  annotation_queue: AnnotationQueueTable;
  annotation_locks: AnnotationLocksTable;
}
