import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Logger as PinoLogger } from 'pino';
import { type Api, buildApi } from './api/server.js';
import { createAnnotationServices } from './catalog/annotation-services.js';
import { createConnectionTester } from './catalog/connection-tester.js';
import type { CredentialPort } from './catalog/credential-port.js';
import { createCredentialsService } from './catalog/credentials-service.js';
import { createHealthMetrics } from './catalog/health-metrics.js';
import { createHealthPoller, type HealthPoller } from './catalog/health-poller.js';
import { createHealthReports } from './catalog/health-report.js';
import { createIdempotencyService } from './catalog/idempotency-service.js';
import { createIntegrationService, type IntegrationService } from './catalog/integration-service.js';
import { createPluginContextFactory } from './catalog/plugin-context.js';
import { createReadinessCheck } from './catalog/readiness.js';
import { createRegistryMetrics } from './catalog/registry-metrics.js';
import { createRegistryReadService } from './catalog/registry-service.js';
import { createTokenService, type TokenService } from './catalog/token-service.js';
import type { Config } from './config/config.js';
import { ConfigError } from './core/errors.js';
import { createIdGenerator } from './core/ids.js';
import { createEvents, type OutboxRelay } from './events/index.js';
import { createEgressPolicy, createHttpClient } from './net/index.js';
import { createLogger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { builtinPlugins } from './plugins/builtin.js';
import type { ConnectorPlugin } from './plugins/contracts.js';
import { loadPlugins } from './plugins/loader.js';
import type { PluginRegistry } from './plugins/registry.js';
import { createSecrets, Secret, type Secrets, SYSTEM_TENANT } from './secrets/index.js';
import { type Database, openDatabase } from './store/database.js';
import { migrateToLatest } from './store/migrate.js';
import { createStore, type Store } from './store/store.js';

/** The running service: its parts, for the CLI and tests, and one way to stop it all. */
export interface App {
  readonly config: Config;
  readonly api: Api;
  readonly database: Database;
  readonly store: Store;
  readonly plugins: PluginRegistry;
  readonly integrations: IntegrationService;
  readonly tokens: TokenService;
  readonly poller: HealthPoller;
  /** Delivers the outbox to the event sinks (running when relayEnabled). */
  readonly relay: OutboxRelay;
  readonly metrics: Metrics;
  readonly logger: PinoLogger;
  /** Stops accepting requests, lets in-flight ones finish, closes the database. */
  close(): Promise<void>;
}

export interface AppOptions {
  readonly logger?: PinoLogger;
  /** Replaces the built-in plugin list (tests). */
  readonly builtins?: readonly ConnectorPlugin[];
  readonly now?: () => Date;
  /** Collect Node.js process metrics (off in tests that build many apps). */
  readonly processMetrics?: boolean;
  /** Names this instance in leases and check history (default: host, pid and a random suffix). */
  readonly instanceId?: string;
}

export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Wires the service together: database (migrated), plugins, catalog services and the HTTP API.
 *
 * @example
 * const app = await createApp(loadConfig(process.env));
 * await app.api.listen({ host: app.config.host, port: app.config.port });
 */
export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());
  const newId = createIdGenerator(() => now().getTime());
  const metrics = createMetrics({ processMetrics: options.processMetrics });

  const database = openDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const closers: (() => Promise<void>)[] = [];
  try {
    const applied = await migrateToLatest(database);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const store = createStore(database);
    const plugins = await loadPlugins(options.builtins ?? builtinPlugins(), config.plugins, logger);
    const egress = createEgressPolicy({
      allowPrivateNetworks: config.allowPrivateNetworks,
      allowlist: config.egressAllowlist,
      allowHttp: config.egressAllowHttp,
      allowedPorts: config.egressAllowedPorts,
      allowAnyPort: config.egressAllowAnyPort,
    });
    const http = createHttpClient({
      policy: egress,
      offline: config.offline,
      registry: metrics.registry,
      logger,
      caBundle: config.caBundleFile ? readCaBundle(config.caBundleFile) : undefined,
    });
    closers.push(() => http.close());
    const secrets = createSecrets(config, { store, http, logger, now });
    // Queued audit records are written before the database closes (closers run in order).
    closers.unshift(() => secrets.close());
    const credentials = credentialPort(secrets);
    const integrations = createIntegrationService({
      credentials,
      egress,
      store,
      plugins,
      newId,
      now,
      logger,
      metrics,
      defaultPollIntervalMs: config.pollIntervalSeconds * 1000,
    });
    const tokens = createTokenService({ store, newId, now, logger });
    await tokens.bootstrap({ dataDir: config.dataDir, adminToken: config.adminToken });
    const instanceId = options.instanceId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    const contexts = createPluginContextFactory({ http, secrets, logger, now });
    const events = createEvents({
      config,
      database,
      http,
      // Sink secrets are the service's own: resolved from the configured stores as the system tenant.
      checkSecretRef: (ref, where) => {
        try {
          return secrets.resolver.check(ref, SYSTEM_TENANT);
        } catch (error) {
          throw new ConfigError(`${where}: ${(error as Error).message}`);
        }
      },
      resolveSecret: async (ref) => {
        const { value } = await secrets.resolver.resolve(ref, {
          tenantId: SYSTEM_TENANT,
          actor: 'system',
          integrationId: null,
          purpose: 'events',
        });
        if (!(value instanceof Secret)) throw new ConfigError(`${ref} must name one value, not an object`);
        return value.reveal();
      },
      egress,
      logger,
      registry: metrics.registry,
      instanceId,
      now,
    });
    const healthMetrics = createHealthMetrics(metrics.registry, store);
    const tester = createConnectionTester({
      store,
      plugins,
      integrations,
      contexts,
      metrics: healthMetrics,
      logger,
      newId,
      now,
      instanceId,
      timeoutMs: config.pollCheckTimeoutMs,
      historyLimit: config.pollHistoryLimit,
      egress,
      credentials,
      offline: config.offline,
    });
    const registryReads = createRegistryReadService({
      plugins,
      integrations,
      contexts,
      metrics: createRegistryMetrics(metrics.registry),
      logger,
      timeoutMs: config.pollCheckTimeoutMs,
      offline: config.offline,
    });
    const poller = createHealthPoller({
      store,
      plugins,
      contexts,
      logger,
      metrics: healthMetrics,
      newId,
      now,
      instanceId,
      settings: {
        intervalMs: config.pollIntervalSeconds * 1000,
        concurrency: config.pollConcurrency,
        perHostConcurrency: config.pollPerHostConcurrency,
        checkTimeoutMs: config.pollCheckTimeoutMs,
        failureThreshold: config.pollFailureThreshold,
        successThreshold: config.pollSuccessThreshold,
        historyLimit: config.pollHistoryLimit,
      },
    });
    const annotations = createAnnotationServices({
      store,
      plugins,
      integrations,
      contexts,
      registry: metrics.registry,
      logger,
      newId,
      now,
      instanceId,
      offline: config.offline,
    });
    const api = await buildApi({
      integrations,
      tester,
      registryReads,
      credentials: createCredentialsService({ secrets, store, newId, now }),
      healthReports: createHealthReports({ store, integrations }),
      tokens,
      idempotency: createIdempotencyService(store, now),
      plugins,
      readiness: createReadinessCheck(database),
      metrics,
      logger,
      version: VERSION,
      events: events.feed,
      ...annotations,
    });
    if (config.offline) logger.warn('offline mode: no outbound request will be made; health polling is off');
    else if (config.pollEnabled) poller.start();
    if (config.relayEnabled) events.relay.start();
    logger.info({ database: database.dialect, location: database.location, instanceId }, 'catalog ready');
    return {
      config,
      api,
      database,
      store,
      plugins,
      integrations,
      tokens,
      poller,
      relay: events.relay,
      metrics,
      logger,
      async close() {
        await Promise.all([api.close(), poller.stop(), events.relay.stop()]);
        for (const close of closers) await close();
        await database.close();
      },
    };
  } catch (error) {
    for (const close of closers) await close().catch(() => {});
    await database.close();
    throw error;
  }
}

function readCaBundle(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read the CA bundle ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** The catalog's narrow view of the credentials core. */
function credentialPort(secrets: Secrets): CredentialPort {
  return {
    canonicalRef: (ref, tenantId, field = '/authRef') =>
      secrets.resolver.check(ref, tenantId, { field }).canonical,
    async storeInline(tx, input) {
      const current = input.current ? secrets.resolver.check(input.current, input.tenantId) : null;
      const options = { tx, integrationId: input.integrationId, purpose: 'api' };
      if (current?.store === 'local' && current.path.length === 1) {
        return (
          await secrets.local.replace(input.tenantId, input.actor, current.path[0]!, input.value, options)
        ).authRef;
      }
      return (await secrets.local.put(input.tenantId, input.actor, null, input.value, options)).authRef;
    },
  };
}
