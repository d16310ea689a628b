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

export interface Tables {
  integrations: IntegrationsTable;
  integration_tags: IntegrationTagsTable;
  api_tokens: ApiTokensTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
  poll_schedule: PollScheduleTable;
  health_checks: HealthChecksTable;
}
