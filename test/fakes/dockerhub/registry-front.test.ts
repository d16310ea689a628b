import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MANIFEST_ACCEPT,
  pushImage,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../support/registry.js';
import { type FakeDockerHub, startFakeDockerHub } from './fake-hub.js';
import { type DockerHubFront, startDockerHubFront } from './registry-front.js';

/**
 * The registry front plays `registry-1.docker.io` and `auth.docker.io` over a REAL token-auth
 * registry: Docker's challenge, grants by the Hub's accounts and repositories, and the pull limit
 * (GETs of manifests spend it, HEADs do not, 429 `TOOMANYREQUESTS` at 0), an unlimited plan, the
 * anti-abuse 429.
 */

const available = await registryToolsAvailable();
const PAT = 'dckr_pat_gina_0123456789abcdefghij';
const PUBLIC_PAT = 'dckr_pat_gina_public_0123456789abcd';

describe.skipIf(!available)('fake Docker Hub registry front', () => {
  let hub: FakeDockerHub;
  let front: DockerHubFront;
  let registry: TestRegistry;

  beforeAll(async () => {
    hub = await startFakeDockerHub();
    hub.addUser({
      username: 'gina',
      password: 'gina-password',
      pats: { [PAT]: 'repo:read', [PUBLIC_PAT]: 'repo:public_read' },
    });
    hub.addOrganization('acme', ['gina']);
    hub.addRepository('acme/open');
    hub.addRepository('acme/closed', { private: true });
    front = await startDockerHubFront({ hub, limits: { anonymous: 3, account: 5 } });
    registry = await startRegistry({ auth: 'token', accountCheck: (u, p) => front.accountCheck(u, p) });
    front.setRegistry(registry);
    await pushImage(registry, { repository: 'acme/open', tag: 'latest', format: 'oci', user: 'admin' });
    await pushImage(registry, { repository: 'acme/closed', tag: 'latest', format: 'oci', user: 'admin' });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await front?.close();
    await hub?.close();
  });

  const basic = (username: string, secret: string) =>
    `Basic ${Buffer.from(`${username}:${secret}`).toString('base64')}`;
  async function token(scopes: string[], authorization?: string, extra = '') {
    const query = scopes.map((scope) => `&scope=${encodeURIComponent(scope)}`).join('');
    const response = await fetch(`${front.authUrl}/token?service=registry.docker.io${query}${extra}`, {
      headers: authorization ? { authorization } : {},
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  async function manifest(repository: string, method: 'GET' | 'HEAD', bearer?: string) {
    const response = await fetch(`${front.url}/v2/${repository}/manifests/latest`, {
      method,
      headers: { accept: MANIFEST_ACCEPT, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    });
    const text = await response.text();
    return { status: response.status, headers: Object.fromEntries(response.headers), text };
  }
  const pull = (repository: string) => [`repository:${repository}:pull`];

  it("sends Docker Hub's challenge, keeping the registry's scope", async () => {
    const answer = await manifest('acme/open', 'GET');

    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toBe(
      `Bearer realm="${front.authUrl}/token",service="registry.docker.io",scope="repository:acme/open:pull"`,
    );
  });

  it('counts manifest GETs per source, not HEADs, and refuses GETs at 0 with TOOMANYREQUESTS', async () => {
    const anonymous = (await token(pull('acme/open'))).body.token as string;
    front.setRemaining('anonymous', 2);

    const head = await manifest('acme/open', 'HEAD', anonymous);
    const get = await manifest('acme/open', 'GET', anonymous);
    const last = await manifest('acme/open', 'GET', anonymous);
    const refused = await manifest('acme/open', 'GET', anonymous);
    const headAtZero = await manifest('acme/open', 'HEAD', anonymous);

    expect(head.status).toBe(200);
    expect(head.headers).toMatchObject({
      'ratelimit-limit': '3;w=21600',
      'ratelimit-remaining': '2;w=21600',
      'docker-ratelimit-source': '127.0.0.1',
    });
    expect(get.headers['ratelimit-remaining']).toBe('1;w=21600');
    expect(last.headers['ratelimit-remaining']).toBe('0;w=21600');
    expect(refused.status).toBe(429);
    expect(JSON.parse(refused.text).errors[0]).toMatchObject({ code: 'TOOMANYREQUESTS' });
    expect(refused.headers['ratelimit-remaining']).toBe('0;w=21600');
    expect(headAtZero).toMatchObject({ status: 200, headers: { 'ratelimit-remaining': '0;w=21600' } });
    expect(front.remaining('anonymous')).toBe(0);
  });

  it("counts an account's pulls against its id, and not at all on an unlimited plan", async () => {
    const granted = (await token(pull('acme/closed'), basic('gina', PAT))).body.token as string;
    const id = hub.world.users.get('gina')!.id;

    const limited = await manifest('acme/closed', 'GET', granted);
    front.setPlan('gina', 'unlimited');
    const unlimited = await manifest('acme/closed', 'GET', granted);
    front.setPlan('gina', 'limited');

    expect(limited.headers).toMatchObject({
      'ratelimit-remaining': '4;w=21600',
      'docker-ratelimit-source': id,
    });
    expect(unlimited.status).toBe(200);
    expect(unlimited.headers).not.toHaveProperty('ratelimit-limit');
    expect(unlimited.headers).not.toHaveProperty('docker-ratelimit-source');
    expect(front.remaining('gina')).toBe(4);
  });

  it('grants private repositories only to members whose token reads them', async () => {
    const anonymous = (await token(pull('acme/closed'))).body.token as string;
    const publicOnly = (await token(pull('acme/closed'), basic('gina', PUBLIC_PAT))).body.token as string;
    const unknown = (await token(pull('acme/none'), basic('gina', PAT))).body.token as string;

    for (const bearer of [anonymous, publicOnly, unknown]) {
      const answer = await manifest(bearer === unknown ? 'acme/none' : 'acme/closed', 'GET', bearer);
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toContain('error="insufficient_scope"');
    }
  });

  it("answers wrong credentials and mixed scopes in Docker's words", async () => {
    expect(await token(pull('acme/open'), basic('gina', 'wrong'))).toEqual({
      status: 401,
      body: { details: 'incorrect username or password' },
    });
    expect(await token([...pull('acme/open'), 'registry:catalog:*'])).toEqual({
      status: 400,
      body: { details: 'request scopes must be of the same resource type' },
    });
    expect(front.rejections.map((rejection) => rejection.status)).toEqual([401, 400]);
  });

  it.each([
    ['another service', '&service=test-registry'],
    ['an unknown parameter', '&grant_type=password'],
    ['an account other than the Basic user', '&account=someone'],
  ])('counts %s as a violation', async (_, extra) => {
    const before = front.violations.length;

    const answer = await token(pull('acme/open'), basic('gina', PAT), extra);

    expect(answer.status).toBe(400);
    expect(front.violations.length).toBe(before + 1);
  });

  it('answers every request with the anti-abuse 429 when switched on, and refuses writes', async () => {
    front.setAntiAbuse(true);
    const abused = await manifest('acme/open', 'HEAD');
    front.setAntiAbuse(false);
    const write = await fetch(`${front.url}/v2/acme/open/manifests/latest`, { method: 'PUT', body: '{}' });

    expect(abused.status).toBe(429);
    expect(abused.headers).not.toHaveProperty('ratelimit-remaining');
    expect(write.status).toBe(405);
  });

  it("keeps its anonymous account's password to itself", () => {
    expect(front.accountCheck('gina', PAT)).toBe('reader');
    expect(front.accountCheck('gina', 'wrong')).toBeUndefined();
    expect(front.accountCheck('anonymous', '')).toBeUndefined();
  });
});
