import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../core/string-enum.js';
import { EventSinkSettingSchema } from '../events/sink-config.js';
import { SecretStoresSchema } from '../secrets/stores/config-schema.js';

/**
 * Every setting of the service, as read from the config file (camelCase keys) and from the
 * environment (`INTEGRATIONS_` + upper snake case). The environment wins over the file.
 */
export const ConfigSchema = Type.Object(
  {
    host: Type.String({ minLength: 1, default: '127.0.0.1', description: 'Address to listen on.' }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8080, description: 'TCP port to listen on.' }),
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      description: 'Directory of the SQLite database, the generated admin token and key files.',
    }),
    databaseUrl: Type.Union([Type.String({ pattern: '^(postgres|postgresql|sqlite)://' }), Type.Null()], {
      default: null,
      description:
        'A postgres:// URL selects PostgreSQL; unset means SQLite in the data directory. Also read from DATABASE_URL.',
    }),
    logLevel: StringEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, {
      default: 'info',
      description: 'Minimum level of log lines written to standard output.',
    }),
    plugins: Type.Array(Type.String({ minLength: 1 }), {
      default: [],
      description: 'External plugins to load at start-up: npm module names or file paths.',
    }),
    shutdownTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 600_000,
      default: 10_000,
      description: 'How long SIGTERM waits for in-flight requests before closing anyway.',
    }),
    offline: Type.Boolean({
      default: false,
      description: 'Make no outbound request at all; operations report skippedOffline.',
    }),
    allowPrivateNetworks: Type.Boolean({
      default: false,
      description:
        'Let outbound requests reach loopback and private networks (on-premises systems). Cloud metadata addresses stay refused.',
    }),
    egressAllowlist: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), {
      default: [],
      maxItems: 1000,
      description:
        'Hostnames and CIDRs outbound requests may reach even when private (comma-separated in the environment).',
    }),
    egressAllowHttp: Type.Boolean({
      default: true,
      description: 'Allow plain http:// endpoints (https is always allowed).',
    }),
    egressAllowedPorts: Type.Array(Type.Integer({ minimum: 1, maximum: 65535 }), {
      default: [],
      maxItems: 100,
      description: 'Ports outbound requests may use besides 80 and 443.',
    }),
    egressAllowAnyPort: Type.Boolean({
      default: false,
      description: 'Allow outbound requests to any port (addresses are still checked).',
    }),
    caBundleFile: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      default: null,
      description: 'PEM file of extra trusted certificate authorities for self-hosted systems.',
    }),
    pollEnabled: Type.Boolean({ default: true, description: 'Run the health poller in this instance.' }),
    pollIntervalSeconds: Type.Integer({
      minimum: 10,
      maximum: 86_400,
      default: 300,
      description: 'Default time between health checks of an integration (each may override it).',
    }),
    pollConcurrency: Type.Integer({
      minimum: 1,
      maximum: 2_000,
      default: 50,
      description: 'Health checks running at once in this instance.',
    }),
    pollPerHostConcurrency: Type.Integer({
      minimum: 1,
      maximum: 500,
      default: 4,
      description: 'Health checks running at once against one host.',
    }),
    pollCheckTimeoutMs: Type.Integer({
      minimum: 100,
      maximum: 300_000,
      default: 30_000,
      description: 'A health check taking longer counts as failed.',
    }),
    pollFailureThreshold: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 3,
      description: 'Consecutive failed checks before an integration is unhealthy.',
    }),
    pollSuccessThreshold: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 2,
      description: 'Consecutive good checks before an unhealthy integration is healthy again.',
    }),
    pollHistoryLimit: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 100,
      description: 'Checks kept per integration for GET /api/v1/integrations/{id}/health.',
    }),
    eventSinks: Type.Array(EventSinkSettingSchema, {
      default: [],
      maxItems: 20,
      description:
        'Where lifecycle events are delivered: webhook, nats and redis sinks (JSON in the environment). See src/events/README.md.',
    }),
    eventSource: Type.Union(
      [Type.String({ minLength: 1, maxLength: 1024, pattern: '^\\S+$' }), Type.Null()],
      {
        default: null,
        description: 'CloudEvents `source` of the events; unset means /integrations-catalog/<instance id>.',
      },
    ),
    eventRetentionDays: Type.Integer({
      minimum: 1,
      maximum: 3650,
      default: 7,
      description: 'Days a delivered event stays in the outbox (and GET /api/v1/events) before it is pruned.',
    }),
    relayEnabled: Type.Boolean({
      default: true,
      description: 'Run the outbox relay (event delivery) in this instance.',
    }),
    relayBatchSize: Type.Integer({
      minimum: 1,
      maximum: 1000,
      default: 100,
      description: 'Integrations × sinks the relay claims per round.',
    }),
    relayPollIntervalMs: Type.Integer({
      minimum: 10,
      maximum: 60_000,
      default: 500,
      description: 'How long the relay waits before looking again when it found nothing to deliver.',
    }),
    relayLeaseSeconds: Type.Integer({
      minimum: 2,
      maximum: 3600,
      default: 30,
      description:
        'How long a relay holds the events it claimed; after a crash others take them over this late. At least the slowest sink timeout plus 4 s.',
    }),
    adminToken: Type.Union([Type.String({ minLength: 32 }), Type.Null()], {
      default: null,
      description:
        'Admin token of tenant `default`, created on first start when no token exists. Environment only; generated when unset.',
    }),
    masterKey: Type.Union([Type.String({ minLength: 1 }), Type.Null()], {
      default: null,
      description:
        'Master key(s) wrapping the data keys of stored secrets: base64 of 32 bytes, `new,old` during a rotation. Environment only; unset means <dataDir>/master.key (made on first start).',
    }),
    secretStores: SecretStoresSchema,
    secretCacheTtlSeconds: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 300,
      description: 'How long a resolved credential is reused before its store is asked again.',
    }),
    secretStaleSeconds: Type.Integer({
      minimum: 0,
      maximum: 86_400,
      default: 600,
      description: 'How long past its TTL a credential is still served while its store fails transiently.',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Keys that may only come from the environment, never from a config file (they are secrets). */
export const ENV_ONLY_KEYS: ReadonlySet<keyof Config> = new Set(['adminToken', 'masterKey']);
