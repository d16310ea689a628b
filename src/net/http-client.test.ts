import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from './http-client.js';
import { HttpError } from './http-error.js';
import {
  type Handler,
  type LoopbackServer,
  makeClient,
  startServer,
  TEST_NOW,
} from './loopback-server.test-kit.js';

/** Faults against a real loopback server, private networks allowed (the egress rules have their own file). */

const open: { servers: LoopbackServer[]; clients: HttpClient[] } = { servers: [], clients: [] };
afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((client) => client.close().catch(() => undefined)));
  await Promise.all(open.servers.splice(0).map((server) => server.close()));
});

async function setup(handler: Handler, options: Parameters<typeof makeClient>[1] = {}) {
  const server = await startServer(handler);
  const made = makeClient({ allowPrivateNetworks: true, allowedPorts: [server.port] }, options);
  open.servers.push(server);
  open.clients.push(made.client);
  return { server, ...made };
}

async function failureOf(promise: Promise<unknown>): Promise<HttpError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('createHttpClient retries', () => {
  it.each([500, 502, 503, 504, 408])('retries %i and returns the 200 that follows', async (status) => {
    const { server, client, delays } = await setup((_req, res, n) =>
      res.writeHead(n === 1 ? status : 200).end('ok'),
    );

    const response = await client.request({ method: 'GET', url: server.url('/flaky') });

    expect(response.status).toBe(200);
    expect(response.text()).toBe('ok');
    expect(server.count()).toBe(2);
    expect(delays).toEqual([0]);
  });

  it('gives up after 3 tries, transient, with the attempts counted', async () => {
    const { server, client } = await setup((_req, res) => res.writeHead(503).end('down'));

    const error = await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(server.count()).toBe(3);
    expect(error).toMatchObject({ status: 503, code: 'http_5xx', isTransient: true, attempts: 3 });
    expect(error.message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/ failed: HTTP 503 Service Unavailable after 3 attempts$/,
    );
  });

  it('honours the configured number of attempts', async () => {
    const { server, client } = await setup((_req, res) => res.writeHead(500).end(), {
      retry: { attempts: 5 },
    });

    await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(server.count()).toBe(5);
  });

  it('waits the seconds of Retry-After', async () => {
    const { server, client, delays } = await setup((_req, res, n) =>
      n === 1 ? res.writeHead(429, { 'retry-after': '1' }).end() : res.end('ok'),
    );

    await client.request({ method: 'GET', url: server.url() });

    expect(delays).toEqual([1000]);
    expect(server.count()).toBe(2);
  });

  it('waits until the HTTP-date of Retry-After', async () => {
    const at = new Date(TEST_NOW + 5000).toUTCString();
    const { server, client, delays } = await setup((_req, res, n) =>
      n === 1 ? res.writeHead(429, { 'retry-after': at }).end() : res.end('ok'),
    );

    await client.request({ method: 'GET', url: server.url() });

    expect(delays).toEqual([5000]);
  });

  it('fails at once, transient, when Retry-After asks for an hour', async () => {
    const { server, client, delays } = await setup((_req, res) =>
      res.writeHead(429, { 'retry-after': '3600' }).end(),
    );

    const error = await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(delays).toEqual([]);
    expect(server.count()).toBe(1);
    expect(error).toMatchObject({ status: 429, isTransient: true, retryAfterMs: 3_600_000 });
    expect(error.message).toContain('retry after 2025-06-01T13:00:00.000Z (in 3600 s)');
  });

  it.each([400, 401, 403, 404, 405, 409, 410, 422])('does not retry %i', async (status) => {
    const { server, client, delays } = await setup((_req, res) => res.writeHead(status).end('no'));

    const error = await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(server.count()).toBe(1);
    expect(delays).toEqual([]);
    expect(error).toMatchObject({ status, code: 'http_4xx', isTransient: false, attempts: 1 });
  });

  it('retries a 403 rate limit (x-ratelimit-remaining: 0) after the reset', async () => {
    const reset = String(TEST_NOW / 1000 + 2);
    const { server, client, delays } = await setup((_req, res, n) =>
      n === 1
        ? res.writeHead(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }).end()
        : res.end('ok'),
    );

    const response = await client.request({ method: 'GET', url: server.url() });

    expect(response.status).toBe(200);
    expect(delays).toEqual([2000]);
  });

  it('retries after the connection is reset mid-response', async () => {
    const { server, client } = await setup((_req, res, n) => {
      if (n > 1) return void res.end('whole');
      res.writeHead(200, { 'content-length': '100' });
      res.write('partial');
      setTimeout(() => res.socket?.destroy(), 20);
    });

    const response = await client.request({ method: 'GET', url: server.url() });

    expect(response.text()).toBe('whole');
    expect(server.count()).toBe(2);
  });

  it('does not repeat a POST unless the caller marks it retryable', async () => {
    const { server, client } = await setup((_req, res) => res.writeHead(503).end());

    const plain = await failureOf(client.request({ method: 'POST', url: server.url(), json: { a: 1 } }));
    const plainCount = server.count();
    await failureOf(client.request({ method: 'POST', url: server.url(), json: { a: 1 }, retryable: true }));

    expect(plainCount).toBe(1);
    expect(plain.attempts).toBe(1);
    expect(server.count()).toBe(1 + 3);
    expect(server.requests[0]).toMatchObject({
      body: '{"a":1}',
      headers: { 'content-type': 'application/json' },
    });
  });
});

describe('rate limits and the circuit breaker', () => {
  it("does not open a host's circuit for one caller's rate limit, but does for its 503s", async () => {
    const { server, client } = await setup((req, res) =>
      req.url === '/limited'
        ? res.writeHead(429, { 'content-type': 'application/json' }).end('{"message":"slow down"}')
        : res.writeHead(503).end(),
    );

    for (let i = 0; i < 3; i++)
      await failureOf(client.request({ method: 'GET', url: server.url('/limited') }));
    const afterLimits = await failureOf(client.request({ method: 'GET', url: server.url('/limited') }));
    await failureOf(client.request({ method: 'GET', url: server.url('/down') }));
    await failureOf(client.request({ method: 'GET', url: server.url('/down') }));
    const afterOutage = await failureOf(client.request({ method: 'GET', url: server.url('/limited') }));

    // Twelve 429s in a row (the breaker opens after five failures) still reached the server.
    expect(afterLimits).toMatchObject({ status: 429, isTransient: true });
    expect(afterOutage.code).toBe('circuit_open');
  });
});

describe("a caller's own try-again answers", () => {
  const lock = (res: import('node:http').ServerResponse) =>
    res
      .writeHead(409, { 'content-type': 'application/json' })
      .end('{"message":"409 Conflict: Resource lock"}');
  const isLock = (answer: { status: number; bodyText?: string }) =>
    answer.status === 409 && /resource lock/i.test(answer.bodyText ?? '');

  it('tries a POST again by the one policy while the vendor says the record is busy', async () => {
    const { server, client, delays } = await setup((_req, res, n) =>
      n < 3 ? lock(res) : res.writeHead(201).end('{}'),
    );

    const response = await client.request({
      method: 'POST',
      url: server.url(),
      json: {},
      tryAgainWhen: isLock,
    });

    expect(response.status).toBe(201);
    expect(server.count()).toBe(3);
    expect(delays).toHaveLength(2);
  });

  it('gives up as transient after the attempts, and leaves other 409s and the breaker alone', async () => {
    const { server, client } = await setup((req, res) =>
      req.url === '/busy' ? lock(res) : res.writeHead(409).end('{"message":"409 Conflict: already exists"}'),
    );

    const busy = await failureOf(
      client.request({ method: 'POST', url: server.url('/busy'), json: {}, tryAgainWhen: isLock }),
    );
    await failureOf(
      client.request({ method: 'POST', url: server.url('/busy'), json: {}, tryAgainWhen: isLock }),
    );
    const third = await failureOf(
      client.request({ method: 'POST', url: server.url('/busy'), json: {}, tryAgainWhen: isLock }),
    );
    const conflict = await failureOf(
      client.request({ method: 'POST', url: server.url('/other'), json: {}, tryAgainWhen: isLock }),
    );

    expect(busy).toMatchObject({ status: 409, isTransient: true, attempts: 3 });
    // Nine busy answers in a row (the breaker opens after five failures) did not open the circuit.
    expect(third).toMatchObject({ status: 409, attempts: 3 });
    expect(conflict).toMatchObject({ status: 409, isTransient: false, attempts: 1 });
    expect(server.count()).toBe(9 + 1);
  });
});

describe('createHttpClient timeouts and limits', () => {
  it('times out a server that never answers, within the headers timeout', async () => {
    const { server, client } = await setup(() => undefined, {
      headersTimeoutMs: 300,
      retry: { attempts: 1 },
    });
    const started = Date.now();

    const error = await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(error).toMatchObject({ code: 'timeout', isTransient: true });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('stops retrying when the whole-call timeout is spent', async () => {
    const { server, client } = await setup(() => undefined, { headersTimeoutMs: 10_000 });
    const started = Date.now();

    const error = await failureOf(client.request({ method: 'GET', url: server.url(), timeoutMs: 300 }));

    expect(error.code).toBe('timeout');
    expect(error.message).toContain('300 ms request timeout');
    expect(server.count()).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a body that stalls', async () => {
    const { server, client } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('start');
      },
      { bodyTimeoutMs: 300, retry: { attempts: 1 } },
    );

    const error = await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(error).toMatchObject({ code: 'timeout', isTransient: true });
    expect(error.message).toContain('UND_ERR_BODY_TIMEOUT');
  });

  it.each([
    ['declared', true],
    ['chunked', false],
  ])('fails permanently on a %s body over maxResponseBytes', async (_kind, declared) => {
    const { server, client } = await setup((_req, res) => {
      res.writeHead(200, declared ? { 'content-length': '4000' } : {});
      for (let i = 0; i < 4; i++) res.write('x'.repeat(1000));
      res.end();
    });

    const error = await failureOf(
      client.request({ method: 'GET', url: server.url(), maxResponseBytes: 1000 }),
    );

    expect(error).toMatchObject({ code: 'too_large', isTransient: false, attempts: 1 });
    expect(server.count()).toBe(1);
  });

  it('ends with "aborted" when the caller cancels', async () => {
    const { server, client } = await setup(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const error = await failureOf(
      client.request({ method: 'GET', url: server.url(), signal: controller.signal }),
    );

    expect(error.code).toBe('aborted');
    expect(server.count()).toBe(1);
  });
});

describe('createHttpClient responses', () => {
  it('returns statuses the caller lists in okStatuses instead of throwing', async () => {
    const { server, client } = await setup((_req, res) => res.writeHead(404).end('{"message":"Not Found"}'));

    const response = await client.request({ method: 'GET', url: server.url(), okStatuses: [404] });

    expect(response.status).toBe(404);
    expect(response.json()).toEqual({ message: 'Not Found' });
  });

  it('parses JSON and refuses a body that is not JSON with a permanent invalid_response', async () => {
    const { server, client } = await setup((_req, res, n) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end(n === 1 ? '{"ok":true}' : '<html>oops</html>'),
    );

    const good = await client.request({ method: 'GET', url: server.url() });
    const bad = await client.request({ method: 'GET', url: server.url() });

    expect(good.json<{ ok: boolean }>()).toEqual({ ok: true });
    expect(() => bad.json()).toThrow(HttpError);
    expect(() => bad.json()).toThrow(/not valid JSON \(HTTP 200, content-type text\/html/);
    try {
      bad.json();
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_response', isTransient: false });
    }
  });

  it('reports headers in lower case and the final URL', async () => {
    const { server, client } = await setup((req, res) =>
      req.url === '/start'
        ? res.writeHead(302, { location: '/end' }).end()
        : res.writeHead(200, { 'X-Thing': 'a' }).end(),
    );

    const response = await client.request({ method: 'GET', url: server.url('/start') });

    expect(response.headers['x-thing']).toBe('a');
    expect(response.url).toBe(server.url('/end'));
  });
});

describe('createHttpClient bodies it does not want, and stops', () => {
  /** 70 KB of text written at once, the response left open: only a client that stops reading returns. */
  const endless = (res: Parameters<Handler>[1], status: number, headers = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain', ...headers });
    res.write('e'.repeat(70 * 1024));
  };

  it('keeps the start of a long error body and stops reading it', async () => {
    const { server, client } = await setup((_req, res) => endless(res, 400), { bodyTimeoutMs: 10_000 });
    const started = Date.now();

    const error = await failureOf(client.request({ method: 'GET', url: server.url() }));

    expect(error).toMatchObject({ status: 400, code: 'http_4xx', attempts: 1 });
    expect((error.details as { body: string }).body).toBe('e'.repeat(300));
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('follows a redirect without reading all of its body', async () => {
    const { server, client } = await setup(
      (req, res) => (req.url === '/end' ? res.end('arrived') : endless(res, 302, { location: '/end' })),
      { bodyTimeoutMs: 10_000 },
    );

    const response = await client.request({ method: 'GET', url: server.url('/start') });

    expect(response.text()).toBe('arrived');
    expect(response.url).toBe(server.url('/end'));
  });

  it('sends nothing for a caller that has already cancelled', async () => {
    const { server, client } = await setup((_req, res) => res.end('ok'));

    const error = await failureOf(
      client.request({ method: 'GET', url: server.url(), signal: AbortSignal.abort() }),
    );

    expect(error).toMatchObject({ code: 'aborted', attempts: 1 });
    expect(server.count()).toBe(0);
  });

  it('ends a cancelled request at once, even while it waits for a connection', async () => {
    const { server, client } = await setup(() => undefined, { connectionsPerOrigin: 1 });
    const first = new AbortController();
    const second = new AbortController();
    const holding = failureOf(client.request({ method: 'GET', url: server.url('/1'), signal: first.signal }));
    const waiting = failureOf(
      client.request({ method: 'GET', url: server.url('/2'), signal: second.signal }),
    );
    await new Promise((done) => setTimeout(done, 50));
    const started = Date.now();

    second.abort();
    const error = await waiting;

    expect(error.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(500);
    expect(server.requests.map((request) => request.url)).toEqual(['/1']);
    first.abort();
    expect((await holding).code).toBe('aborted');
  });

  it('cuts a wait between tries short when the call times out', async () => {
    const waits: AbortSignal[] = [];
    const { server, client } = await setup((_req, res) => res.writeHead(503).end(), {
      sleep: (_ms, signal) =>
        new Promise((_resolve, reject) => {
          waits.push(signal);
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    });

    const error = await failureOf(client.request({ method: 'GET', url: server.url(), timeoutMs: 200 }));

    expect(error).toMatchObject({ code: 'timeout', attempts: 1 });
    expect(server.count()).toBe(1);
    expect(waits).toHaveLength(1);
    expect(waits[0]!.aborted).toBe(true);
  });
});
