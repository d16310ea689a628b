import type { InjectOptions } from 'fastify';
import type { Logger } from 'pino';
import { type App, createApp } from '../../src/app.js';
import type { Config } from '../../src/config/config.js';
import { loadConfig } from '../../src/config/load-config.js';
import type { Scope } from '../../src/core/scopes.js';
import { createLogger } from '../../src/observability/logger.js';
import type { ConnectorPlugin } from '../../src/plugins/contracts.js';
import type { TestDatabaseTarget } from './databases.js';

/** A running app on a fresh database, with an admin token of tenant `default`. */
export interface TestApp {
  readonly app: App;
  readonly adminToken: string;
  /** Makes a token for any tenant and scopes. */
  token(tenantId: string, scopes?: Scope[]): Promise<string>;
  /** `inject` with a bearer token and JSON body, returning status, headers and parsed body. */
  request(
    options: InjectOptions & { token?: string | null },
  ): Promise<{ status: number; headers: Record<string, unknown>; body: any }>;
  dispose(): Promise<void>;
}

export const ADMIN_TOKEN = `intg_${'a'.repeat(43)}`;

export async function startTestApp(
  target: TestDatabaseTarget,
  options: { builtins?: ConnectorPlugin[]; config?: Partial<Config>; logger?: Logger } = {},
): Promise<TestApp> {
  const created = await target.create();
  const config = loadConfig(
    {},
    {
      dataDir: created.dataDir,
      databaseUrl: created.url,
      adminToken: ADMIN_TOKEN,
      logLevel: 'silent',
      // Tests drive the poller themselves (app.poller.drain()) unless they ask for it to run.
      pollEnabled: false,
      ...options.config,
    },
  );
  const app = await createApp(config, {
    logger: options.logger ?? createLogger('silent'),
    processMetrics: false,
    builtins: options.builtins,
  });
  return {
    app,
    adminToken: ADMIN_TOKEN,
    async token(tenantId, scopes = ['integrations:admin']) {
      const { token } = await app.tokens.create({
        tenantId,
        name: `test-${tenantId}`,
        scopes,
        createdBy: 'test',
      });
      return token;
    },
    async request({ token, ...options }) {
      const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
      const bearer = token === undefined ? ADMIN_TOKEN : token;
      if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
      const response = await app.api.inject({ ...options, headers });
      let body: unknown = response.body;
      try {
        body = response.body ? JSON.parse(response.body) : undefined;
      } catch {
        // not JSON (metrics, docs): keep the text
      }
      return { status: response.statusCode, headers: response.headers, body };
    },
    async dispose() {
      await app.close();
      await created.dispose();
    },
  };
}

/**
 * Makes one integration's health check due now and runs the poller once (its first check is spread
 * over the interval, which a test does not wait for); resolves to the checks the poller started.
 */
export async function pollNow(t: TestApp, integrationId: string): Promise<number> {
  await t.app.database.db
    .updateTable('poll_schedule')
    .set({ next_run_at: new Date(Date.now() - 1_000).toISOString() })
    .where('integration_id', '=', integrationId)
    .execute();
  return t.app.poller.drain();
}

/** An app whose outbound client may reach loopback fakes and registries on any port. */
export function startLoopbackTestApp(target: TestDatabaseTarget): Promise<TestApp> {
  return startTestApp(target, { config: { allowPrivateNetworks: true, egressAllowAnyPort: true } });
}

/**
 * Stores `secret` in the local store and registers `integration` with its `authRef`, as a user would
 * through the API; resolves to the integration as created. Either answer not a 201 throws with the body.
 */
export async function registerWithSecret(
  t: TestApp,
  secret: { readonly name: string; readonly value: unknown },
  integration: Record<string, unknown>,
): Promise<{ id: string; config: Record<string, unknown> }> {
  const stored = await t.request({ method: 'POST', url: '/api/v1/secrets', payload: secret });
  if (stored.status !== 201)
    throw new Error(`storing the secret answered ${stored.status}: ${JSON.stringify(stored.body)}`);
  const created = await t.request({
    method: 'POST',
    url: '/api/v1/integrations',
    payload: { ...integration, authRef: stored.body.authRef },
  });
  if (created.status !== 201)
    throw new Error(
      `registering the integration answered ${created.status}: ${JSON.stringify(created.body)}`,
    );
  return created.body;
}
