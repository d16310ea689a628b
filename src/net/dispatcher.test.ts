import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from './dispatcher.js';
import type { HttpClient } from './http-client.js';
import { fakeResolver, makeClient } from './loopback-server.test-kit.js';

/** A forward proxy that records the CONNECT targets it is asked for and refuses them all. */
async function startProxy(): Promise<{ port: number; targets: string[]; server: Server }> {
  const targets: string[] = [];
  const server = createServer((_req, res) => res.writeHead(405).end());
  server.on('connect', (req, socket) => {
    targets.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, targets, server };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

function proxiedClient(proxyPort: number, noProxy = ''): HttpClient {
  const { client } = makeClient(
    { allowedPorts: [8080] },
    {
      env: { HTTP_PROXY: `http://user:pw@127.0.0.1:${proxyPort}`, NO_PROXY: noProxy },
      lookup: fakeResolver({ 'public.test': ['127.0.0.1'] }),
      retry: { attempts: 1 },
    },
  );
  cleanups.push(() => client.close());
  return client;
}

describe('createDispatcher', () => {
  const base = {
    lookup: () => undefined,
    connectTimeoutMs: 1000,
    headersTimeoutMs: 1000,
    bodyTimeoutMs: 1000,
  };

  it('uses a plain agent without proxy variables', async () => {
    const { dispatcher, proxy } = createDispatcher({ ...base, env: {} });
    cleanups.push(() => dispatcher.close());

    expect(proxy).toBeUndefined();
  });

  it('reports the proxies without their credentials', async () => {
    const env = { HTTPS_PROXY: 'http://user:pw@proxy.corp:3128', NO_PROXY: 'git.corp' };

    const { dispatcher, proxy } = createDispatcher({ ...base, env });
    cleanups.push(() => dispatcher.close());

    expect(proxy).toEqual({ http: '', https: 'http://proxy.corp:3128', noProxy: 'git.corp' });
  });
});

describe('createHttpClient behind HTTP_PROXY', () => {
  it('still refuses an internal literal before the proxy sees it', async () => {
    const proxy = await startProxy();
    cleanups.push(() => new Promise((resolve) => proxy.server.close(resolve)));
    const client = proxiedClient(proxy.port);

    const error = await client
      .request({ method: 'GET', url: 'http://127.0.0.1:8080/' })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'egress_denied' });
    expect(proxy.targets).toEqual([]);
  });

  it('leaves name resolution to the proxy, which must enforce the policy itself', async () => {
    const proxy = await startProxy();
    cleanups.push(() => new Promise((resolve) => proxy.server.close(resolve)));
    const client = proxiedClient(proxy.port);

    const error = await client
      .request({ method: 'GET', url: 'http://public.test:8080/' })
      .catch((e: unknown) => e);

    expect(proxy.targets).toEqual(['public.test:8080']);
    expect(error).toMatchObject({ code: 'network_error' });
  });

  it('connects directly, through the guarded lookup, to hosts in NO_PROXY', async () => {
    const proxy = await startProxy();
    cleanups.push(() => new Promise((resolve) => proxy.server.close(resolve)));
    const client = proxiedClient(proxy.port, 'public.test');

    const error = await client
      .request({ method: 'GET', url: 'http://public.test:8080/' })
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ code: 'egress_denied' });
    expect(proxy.targets).toEqual([]);
  });
});
