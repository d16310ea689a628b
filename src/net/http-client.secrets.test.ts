import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from './http-client.js';
import { type LoopbackServer, makeClient, startServer } from './loopback-server.test-kit.js';

/** No planted secret reaches an error, a log line or a metric; metrics carry the right labels. */

const SECRET = 'SECRET123';

const open: { servers: LoopbackServer[]; clients: HttpClient[] } = { servers: [], clients: [] };
afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((client) => client.close()));
  await Promise.all(open.servers.splice(0).map((server) => server.close()));
});

/** A server that fails with 500 and echoes back everything it was sent. */
async function echoingSetup(policy: { allowPrivateNetworks: boolean } = { allowPrivateNetworks: true }) {
  const server = await startServer((req, res) =>
    res
      .writeHead(500, { 'content-type': 'application/json' })
      .end(JSON.stringify({ url: req.url, headers: req.headers, padding: 'p'.repeat(1000) })),
  );
  const made = makeClient({ ...policy, allowedPorts: [server.port] }, { retry: { attempts: 2 } });
  open.servers.push(server);
  open.clients.push(made.client);
  return { server, ...made };
}

/** Everything an error could show: message, stack, details, cause chain, JSON and inspect output. */
function everythingShown(error: unknown): string {
  const fields = error as { message: string; stack?: string; details?: unknown; cause?: unknown };
  return [
    fields.message,
    fields.stack,
    JSON.stringify(fields.details),
    JSON.stringify(error),
    inspect(error, { depth: 10 }),
  ].join('\n');
}

describe('createHttpClient secrets', () => {
  it('keeps header values, query secrets and echoed bodies out of the error and the logs', async () => {
    const { server, client, logger } = await echoingSetup();

    const error = await client
      .request({
        method: 'GET',
        url: server.url(`/repos?access_token=${SECRET}&page=2`),
        headers: {
          authorization: `Bearer ${SECRET}-auth`,
          'private-token': `${SECRET}-pat`,
          'x-api-key': `${SECRET}-key`,
        },
        provider: 'github_app',
        operation: 'list_repos',
      })
      .catch((e: unknown) => e);

    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${SECRET}-auth`);
    expect(everythingShown(error)).not.toContain(SECRET);
    expect(JSON.stringify(logger.lines)).not.toContain(SECRET);
    expect((error as { url: string }).url).toBe(server.url('/repos?access_token=[redacted]&page=2'));
    const body = (error as { details: { body: string } }).details.body;
    expect(body.length).toBeLessThanOrEqual(300);
    expect(body).toContain('[redacted]');
  });

  it('keeps URL userinfo out of a refusal', async () => {
    const { server, client } = await echoingSetup({ allowPrivateNetworks: false });
    const url = server.url('/').replace('http://', `http://admin:${SECRET}@`);

    const error = await client.request({ method: 'GET', url }).catch((e: unknown) => e);

    expect(everythingShown(error)).not.toContain(SECRET);
    expect(server.count()).toBe(0);
  });

  it('logs each retry at debug and the final failure at warn, with labels, redacted URL, status and attempt', async () => {
    const { server, client, logger } = await echoingSetup();

    await client
      .request({
        method: 'GET',
        url: server.url(`/x?token=${SECRET}`),
        provider: 'gitlab',
        operation: 'health',
      })
      .catch(() => undefined);

    expect(logger.lines.map((line) => line.level)).toEqual(['debug', 'warn']);
    expect(logger.lines[1]!.fields).toMatchObject({
      provider: 'gitlab',
      operation: 'health',
      url: server.url('/x?token=[redacted]'),
      status: 500,
      attempt: 2,
    });
  });
});

describe('createHttpClient metrics', () => {
  it('counts exchanges by provider, operation and status class, with durations and retries', async () => {
    const server = await startServer((_req, res, n) =>
      res.writeHead(n === 2 ? 502 : n === 4 ? 404 : 200).end(),
    );
    const { client, registry } = makeClient({ allowPrivateNetworks: true, allowedPorts: [server.port] });
    open.servers.push(server);
    open.clients.push(client);
    const labels = { provider: 'github_app', operation: 'get_user' } as const;

    await client.request({ method: 'GET', url: server.url(), ...labels });
    await client.request({ method: 'GET', url: server.url(), ...labels });
    await client.request({ method: 'GET', url: server.url(), ...labels }).catch(() => undefined);

    const requests = await registry.getSingleMetricAsString('integrations_outbound_requests_total');
    expect(requests).toContain('{provider="github_app",operation="get_user",status_class="2xx"} 2');
    expect(requests).toContain('{provider="github_app",operation="get_user",status_class="5xx"} 1');
    expect(requests).toContain('{provider="github_app",operation="get_user",status_class="4xx"} 1');
    expect(await registry.getSingleMetricAsString('integrations_outbound_retries_total')).toContain(
      'integrations_outbound_retries_total{provider="github_app"} 1',
    );
    expect(
      await registry.getSingleMetricAsString('integrations_outbound_request_duration_seconds'),
    ).toContain(
      'integrations_outbound_request_duration_seconds_count{provider="github_app",operation="get_user"} 4',
    );
  });

  it('lets several clients share one registry', () => {
    const first = makeClient({});
    open.clients.push(first.client);

    expect(() => makeClient({}, { registry: first.registry })).not.toThrow();
  });
});
