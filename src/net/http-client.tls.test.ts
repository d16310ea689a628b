import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from './http-client.js';
import { HttpError } from './http-error.js';
import { fakeResolver, type LoopbackServer, makeClient, startServer } from './loopback-server.test-kit.js';

/**
 * TLS against a real HTTPS loopback server with a throwaway self-signed certificate for `tls.test`
 * (made with the openssl CLI; the tests are skipped where it is missing): the CA bundle is added to
 * the trust store, the hostname is verified after the guarded lookup, https→http redirects are refused.
 */

function makeCertificate(): { key: string; cert: string } | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'net-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']
        .concat(['-subj', '/CN=tls.test', '-addext', 'subjectAltName=DNS:tls.test'])
        .concat(['-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]),
      { stdio: 'ignore', timeout: 10_000 },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } catch {
    return undefined;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pem = makeCertificate();
let https: Server;
let httpsPort = 0;
let plain: LoopbackServer;
const clients: HttpClient[] = [];

beforeAll(async () => {
  if (!pem) return;
  plain = await startServer((_req, res) => res.end('plain'));
  https = createServer(pem, (req, res) => {
    if (req.url === '/downgrade') res.writeHead(302, { location: plain.urlAs('tls.test', '/') }).end();
    else res.end('secure');
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  httpsPort = (https.address() as AddressInfo).port;
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  if (!pem) return;
  https.closeAllConnections();
  await new Promise((resolve) => https.close(resolve));
  await plain.close();
});

function clientWith(caBundle: string | undefined): HttpClient {
  const { client } = makeClient(
    { allowlist: ['tls.test'], allowedPorts: [httpsPort, plain.port] },
    {
      lookup: fakeResolver({ 'tls.test': ['127.0.0.1'] }),
      ...(caBundle ? { caBundle } : {}),
      retry: { attempts: 1 },
    },
  );
  clients.push(client);
  return client;
}

describe.skipIf(!pem)('createHttpClient over TLS', () => {
  it('trusts a server signed by the configured CA bundle, by hostname', async () => {
    const client = clientWith(pem?.cert);

    const response = await client.request({ method: 'GET', url: `https://tls.test:${httpsPort}/` });

    expect(response.text()).toBe('secure');
  });

  it('refuses the same server without the bundle, permanently', async () => {
    const client = clientWith(undefined);

    const error = await client
      .request({ method: 'GET', url: `https://tls.test:${httpsPort}/` })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ code: 'network_error', isTransient: false });
  });

  it('refuses a redirect from https to http', async () => {
    const client = clientWith(pem?.cert);

    const error = await client
      .request({ method: 'GET', url: `https://tls.test:${httpsPort}/downgrade` })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'egress_denied' });
    expect((error as Error).message).toMatch(/redirect from https .* to http is not allowed/);
    expect(plain.count()).toBe(0);
  });
});
