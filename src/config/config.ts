import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../core/string-enum.js';

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
    adminToken: Type.Union([Type.String({ minLength: 32 }), Type.Null()], {
      default: null,
      description:
        'Admin token of tenant `default`, created on first start when no token exists. Environment only; generated when unset.',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Keys that may only come from the environment, never from a config file (they are secrets). */
export const ENV_ONLY_KEYS: ReadonlySet<keyof Config> = new Set(['adminToken']);
