import { readFileSync } from 'node:fs';
import type { Logger as PinoLogger } from 'pino';
import { type Api, buildApi } from './api/server.js';
import { createIdempotencyService } from './catalog/idempotency-service.js';
import { createIntegrationService, type IntegrationService } from './catalog/integration-service.js';
import { createReadinessCheck } from './catalog/readiness.js';
import { createTokenService, type TokenService } from './catalog/token-service.js';
import type { Config } from './config/config.js';
import { createIdGenerator } from './core/ids.js';
import { createLogger } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { builtinPlugins } from './plugins/builtin.js';
import type { ConnectorPlugin } from './plugins/contracts.js';
import { loadPlugins } from './plugins/loader.js';
import type { PluginRegistry } from './plugins/registry.js';
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
  try {
    const applied = await migrateToLatest(database);
    if (applied.length > 0) logger.info({ migrations: applied }, 'database migrated');
    const store = createStore(database);
    const plugins = await loadPlugins(options.builtins ?? builtinPlugins(), config.plugins, logger);
    const integrations = createIntegrationService({
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
    const api = await buildApi({
      integrations,
      tokens,
      idempotency: createIdempotencyService(store, now),
      plugins,
      readiness: createReadinessCheck(database),
      metrics,
      logger,
      version: VERSION,
    });
    logger.info({ database: database.dialect, location: database.location }, 'catalog ready');
    return {
      config,
      api,
      database,
      store,
      plugins,
      integrations,
      tokens,
      metrics,
      logger,
      async close() {
        await api.close();
        await database.close();
      },
    };
  } catch (error) {
    await database.close();
    throw error;
  }
}
