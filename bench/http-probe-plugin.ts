/**
 * A bench-only provider: its health check is one GET of the integration's endpoint through the
 * outbound client (`context.http`), healthy on 200. It lets bench/health.ts measure the poller with
 * real sockets, egress checks, retries and breakers in the path, against a fake on loopback.
 */
import { Type } from '@sinclair/typebox';
import type { ConnectorPlugin, HealthCheckResult, PluginContext } from '../src/plugins/contracts.js';

type ProbeConfig = Record<string, never>;

async function probe(context: PluginContext<ProbeConfig>, operation: string): Promise<HealthCheckResult> {
  const response = await context.http.request({
    method: 'GET',
    url: context.integration.endpoint,
    signal: context.signal,
    provider: 'http_probe',
    operation,
  });
  return response.status === 200
    ? { status: 'healthy', message: 'endpoint answered 200' }
    : { status: 'unhealthy', message: `endpoint answered ${response.status}` };
}

export function createHttpProbePlugin(): ConnectorPlugin<ProbeConfig> {
  return {
    provider: 'http_probe',
    displayName: 'HTTP probe (bench only)',
    types: ['ci'],
    configSchema: Type.Object({}),
    capabilities: ['test_connection', 'health_check'],
    checkAvailability: () => ({ available: true }),
    async testConnection(context) {
      const result = await probe(context, 'test_connection');
      const ok = result.status === 'healthy';
      return {
        success: ok,
        message: result.message,
        checks: [{ name: 'reachable', ok, message: result.message }],
      };
    },
    checkHealth: (context) => probe(context, 'health_check'),
  };
}
