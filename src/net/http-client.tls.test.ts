import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate, makeCa, opensslAvailable, type TestCa } from './certificates.test-kit.js';
import type { HttpClient, HttpClientOptions } from './http-client.js';
import { HttpError } from './http-error.js';
import { fakeResolver, type LoopbackServer, makeClient, startServer } from './loopback-server.test-kit.js';

/**
 * TLS against a real HTTPS loopback server whose certificate for `tls.test` and `other.test` is issued
 * by a throwaway private CA (made with the openssl CLI; the tests are skipped where it is missing): the
 * deployment's CA bundle and a request's own CA (`ca`) are added to the trust store, each request CA
 * gets a connection pool of its own, the hostname is verified after the guarded lookup, https→http
 * redirects are refused, and a failed verification says why and what to set.
 */

const openssl = opensslAvailable();
let ca: TestCa;
let otherCa: TestCa;
let https: Server;
let httpsPort = 0;
/** TLS handshakes the server completed: a new one per connection, none for a reused one. */
let handshakes = 0;
let plain: LoopbackServer;
const clients: HttpClient[] = [];

beforeAll(async () => {
  if (!openssl) return;
  ca = makeCa('Test Private CA');
  otherCa = makeCa('Another Team CA');
  const server = issueCertificate(ca, ['tls.test', 'other.test']);
  plain = await startServer((_req, res) => res.end('plain'));
  https = createServer(server, (req, res) => {
    const url = new URL(req.url ?? '/', 'https://tls.test');
    if (url.pathname === '/downgrade') res.writeHead(302, { location: plain.urlAs('tls.test', '/') }).end();
    else if (url.pathname === '/elsewhere')
      res.writeHead(302, { location: `https://other.test:${httpsPort}/landed` }).end();
    else res.end(`secure ${req.headers.host}${url.pathname}`);
  });
  https.on('secureConnection', () => handshakes++);
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  httpsPort = (https.address() as AddressInfo).port;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  handshakes = 0;
});

afterAll(async () => {
  if (!openssl) return;
  https.closeAllConnections();
  await new Promise((resolve) => https.close(resolve));
  await plain.close();
});

function clientWith(
  caBundle: string | undefined,
  options: Partial<Omit<HttpClientOptions, 'policy'>> = {},
): HttpClient {
  const { client } = makeClient(
    { allowlist: ['tls.test', 'other.test', 'wrong.test'], allowedPorts: [httpsPort, plain.port] },
    {
      lookup: fakeResolver({ 'tls.test': ['127.0.0.1'], 'other.test': ['127.0.0.1'] }),
      ...(caBundle ? { caBundle } : {}),
      retry: { attempts: 1 },
      ...options,
    },
  );
  clients.push(client);
  return client;
}

const get = (client: HttpClient, path: string, requestCa?: string) =>
  client.request({
    method: 'GET',
    url: `https://tls.test:${httpsPort}${path}`,
    ...(requestCa ? { ca: requestCa } : {}),
  });

describe.skipIf(!openssl)('createHttpClient over TLS', () => {
  it('trusts a server signed by the configured CA bundle, by hostname', async () => {
    const client = clientWith(ca.cert);

    const response = await get(client, '/');

    expect(response.text()).toBe(`secure tls.test:${httpsPort}/`);
  });

  it('refuses the same server without the bundle, permanently, saying why and what to set', async () => {
    const client = clientWith(undefined);

    const error = await get(client, '/').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'network_error', isTransient: false });
    expect((error as Error).message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect((error as Error).message).toContain('not issued by a trusted CA');
    expect((error as Error).message).toContain(
      "set the integration's config.caCertificate to the CA that issued it",
    );
  });

  it("names a hostname the certificate does not cover, even with the request's CA", async () => {
    const client = clientWith(undefined, {
      lookup: fakeResolver({ 'tls.test': ['127.0.0.1'], 'wrong.test': ['127.0.0.1'] }),
    });

    const error = await client
      .request({ method: 'GET', url: `https://wrong.test:${httpsPort}/`, ca: ca.cert })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'network_error', isTransient: false });
    expect((error as Error).message).toContain('ERR_TLS_CERT_ALTNAME_INVALID');
    expect((error as Error).message).toContain('does not name this host');
  });

  it("trusts the request's own CA, and reuses one pool (one connection) for it", async () => {
    const client = clientWith(undefined);

    const first = await get(client, '/one', ca.cert);
    // undici hands the connection back to its pool just after the answer ends: a request sent in the
    // same tick would find it busy and open another, whichever pool it is.
    await new Promise((resolve) => setImmediate(resolve));
    const second = await get(client, '/two', ca.cert);

    expect(first.text()).toBe(`secure tls.test:${httpsPort}/one`);
    expect(second.text()).toBe(`secure tls.test:${httpsPort}/two`);
    expect(handshakes).toBe(1);
  });

  it("does not let another CA through the first CA's pool", async () => {
    const client = clientWith(undefined);
    await get(client, '/', ca.cert);

    const error = await get(client, '/', otherCa.cert).catch((e: unknown) => e);
    const without = await get(client, '/').catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'network_error', isTransient: false });
    expect((error as Error).message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(without).toMatchObject({ code: 'network_error', isTransient: false });
  });

  it("keeps the deployment's bundle besides a request's CA", async () => {
    const client = clientWith(ca.cert);

    const plainRequest = await get(client, '/bundle');
    const withOther = await get(client, '/both', otherCa.cert);

    expect(plainRequest.text()).toBe(`secure tls.test:${httpsPort}/bundle`);
    expect(withOther.text()).toBe(`secure tls.test:${httpsPort}/both`);
  });

  it("keeps the request's CA across a redirect to another origin", async () => {
    const client = clientWith(undefined);

    const response = await get(client, '/elsewhere', ca.cert);

    expect(response.text()).toBe(`secure other.test:${httpsPort}/landed`);
  });

  it('refuses a private address for a request with a CA when private networks are not allowed', async () => {
    const { client } = makeClient(
      { allowlist: [], allowedPorts: [httpsPort] },
      { lookup: fakeResolver({ 'tls.test': ['10.0.0.5'], 'inside.test': ['127.0.0.1'] }), env: {} },
    );
    clients.push(client);

    const privateName = await get(client, '/', ca.cert).catch((e: unknown) => e);
    const loopback = await client
      .request({ method: 'GET', url: `https://inside.test:${httpsPort}/`, ca: ca.cert })
      .catch((e: unknown) => e);

    expect(privateName).toMatchObject({ code: 'egress_denied' });
    expect((privateName as Error).message).toContain('10.0.0.5');
    expect(loopback).toMatchObject({ code: 'egress_denied' });
    expect(handshakes).toBe(0);
  });

  it('refuses a redirect from https to http', async () => {
    const client = clientWith(ca.cert);

    const error = await get(client, '/downgrade').catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'egress_denied' });
    expect((error as Error).message).toMatch(/redirect from https .* to http is not allowed/);
    expect(plain.count()).toBe(0);
  });
});
