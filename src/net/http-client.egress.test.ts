import { afterEach, describe, expect, it } from 'vitest';
import type { HttpClient } from './http-client.js';
import { HttpError } from './http-error.js';
import { fakeResolver, type LoopbackServer, makeClient, startServer } from './loopback-server.test-kit.js';

/**
 * The egress contract of the client: with the default policy (private networks NOT allowed) no hostile
 * URL reaches the loopback server, whatever its spelling, its DNS answers or its redirects.
 */

const open: { servers: LoopbackServer[]; clients: HttpClient[] } = { servers: [], clients: [] };
afterEach(async () => {
  await Promise.all(open.clients.splice(0).map((client) => client.close()));
  await Promise.all(open.servers.splice(0).map((server) => server.close()));
});

async function world() {
  const target = await startServer((_req, res) => res.end('reached'));
  const allowed = await startServer((req, res) => {
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to');
    if (to) res.writeHead(302, { location: to }).end();
    else res.end('allowed');
  });
  open.servers.push(target, allowed);
  const made = makeClient(
    { allowlist: ['allowed.test'], allowedPorts: [target.port, allowed.port] },
    {
      lookup: fakeResolver({
        'allowed.test': ['127.0.0.1'],
        'public.test': ['127.0.0.1'],
        'rebind.test': ['93.184.216.34', '127.0.0.1'],
        'mapped.test': ['::ffff:127.0.0.1'],
        'other.test': ['127.0.0.1'],
      }),
    },
  );
  open.clients.push(made.client);
  return { target, allowed, ...made };
}

async function refusal(client: HttpClient, url: string): Promise<HttpError> {
  const error = await client.request({ method: 'GET', url }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(HttpError);
  return error as HttpError;
}

describe('createHttpClient with the default egress policy', () => {
  it.each([
    ['a loopback literal', (port: number) => `http://127.0.0.1:${port}/`, 'loopback'],
    ['a decimal loopback', (port: number) => `http://2130706433:${port}/`, 'loopback'],
    ['an octal loopback', (port: number) => `http://0177.0.0.1:${port}/`, 'loopback'],
    ['an IPv4-mapped loopback', (port: number) => `http://[::ffff:7f00:1]:${port}/`, 'loopback'],
    ['localhost', (port: number) => `http://localhost:${port}/`, 'loopback'],
    [
      'a public-looking name resolving to 127.0.0.1',
      (port: number) => `http://public.test:${port}/`,
      'loopback',
    ],
    [
      'a name with one public and one loopback answer',
      (port: number) => `http://rebind.test:${port}/`,
      'loopback',
    ],
    ['a name resolving to a mapped loopback', (port: number) => `http://mapped.test:${port}/`, 'loopback'],
    ['userinfo pointing at loopback', (port: number) => `http://allowed.test@127.0.0.1:${port}/`, 'userinfo'],
    ['a port not allowed', () => 'http://allowed.test:6379/', 'port'],
  ])('never reaches the server through %s', async (_name, urlFor, rule) => {
    const { target, client } = await world();

    const error = await refusal(client, urlFor(target.port));

    expect(target.count()).toBe(0);
    expect(error).toMatchObject({ code: 'egress_denied', isTransient: false });
    expect((error.cause as { rule: string }).rule).toBe(rule);
  });

  it('reaches the allowlisted name (the control case)', async () => {
    const { allowed, client } = await world();

    const response = await client.request({ method: 'GET', url: allowed.urlAs('allowed.test') });

    expect(response.text()).toBe('allowed');
  });

  it.each([
    ['a loopback literal', (port: number) => `http://127.0.0.1:${port}/`],
    ['a name that resolves to loopback', (port: number) => `http://other.test:${port}/`],
    ['the cloud metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('refuses a redirect from the allowlisted server to %s', async (_name, locationFor) => {
    const { target, allowed, client } = await world();
    const location = encodeURIComponent(locationFor(target.port));

    const error = await refusal(client, allowed.urlAs('allowed.test', `/go?to=${location}`));

    expect(allowed.count()).toBe(1);
    expect(target.count()).toBe(0);
    expect(error.code).toBe('egress_denied');
  });

  it('counts refusals by rule and logs each at warn, with its rule', async () => {
    const { target, client, registry, logger } = await world();

    await refusal(client, target.url());
    await refusal(client, target.urlAs('public.test'));

    const denied = await registry.getSingleMetricAsString('integrations_egress_denied_total');
    expect(denied).toContain('integrations_egress_denied_total{rule="loopback"} 2');
    expect(logger.lines.map(({ level, fields }) => [level, (fields as { rule?: string }).rule])).toEqual([
      ['warn', 'loopback'],
      ['warn', 'loopback'],
    ]);
  });
});
