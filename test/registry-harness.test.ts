import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  decodeToken,
  MANIFEST_ACCEPT,
  OCI_INDEX,
  OCI_MANIFEST,
  type PushImageOptions,
  pushImage,
  REGISTRY_USERS,
  type RegistryUser,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
  TOKEN_ISSUER,
  TOKEN_SERVICE,
  type TokenServer,
} from './support/registry.js';

const available = await registryToolsAvailable();

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const basicOf = (user: RegistryUser) => basic(user, REGISTRY_USERS[user]);

/** A manifest by tag as a client resolving it sees it: status, digest and media type. */
async function headManifest(registry: TestRegistry, repository: string, tag: string, authorization?: string) {
  const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { accept: MANIFEST_ACCEPT, ...(authorization ? { authorization } : {}) },
  });
  return {
    status: response.status,
    digest: response.headers.get('docker-content-digest'),
    mediaType: response.headers.get('content-type'),
  };
}

/** GET <realm>?service=…&scope=…, with the user's Basic credentials when given. */
async function getToken(tokens: TokenServer, scopes: string[], user?: RegistryUser) {
  const query = new URLSearchParams({ service: TOKEN_SERVICE });
  for (const scope of scopes) query.append('scope', scope);
  if (user) query.set('account', user);
  const response = await fetch(`${tokens.realm}?${query}`, {
    headers: user ? { authorization: basicOf(user) } : {},
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

/** POST <realm> with a form, as the OAuth2 flow of the spec has it. */
async function postToken(tokens: TokenServer, form: Record<string, string>) {
  const response = await fetch(tokens.realm, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe.skipIf(!available)('a real distribution registry without auth', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'none' });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('answers GET /v2/ with 200 and the distribution API version', async () => {
    const response = await fetch(`${registry.url}/v2/`);

    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
    expect(registry.url).toBe(`http://${registry.host}`);
    expect(registry.host).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('takes an anonymous push', async () => {
    const image = await pushImage(registry, { repository: 'open/app', tag: 'v1', format: 'oci' });

    expect(await headManifest(registry, 'open/app', 'v1')).toEqual({
      status: 200,
      digest: image.digest,
      mediaType: OCI_MANIFEST,
    });
  });

  it('stop() ends the registry', async () => {
    const other = await startRegistry({ auth: 'none' });

    await other.stop();

    await expect(fetch(`${other.url}/v2/`)).rejects.toThrow();
  });
});

describe.skipIf(!available)('a real distribution registry with htpasswd Basic auth', () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'basic' });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('challenges with Basic, refuses a wrong password and accepts the right one', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    const wrong = await fetch(`${registry.url}/v2/`, { headers: { authorization: basic('admin', 'nope') } });
    const right = await fetch(`${registry.url}/v2/`, { headers: { authorization: basicOf('reader') } });

    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Basic realm="test-registry"');
    expect(wrong.status).toBe(401);
    expect(right.status).toBe(200);
  });

  it('takes a push with credentials and refuses one without', async () => {
    const image = await pushImage(registry, {
      repository: 'acme/app',
      tag: 'v1',
      format: 'oci',
      user: 'admin',
    });

    expect((await headManifest(registry, 'acme/app', 'v1', basicOf('reader'))).digest).toBe(image.digest);
    await expect(pushImage(registry, { repository: 'acme/app', tag: 'v2', format: 'oci' })).rejects.toThrow(
      /^skopeo copy to .* failed \(exit code 1\):\n.*(denied|authentication required)/,
    );
  });
});

describe.skipIf(!available)('a real distribution registry with token auth', () => {
  let registry: TestRegistry;
  let tokens: TokenServer;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    tokens = registry.tokenServer!;
    await pushImage(registry, { repository: 'acme/app', tag: 'v1', format: 'oci', user: 'admin' });
  });

  afterAll(async () => {
    await registry?.stop();
  });

  it('challenges with a Bearer realm naming the token server and the service', async () => {
    const response = await fetch(`${registry.url}/v2/`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="${tokens.realm}",service="${TOKEN_SERVICE}"`,
    );
  });

  it('skopeo pushed through the token flow as admin', () => {
    const pushes = tokens.requests.filter((request) =>
      request.scopes.includes('repository:acme/app:pull,push'),
    );

    expect(pushes.length).toBeGreaterThan(0);
    expect(pushes[0]).toMatchObject({
      method: 'GET',
      path: '/token',
      basic: true,
      username: 'admin',
      status: 200,
      params: { service: [TOKEN_SERVICE], account: ['admin'] },
    });
  });

  it('a pull token fetched by GET lists the pushed tag', async () => {
    const { status, body } = await getToken(tokens, ['repository:acme/app:pull'], 'reader');

    const tags = await fetch(`${registry.url}/v2/acme/app/tags/list`, {
      headers: { authorization: `Bearer ${body.token}` },
    });

    expect(status).toBe(200);
    expect(body).toEqual({
      token: expect.any(String),
      access_token: body.token,
      expires_in: 300,
      issued_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const { header, claims } = decodeToken(body.token);
    expect(header).toMatchObject({ typ: 'JWT', alg: 'RS256', x5c: [expect.any(String)] });
    expect(claims).toMatchObject({
      iss: TOKEN_ISSUER,
      sub: 'reader',
      aud: TOKEN_SERVICE,
      access: [{ type: 'repository', name: 'acme/app', actions: ['pull'] }],
    });
    expect(claims.exp - claims.iat).toBe(300);
    expect(tags.status).toBe(200);
    expect(await tags.json()).toEqual({ name: 'acme/app', tags: ['v1'] });
  });

  it('gives a reader no catalog access, so /v2/_catalog answers insufficient_scope', async () => {
    const { status, body } = await getToken(tokens, ['registry:catalog:*'], 'reader');

    const catalog = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${body.token}` },
    });

    expect(status).toBe(200);
    expect(decodeToken(body.token).claims.access).toEqual([]);
    expect(catalog.status).toBe(401);
    expect(catalog.headers.get('www-authenticate')).toBe(
      `Bearer realm="${tokens.realm}",service="${TOKEN_SERVICE}",scope="registry:catalog:*",error="insufficient_scope"`,
    );
  });

  it('gives an admin the catalog', async () => {
    const { body } = await getToken(tokens, ['registry:catalog:*'], 'admin');

    const catalog = await fetch(`${registry.url}/v2/_catalog`, {
      headers: { authorization: `Bearer ${body.token}` },
    });

    expect(catalog.status).toBe(200);
    expect(((await catalog.json()) as { repositories: string[] }).repositories).toContain('acme/app');
  });

  it('issues tokens by POST with grant_type=password, and refreshes an offline one', async () => {
    const password = await postToken(tokens, {
      grant_type: 'password',
      service: TOKEN_SERVICE,
      client_id: 'registry-harness-test',
      username: 'reader',
      password: REGISTRY_USERS.reader,
      access_type: 'offline',
      scope: 'repository:acme/app:pull registry:catalog:*',
    });
    const refreshed = await postToken(tokens, {
      grant_type: 'refresh_token',
      service: TOKEN_SERVICE,
      client_id: 'registry-harness-test',
      refresh_token: password.body.refresh_token,
      scope: 'repository:acme/app:pull',
    });
    const tags = await fetch(`${registry.url}/v2/acme/app/tags/list`, {
      headers: { authorization: `Bearer ${refreshed.body.access_token}` },
    });

    expect(password.status).toBe(200);
    expect(password.body).toEqual({
      access_token: expect.any(String),
      scope: 'repository:acme/app:pull',
      expires_in: 300,
      issued_at: expect.any(String),
      refresh_token: expect.any(String),
    });
    expect(tokens.requests.at(-2)).toMatchObject({
      method: 'POST',
      basic: false,
      username: 'reader',
      scopes: ['repository:acme/app:pull', 'registry:catalog:*'],
      params: { password: ['[redacted]'] },
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refresh_token).toBeUndefined();
    expect(tags.status).toBe(200);
  });

  const images: Array<{
    name: string;
    push: Omit<PushImageOptions, 'repository' | 'tag'>;
    mediaType: string;
  }> = [
    { name: 'an OCI manifest', push: { format: 'oci' }, mediaType: OCI_MANIFEST },
    { name: 'a Docker schema 2 manifest', push: { format: 'docker' }, mediaType: DOCKER_MANIFEST },
    {
      name: 'an OCI index of two platforms',
      push: {
        format: 'oci',
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm64', variant: 'v8' },
        ],
      },
      mediaType: OCI_INDEX,
    },
    {
      name: 'a Docker manifest list of two platforms',
      push: {
        format: 'docker',
        platforms: [
          { os: 'linux', architecture: 'amd64' },
          { os: 'linux', architecture: 'arm', variant: 'v7' },
        ],
      },
      mediaType: DOCKER_MANIFEST_LIST,
    },
  ];

  it.each(images)('pushImage pushes $name, which HEAD resolves to the digest returned', async (image) => {
    const repository = `acme/${image.push.format}-${image.push.platforms?.length ?? 1}`;
    const { body } = await getToken(tokens, [`repository:${repository}:pull`], 'reader');

    const pushed = await pushImage(registry, { repository, tag: 'v1', user: 'admin', ...image.push });

    expect(pushed.mediaType).toBe(image.mediaType);
    expect(await headManifest(registry, repository, 'v1', `Bearer ${body.token}`)).toEqual({
      status: 200,
      digest: pushed.digest,
      mediaType: image.mediaType,
    });
    for (const [index, manifest] of (pushed.manifests ?? []).entries()) {
      expect(manifest.platform).toEqual(image.push.platforms?.[index]);
      const entry = await headManifest(registry, repository, manifest.digest, `Bearer ${body.token}`);
      expect(entry).toEqual({ status: 200, digest: manifest.digest, mediaType: manifest.mediaType });
    }
  });

  it('refuses a push by a reader', async () => {
    await expect(
      pushImage(registry, { repository: 'acme/app', tag: 'reader', format: 'oci', user: 'reader' }),
    ).rejects.toThrow(/^skopeo copy to .* failed \(exit code 1\):\n.*(denied|authentication required)/);
  });

  it('answers malformed requests with 400 and a wrong password with 401', async () => {
    const get = (query: string, authorization?: string) =>
      fetch(`${tokens.realm}?${query}`, { headers: authorization ? { authorization } : {} });
    const post = (form: Record<string, string>) =>
      postToken(tokens, { service: TOKEN_SERVICE, client_id: 'test', ...form });

    const statuses = {
      noService: (await get('scope=repository:acme/app:pull')).status,
      otherService: (await get('service=other&scope=repository:acme/app:pull')).status,
      badScope: (await get(`service=${TOKEN_SERVICE}&scope=repository:acme/app`)).status,
      upperCaseRepository: (await get(`service=${TOKEN_SERVICE}&scope=repository:Acme/App:pull`)).status,
      bearerCredentials: (await get(`service=${TOKEN_SERVICE}`, 'Bearer abc')).status,
      wrongPassword: (await get(`service=${TOKEN_SERVICE}`, basic('admin', 'nope'))).status,
      postUnknownGrant: (await post({ grant_type: 'client_credentials' })).status,
      postNoClientId: (await postToken(tokens, { grant_type: 'password', service: TOKEN_SERVICE })).status,
      postWrongPassword: (await post({ grant_type: 'password', username: 'admin', password: 'nope' })).status,
      postUnknownRefreshToken: (await post({ grant_type: 'refresh_token', refresh_token: 'nope' })).status,
      postJson: (
        await fetch(tokens.realm, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ grant_type: 'password', service: TOKEN_SERVICE }),
        })
      ).status,
    };

    expect(statuses).toEqual({
      noService: 400,
      otherService: 400,
      badScope: 400,
      upperCaseRepository: 400,
      bearerCredentials: 400,
      wrongPassword: 401,
      postUnknownGrant: 400,
      postNoClientId: 400,
      postWrongPassword: 401,
      postUnknownRefreshToken: 401,
      postJson: 400,
    });
  });

  it('anonymous gets a token without access', async () => {
    const { status, body } = await getToken(tokens, ['repository:acme/app:pull']);

    expect(status).toBe(200);
    expect(decodeToken(body.token).claims).toMatchObject({ sub: '', access: [] });
    expect(tokens.requests.at(-1)).toMatchObject({ basic: false, status: 200 });
    expect(tokens.requests.at(-1)?.username).toBeUndefined();
  });

  it('fails the next requests on demand and issues short-lived tokens', async () => {
    tokens.failNext(2, 503, { 'retry-after': '1' });
    tokens.setExpiresIn(2);

    const first = await fetch(`${tokens.realm}?service=${TOKEN_SERVICE}`);
    const second = await getToken(tokens, [], 'admin');
    const third = await getToken(tokens, [], 'admin');
    tokens.setExpiresIn(300);

    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('1');
    expect(second.status).toBe(503);
    expect(third.status).toBe(200);
    expect(third.body.expires_in).toBe(2);
    const { claims } = decodeToken(third.body.token);
    expect(claims.exp - claims.iat).toBe(2);
    expect(tokens.requests.slice(-3).map((request) => request.status)).toEqual([503, 503, 200]);
  });

  it('issues tokens the registry refuses as expired when told to', async () => {
    tokens.setExpiresIn(-120);

    const { body } = await getToken(tokens, ['repository:acme/app:pull'], 'reader');
    tokens.setExpiresIn(300);
    const tags = await fetch(`${registry.url}/v2/acme/app/tags/list`, {
      headers: { authorization: `Bearer ${body.token}` },
    });

    expect(tags.status).toBe(401);
    expect(tags.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe.skipIf(!available)('a real distribution registry with extra accounts', () => {
  let basicRegistry: TestRegistry;
  let tokenRegistry: TestRegistry;
  const issued = new Set<string>();

  beforeAll(async () => {
    [basicRegistry, tokenRegistry] = await Promise.all([
      startRegistry({ auth: 'basic', accounts: { AWS: { password: 'ecr-password', role: 'reader' } } }),
      startRegistry({
        auth: 'token',
        accounts: { robot: { password: 'robot-password', role: 'reader' } },
        accountCheck: (username, password) =>
          username === 'oauth2accesstoken' && issued.has(password) ? 'admin' : undefined,
      }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([basicRegistry?.stop(), tokenRegistry?.stop()]);
  });

  it('htpasswd knows a fixed extra account besides the usual ones', async () => {
    const extra = await fetch(`${basicRegistry.url}/v2/`, {
      headers: { authorization: basic('AWS', 'ecr-password') },
    });
    const wrong = await fetch(`${basicRegistry.url}/v2/`, {
      headers: { authorization: basic('AWS', 'nope') },
    });
    const usual = await fetch(`${basicRegistry.url}/v2/`, { headers: { authorization: basicOf('admin') } });

    expect([extra.status, wrong.status, usual.status]).toEqual([200, 401, 200]);
  });

  it('the token server takes fixed accounts and logins the check accepts, with the role given', async () => {
    const tokenFor = async (username: string, password: string) => {
      const query = new URLSearchParams({ service: TOKEN_SERVICE, scope: 'registry:catalog:*' });
      const response = await fetch(`${tokenRegistry.tokenServer!.realm}?${query}`, {
        headers: { authorization: basic(username, password) },
      });
      const body = (await response.json()) as { token?: string };
      return {
        status: response.status,
        access: body.token ? decodeToken(body.token).claims.access : undefined,
      };
    };
    issued.add('minted-access-token');

    const robot = await tokenFor('robot', 'robot-password');
    const minted = await tokenFor('oauth2accesstoken', 'minted-access-token');
    const unknown = await tokenFor('oauth2accesstoken', 'never-minted');

    expect(robot).toEqual({ status: 200, access: [] });
    expect(minted).toEqual({
      status: 200,
      access: [{ type: 'registry', name: 'catalog', actions: ['*'] }],
    });
    expect(unknown.status).toBe(401);
  });

  it('refuses a check of any login for an htpasswd registry', async () => {
    await expect(startRegistry({ auth: 'basic', accountCheck: () => 'admin' })).rejects.toThrow(
      /token registry/,
    );
  });
});
