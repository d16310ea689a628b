import { afterEach, describe, expect, it } from 'vitest';
import { OfflineError } from './errors.js';
import type { HttpClient } from './http-client.js';
import { HttpError } from './http-error.js';
import { type Handler, type LoopbackServer, makeClient, startServer } from './loopback-server.test-kit.js';

/** Redirects, the circuit breaker and offline mode, against real loopback servers. */

const open: { servers: LoopbackServer[]; clients: HttpClient[] } = { servers: [], clients: [] };
afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((client) => client.close()));
  await Promise.all(open.servers.splice(0).map((server) => server.close()));
});

async function servers(...handlers: Handler[]) {
  const started = await Promise.all(handlers.map((handler) => startServer(handler)));
  open.servers.push(...started);
  return started;
}

function clientFor(list: readonly LoopbackServer[], options: Parameters<typeof makeClient>[1] = {}) {
  const made = makeClient({ allowPrivateNetworks: true, allowedPorts: list.map((s) => s.port) }, options);
  open.clients.push(made.client);
  return made;
}

const CREDENTIALS = {
  authorization: 'Bearer s3cret-token',
  cookie: 'session=s3cret',
  'private-token': 'glpat-s3cret',
  'x-api-key': 'key-s3cret',
};

describe('createHttpClient redirects', () => {
  it('follows 3 redirects and refuses a 4th', async () => {
    const hop = (req: { url?: string | undefined }) => Number(/\/r(\d)/.exec(req.url ?? '')?.[1] ?? 0);
    const [three] = await servers((req, res) =>
      hop(req) < 3 ? res.writeHead(302, { location: `/r${hop(req) + 1}` }).end() : res.end('done'),
    );
    const [four] = await servers((req, res) =>
      hop(req) < 4 ? res.writeHead(301, { location: `/r${hop(req) + 1}` }).end() : res.end('done'),
    );
    const { client } = clientFor([three!, four!]);

    const ok = await client.request({ method: 'GET', url: three!.url('/r0') });
    const error = await client.request({ method: 'GET', url: four!.url('/r0') }).catch((e: unknown) => e);

    expect(ok.text()).toBe('done');
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'too_many_redirects', isTransient: false });
    expect(four!.count()).toBe(4);
  });

  it('drops credentials on a cross-origin redirect and keeps them on the same origin', async () => {
    const [other] = await servers((_req, res) => res.end('landed'));
    const [first] = await servers((req, res) =>
      req.url === '/same'
        ? res.writeHead(307, { location: '/cross' }).end()
        : res.writeHead(302, { location: other!.url('/landing') }).end(),
    );
    const { client } = clientFor([first!, other!]);

    await client.request({
      method: 'GET',
      url: first!.url('/same'),
      headers: { ...CREDENTIALS, accept: 'text/plain' },
    });

    expect(first!.requests.map((r) => r.headers.authorization)).toEqual([
      CREDENTIALS.authorization,
      CREDENTIALS.authorization,
    ]);
    const landed = other!.requests[0]!.headers;
    expect(landed.accept).toBe('text/plain');
    for (const name of Object.keys(CREDENTIALS)) expect(landed[name]).toBeUndefined();
  });

  it('turns a POST answered by 303 into a GET without a body', async () => {
    const [server] = await servers((req, res) =>
      req.method === 'POST' ? res.writeHead(303, { location: '/result' }).end() : res.end('result'),
    );
    const { client } = clientFor([server!]);

    const response = await client.request({ method: 'POST', url: server!.url('/submit'), json: { x: 1 } });

    expect(response.text()).toBe('result');
    expect(server!.requests[1]).toMatchObject({ method: 'GET', url: '/result', body: '' });
    expect(server!.requests[1]!.headers['content-type']).toBeUndefined();
  });

  it('returns the redirect itself in manual mode', async () => {
    const [server] = await servers((_req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
    const { client } = clientFor([server!]);

    const response = await client.request({ method: 'GET', url: server!.url(), redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('/elsewhere');
    expect(server!.count()).toBe(1);
  });
});

describe('createHttpClient circuit breaker', () => {
  it('opens after 5 consecutive failures, fails fast, and half-opens 30 s later', async () => {
    let healthy = false;
    const [server] = await servers((_req, res) => res.writeHead(healthy ? 200 : 503).end());
    const { client, advance } = clientFor([server!], { retry: { attempts: 1 } });
    const get = () => client.request({ method: 'GET', url: server!.url() });

    for (let i = 0; i < 5; i++) await get().catch(() => undefined);
    const fast = await get().catch((e: unknown) => e);
    const countWhileOpen = server!.count();
    healthy = true;
    advance(30_000);
    const probe = await get();

    expect(countWhileOpen).toBe(5);
    expect(fast).toBeInstanceOf(HttpError);
    expect(fast).toMatchObject({ code: 'circuit_open', isTransient: true });
    expect((fast as Error).message).toMatch(
      /circuit open for http:\/\/127\.0\.0\.1:\d+ .*2025-06-01T12:00:30\.000Z/,
    );
    expect(probe.status).toBe(200);
    expect(server!.count()).toBe(6);
  });

  it('counts tries within one request and stops retrying once the breaker opens', async () => {
    const [server] = await servers((_req, res) => res.writeHead(500).end());
    const { client } = clientFor([server!], { retry: { attempts: 10 } });

    const error = await client.request({ method: 'GET', url: server!.url() }).catch((e: unknown) => e);

    expect(server!.count()).toBe(5);
    expect(error).toMatchObject({ code: 'circuit_open' });
  });

  it('does not count permanent answers as failures', async () => {
    const [server] = await servers((_req, res) => res.writeHead(404).end());
    const { client } = clientFor([server!]);

    for (let i = 0; i < 7; i++)
      await client.request({ method: 'GET', url: server!.url() }).catch(() => undefined);

    expect(server!.count()).toBe(7);
  });
});

describe('createHttpClient offline', () => {
  it('sends nothing and throws OfflineError', async () => {
    const [server] = await servers((_req, res) => res.end());
    const { client, registry } = clientFor([server!], { offline: true });

    const error = await client
      .request({ method: 'POST', url: server!.url('/?token=SECRET123'), provider: 'gitlab' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(OfflineError);
    expect(error).toMatchObject({ code: 'offline', isTransient: false });
    expect((error as Error).message).not.toContain('SECRET123');
    expect(server!.count()).toBe(0);
    expect(await registry.getSingleMetricAsString('integrations_outbound_requests_total')).toContain(
      'status_class="offline"',
    );
  });
});
