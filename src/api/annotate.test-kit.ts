import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { Logger } from 'pino';
import { ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/support/app.js';
import type { TestDatabaseTarget } from '../../test/support/databases.js';
import { type App, createApp } from '../app.js';
import type { Config } from '../config/config.js';
import { loadConfig } from '../config/load-config.js';
import { createLogger } from '../observability/logger.js';
import { asConnectorPlugin, CAPABILITIES, type ConnectorPlugin } from '../plugins/contracts.js';
import { createInMemoryPlugin, type InMemoryPlugin } from '../providers/in-memory/plugin.js';

/** Shared by the annotate, offline queue and malformed-input suites. */

export const SHA = 'a'.repeat(40);
export const SHA_256 = 'b'.repeat(64);

export const SARIF_DIR = new URL('../../test/fixtures/sarif/', import.meta.url);

export function readSarif(name: string): string {
  return readFileSync(new URL(name, SARIF_DIR), 'utf8');
}

/** A provider that serves `scm` integrations but offers no SCM ability, and records nothing. */
export function noScmPlugin(): ConnectorPlugin {
  return asConnectorPlugin({
    provider: 'no_scm',
    displayName: 'No SCM',
    types: ['scm'],
    configSchema: Type.Object({}, { additionalProperties: true }),
    capabilities: CAPABILITIES.filter((capability) => !capability.startsWith('scm.')),
    checkAvailability: () => ({ available: true }),
    testConnection: async () => ({ success: true, message: 'ok', checks: [] }),
    checkHealth: async () => ({ status: 'healthy', message: 'ok' }),
  });
}

/** A native findings report. */
export function report(findings: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return { tool: { name: 'scanner', version: '1.0' }, findings, ...extra };
}

export function finding(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ruleId: 'CVE-2024-0001',
    severity: 'high',
    title: 'Vulnerable dependency',
    message: 'left-pad 1.0.0 is vulnerable',
    path: 'src/app.ts',
    startLine: 10,
    snippet: 'const pad = require("left-pad");',
    ...overrides,
  };
}

/** Log lines of an app, for asserting on structured fields. */
export function captureLogs(): { logger: Logger; lines: () => Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const text of String(chunk).split('\n')) if (text) lines.push(JSON.parse(text));
      done();
    },
  });
  return { logger: createLogger('info', stream), lines: () => lines };
}

export interface AnnotateHarness {
  readonly t: TestApp;
  readonly plugin: InMemoryPlugin;
  /** Registers an in-memory SCM integration and returns its id. */
  integration(name: string, config?: Record<string, unknown>, token?: string): Promise<string>;
  annotate(id: string, body: Record<string, unknown>, token?: string): ReturnType<TestApp['request']>;
}

export async function startAnnotateHarness(
  target: TestDatabaseTarget,
  options: { config?: Partial<Config>; logger?: Logger; extraPlugins?: ConnectorPlugin[] } = {},
): Promise<AnnotateHarness> {
  const plugin = createInMemoryPlugin();
  const t = await startTestApp(target, {
    builtins: [asConnectorPlugin(plugin), ...(options.extraPlugins ?? [])],
    config: { relayEnabled: false, ...options.config },
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return {
    t,
    plugin,
    async integration(name, config = {}, token) {
      const response = await t.request({
        method: 'POST',
        url: '/api/v1/integrations',
        payload: { name, type: 'scm', provider: 'in_memory', endpoint: 'https://scm.example.com', config },
        ...(token === undefined ? {} : { token }),
      });
      if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
      return response.body.id as string;
    },
    annotate(id, body, token) {
      return t.request({
        method: 'POST',
        url: `/api/v1/integrations/${id}/scm/annotate`,
        payload: body,
        ...(token === undefined ? {} : { token }),
      });
    },
  };
}

/** Another app on the database of `app` (a second instance, or the same service restarted). */
export async function startSecondApp(
  app: App,
  builtins: readonly ConnectorPlugin[],
  config: Partial<Config> = {},
): Promise<App> {
  return createApp(
    loadConfig(
      {},
      {
        dataDir: app.config.dataDir,
        databaseUrl: app.config.databaseUrl,
        adminToken: ADMIN_TOKEN,
        logLevel: 'silent',
        pollEnabled: false,
        relayEnabled: false,
        ...config,
      },
    ),
    { logger: createLogger('silent'), processMetrics: false, builtins },
  );
}

/** `inject` on a bare app with the admin token. */
export async function call(app: App, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const response = await app.api.inject({
    method,
    url,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
  });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : undefined };
}
