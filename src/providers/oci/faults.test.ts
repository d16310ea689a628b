import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import {
  fakeResolver,
  type LoopbackServer,
  makeClient,
  startServer,
} from '../../net/loopback-server.test-kit.js';
import { MEDIA_TYPES } from './client.js';
import { RegistryAuthError, RegistryProtocolError } from './errors.js';
import { ociContext } from './oci.test-kit.js';
import { createOciPlugin } from './plugin.js';
import { checkRealm, registryBaseOf } from './session.js';

/**
 * What a real registry never sends but a broken one, a proxy or a hostile one may: each answer is
 * made by hand on a loopback server. The behaviour against a real registry is in registry.test.ts.
 */

const servers: LoopbackServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

type Route = (request: IncomingMessage, response: ServerResponse) => void;

async function fakeRegistry(route: Route): Promise<LoopbackServer> {
  const server = await startServer((request, response) => route(request, response));
  servers.push(server);
  return server;
}

const V2 = { 'docker-distribution-api-version': 'registry/2.0' };
const json = (
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  response
    .writeHead(status, { 'content-type': 'application/json', ...V2, ...headers })
    .end(JSON.stringify(body));

function connector(server: LoopbackServer, options: Parameters<typeof ociContext>[0] | object = {}) {
  return createOciPlugin().registry!(ociContext({ endpoint: server.url('/'), ...options }));
}

describe('the endpoint', () => {
  it.each([
    ['https://registry.example', 'https://registry.example/v2/'],
    ['https://registry.example/', 'https://registry.example/v2/'],
    ['https://registry.example/v2', 'https://registry.example/v2/'],
    ['https://registry.example/v2/', 'https://registry.example/v2/'],
    [
      'https://proxy.example/artifactory/api/docker/repo/',
      'https://proxy.example/artifactory/api/docker/repo/v2/',
    ],
  ])('%s → %s', (endpoint, base) => {
    expect(registryBaseOf(endpoint, { plainHttp: false }).href).toBe(base);
  });

  it.each([
    ['http://registry.example', /plainHttp/],
    ['ftp://registry.example', /https/],
    ['https://user:pw@registry.example', /credentials/],
    ['https://registry.example/?x=1', /query/],
    ['not a url', /not a URL/],
  ])('refuses %s', (endpoint, message) => {
    expect(() => registryBaseOf(endpoint, { plainHttp: false })).toThrow(InvalidInputError);
    expect(() => registryBaseOf(endpoint, { plainHttp: false })).toThrow(message);
  });

  it('a connection test of a plain http endpoint without plainHttp says what to set', async () => {
    const result = await createOciPlugin().testConnection(
      ociContext({ endpoint: 'http://127.0.0.1:1/', config: { plainHttp: false } }),
    );
    expect(result.success).toBe(false);
    expect(result.message).toMatch(/plainHttp/);
  });
});

describe('challenges and tokens', () => {
  it('sends no credential to a token realm on another host, and says how to allow it', async () => {
    const tokens = await fakeRegistry((_request, response) => json(response, 200, { token: 'stolen' }));
    const registry = await fakeRegistry((_request, response) =>
      json(
        response,
        401,
        {},
        { 'www-authenticate': `Bearer realm="${tokens.urlAs('tokens.elsewhere.test', '/token')}"` },
      ),
    );
    const http = makeClient(
      { allowPrivateNetworks: true, allowAnyPort: true },
      { lookup: fakeResolver({ 'tokens.elsewhere.test': ['127.0.0.1'] }) },
    ).client;
    const registryConnector = connector(registry, { username: 'u', password: 'secret', http });

    const failure = await registryConnector.listTags('acme/app').catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(RegistryAuthError);
    expect((failure as Error).message).toMatch(/tokens\.elsewhere\.test.*tokenRealmHosts/);
    expect(tokens.count()).toBe(0);

    // Allowed by name, the same realm is used.
    const allowed = connector(registry, {
      username: 'u',
      password: 'secret',
      http,
      config: { tokenRealmHosts: ['tokens.elsewhere.test'] },
    });
    await allowed.listTags('acme/app').catch(() => undefined);
    expect(tokens.count()).toBe(1);
    expect(tokens.requests[0]?.headers.authorization).toBe(
      `Basic ${Buffer.from('u:secret').toString('base64')}`,
    );
  });

  it.each([
    ['http://registry.example/token', false, /not https/],
    ['https://169.254.169.254/token', false, /169\.254\.169\.254.*tokenRealmHosts/],
    ['https://auth.other.example/token', false, /auth\.other\.example.*tokenRealmHosts/],
    ['https://user:pw@auth.registry.example/token', false, /malformed/],
    ['token', false, /not a URL/],
    [undefined, false, /named no realm/],
  ])('refuses the realm %s for https://registry.example', (realm, plainHttp, message) => {
    expect(() => checkRealm(realm, new URL('https://registry.example/v2/'), { plainHttp })).toThrow(message);
  });

  it.each([
    ['https://registry-1.docker.io/v2/', 'https://auth.docker.io/token', true],
    ['https://team-a.herokuapp.com/v2/', 'https://team-b.herokuapp.com/token', false],
    ['https://registry.acme.co.uk/v2/', 'https://tokens.other.co.uk/token', false],
    ['https://registry.acme.co.uk/v2/', 'https://auth.acme.co.uk/token', true],
  ])('judges %s and the realm %s by the public suffix list (same owner: %s)', (base, realm, same) => {
    const check = () => checkRealm(realm, new URL(base), { plainHttp: false });
    if (same) expect(check().href).toBe(realm);
    else expect(check).toThrow(/tokenRealmHosts/);
  });

  it.each([
    ['https://registry.example/token', {}],
    ['https://auth.registry.example/token', {}],
    ['https://registry.example:5001/token', {}],
    ['http://registry.example/token', { plainHttp: true }],
    ['https://tokens.vendor.test/token', { tokenRealmHosts: ['TOKENS.vendor.test'] }],
  ])('accepts the realm %s for https://registry.example', (realm, config) => {
    expect(
      checkRealm(realm, new URL('https://registry.example/v2/'), { plainHttp: false, ...config }).href,
    ).toBe(realm);
  });

  it('a 401 without a challenge, or with one we cannot meet, is a protocol error naming it', async () => {
    let header: string | undefined;
    const registry = await fakeRegistry((_request, response) =>
      json(
        response,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'no' }] },
        header ? { 'www-authenticate': header } : {},
      ),
    );
    await expect(connector(registry).listTags('acme/app')).rejects.toThrow(
      /without a WWW-Authenticate challenge/,
    );
    header = 'Negotiate abc==';
    await expect(connector(registry).listTags('acme/app')).rejects.toThrow(/cannot meet: 'Negotiate abc=='/);
  });

  it('Basic: no credential says to set authRef; a refused one is refused, sent once more at most', async () => {
    const registry = await fakeRegistry((_request, response) =>
      json(
        response,
        401,
        { errors: [{ code: 'UNAUTHORIZED', message: 'bad' }] },
        { 'www-authenticate': 'Basic realm="r"' },
      ),
    );
    await expect(connector(registry).listTags('acme/app')).rejects.toThrow(/requires credentials.*authRef/);
    const failure = await connector(registry, { username: 'u', password: 'wrong' })
      .listTags('acme/app')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistryAuthError);
    expect((failure as RegistryAuthError).reason).toBe('refused');
    expect((failure as Error).message).toMatch(/refused the credentials: HTTP 401 \(UNAUTHORIZED: bad\)/);
    expect((failure as Error).message).not.toContain('wrong');
    // One request without credentials (none configured); then one anonymous, one with Basic.
    expect(registry.requests.map((request) => request.headers.authorization?.split(' ')[0] ?? '-')).toEqual([
      '-',
      '-',
      'Basic',
    ]);
  });

  it.each([
    ['no token', {}],
    ['an empty token', { token: '' }],
    ['a token with spaces', { token: 'a b' }],
    ['a number', { token: 42 }],
  ])('a token service answering %s is a protocol error', async (_name, body) => {
    const registry = await fakeRegistry((request, response) => {
      if (request.url?.startsWith('/token')) return json(response, 200, body);
      json(
        response,
        401,
        {},
        { 'www-authenticate': `Bearer realm="http://127.0.0.1:${registry.port}/token",service="r"` },
      );
    });
    const failure = await connector(registry)
      .listTags('acme/app')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(RegistryProtocolError);
    expect((failure as Error).message).toMatch(/without a usable token/);
  });

  it('a token service answering HTML is a clear error, not a crash', async () => {
    const registry = await fakeRegistry((request, response) => {
      if (request.url?.startsWith('/token'))
        return response.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      json(
        response,
        401,
        {},
        { 'www-authenticate': `Bearer realm="http://127.0.0.1:${registry.port}/token"` },
      );
    });
    await expect(connector(registry).listTags('acme/app')).rejects.toThrow(/not valid JSON/);
  });
});

describe('answers that break the API', () => {
  it.each([
    ['not JSON', 'text/plain', 'hello', /did not answer JSON/],
    ['repositories not a list', 'application/json', '{"repositories":"acme"}', /not a list of names/],
    ['repositories missing', 'application/json', '{}', /not a list of names/],
    ['a name that is not a string', 'application/json', '{"repositories":[1]}', /not a list of names/],
  ])('a catalog with %s', async (_name, type, body, message) => {
    const registry = await fakeRegistry((_request, response) =>
      response.writeHead(200, { 'content-type': type, ...V2 }).end(body),
    );
    await expect(connector(registry).listRepositories()).rejects.toThrow(message);
  });

  it('null tags are an empty page; a Link to another origin is not followed', async () => {
    const registry = await fakeRegistry((request, response) => {
      if (request.url?.includes('/tags/list')) return json(response, 200, { name: 'acme/app', tags: null });
      json(
        response,
        200,
        { repositories: ['a'] },
        { link: '<https://elsewhere.example/v2/_catalog?last=a&n=1>; rel="next"' },
      );
    });
    await expect(connector(registry).listTags('acme/app')).resolves.toEqual({ items: [] });
    // The cursor is only the `last` value; the other origin is never asked.
    await expect(connector(registry).listRepositories({ pageSize: 1 })).resolves.toEqual({
      items: ['a'],
      nextCursor: 'a',
    });
  });

  it('a manifest whose bytes do not hash to the digest the registry claims is refused', async () => {
    const body = JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, layers: [] });
    const wrong = `sha256:${'0'.repeat(64)}`;
    const registry = await fakeRegistry((request, response) => {
      // No digest on HEAD, so the body is fetched; the GET claims a digest its bytes do not have.
      const digest = request.method === 'GET' ? { 'docker-content-digest': wrong } : {};
      response.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, ...digest, ...V2 });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    await expect(connector(registry).resolveReference('acme/app', 'v1')).rejects.toThrow(
      /says the manifest is sha256:0+, but its bytes hash to sha256:/,
    );
    // Asked by a digest, bytes hashing to another are refused whatever the headers say.
    await expect(
      connector(registry).resolveReference('acme/app', `sha256:${'1'.repeat(64)}`),
    ).rejects.toThrow(RegistryProtocolError);
  });

  it('without a digest header, the digest is computed from the exact bytes', async () => {
    // Unusual spacing: a serialiser would change the bytes, and so the digest.
    const body = `{"schemaVersion":2,  "mediaType":"${MEDIA_TYPES.ociManifest}","layers":[]}`;
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    const registry = await fakeRegistry((request, response) => {
      response.writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest, ...V2 });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
    expect(await connector(registry).resolveReference('acme/app', 'v1')).toEqual({
      digest,
      mediaType: MEDIA_TYPES.ociManifest,
    });
    expect(registry.requests.map((request) => request.method)).toEqual(['HEAD', 'GET']);
  });

  it.each([
    [
      'a body whose media type disagrees with its content type',
      MEDIA_TYPES.ociManifest,
      { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [] },
      /says it is .* but was sent as/,
    ],
    [
      'an index entry without a digest',
      MEDIA_TYPES.ociIndex,
      {
        schemaVersion: 2,
        mediaType: MEDIA_TYPES.ociIndex,
        manifests: [{ platform: { os: 'linux', architecture: 'amd64' } }],
      },
      /without a valid digest/,
    ],
    [
      'an index without manifests',
      MEDIA_TYPES.ociIndex,
      { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex },
      /no manifests list/,
    ],
    ['an unknown media type', 'application/octet-stream', { schemaVersion: 2 }, /unknown media type/],
  ])('%s is a protocol error', async (_name, type, manifest, message) => {
    const registry = await fakeRegistry((request, response) => {
      response.writeHead(200, { 'content-type': type, ...V2 });
      response.end(request.method === 'HEAD' ? undefined : JSON.stringify(manifest));
    });
    await expect(connector(registry).resolveReference('acme/app', 'v1')).rejects.toThrow(message);
  });

  it('a 404 says whether the repository or the manifest is unknown', async () => {
    let code = 'NAME_UNKNOWN';
    const registry = await fakeRegistry((request, response) => {
      if (request.method === 'HEAD') return response.writeHead(404, V2).end();
      json(response, 404, { errors: [{ code, message: 'unknown' }] });
    });
    await expect(connector(registry).resolveReference('acme/app', 'v1')).rejects.toThrow(
      "repository 'acme/app' was not found",
    );
    code = 'MANIFEST_UNKNOWN';
    const failure = await connector(registry)
      .resolveReference('acme/app', 'v1')
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(NotFoundError);
    expect((failure as Error).message).toBe("manifest 'acme/app:v1' was not found");
  });

  it.each([
    ['ACME/app', 'v1'],
    ['acme//app', 'v1'],
    ['/acme', 'v1'],
    ['a'.repeat(256), 'v1'],
    ['acme/app', '-v1'],
    ['acme/app', 'sha256:abc'],
    ['acme/app', `sha256:${'A'.repeat(64)}`],
  ])('refuses %s : %s before asking', async (repository, reference) => {
    const registry = await fakeRegistry((_request, response) => json(response, 200, {}));
    await expect(connector(registry).resolveReference(repository, reference)).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(registry.count()).toBe(0);
  });

  it('refuses page sizes out of range before asking', async () => {
    const registry = await fakeRegistry((_request, response) => json(response, 200, {}));
    for (const pageSize of [0, 1001, 1.5]) {
      await expect(connector(registry).listTags('acme/app', { pageSize })).rejects.toThrow(/pageSize/);
    }
    expect(registry.count()).toBe(0);
  });
});

describe('connection test and health against what is not a registry', () => {
  it.each([
    ['an HTML login page', 200, 'text/html', /not a registry's API root \(HTTP 200, an HTML page\)/],
    ['a 404', 404, 'application/json', /not a registry's API root \(HTTP 404\)/],
  ])('%s fails at the registry step', async (_name, status, type, message) => {
    const server = await fakeRegistry((_request, response) =>
      response.writeHead(status, { 'content-type': type }).end('<html></html>'),
    );
    const plugin = createOciPlugin();
    const result = await plugin.testConnection(ociContext({ endpoint: server.url('/') }));
    expect(result.success).toBe(false);
    expect(result.checks.map((check) => [check.name, check.ok])).toEqual([
      ['reachable', true],
      ['registry', false],
    ]);
    expect(result.message).toMatch(message);
    const health = await plugin.checkHealth(ociContext({ endpoint: server.url('/') }));
    expect(health.status).toBe('unhealthy');
  });

  it('an endpoint nobody listens on fails at the reachable step, and health is unhealthy', async () => {
    const server = await fakeRegistry((_request, response) => response.end());
    const endpoint = server.url('/');
    await server.close();
    servers.length = 0;
    const plugin = createOciPlugin();
    const result = await plugin.testConnection(ociContext({ endpoint }));
    expect(result.checks).toEqual([
      { name: 'reachable', ok: false, message: expect.stringMatching(/failed/) },
    ]);
    expect((await plugin.checkHealth(ociContext({ endpoint }))).status).toBe('unhealthy');
  });
});
