import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  pushImage,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../support/registry.js';
import { type FakeQuay, startFakeQuay } from './fake-quay.js';

/**
 * The fake Quay refuses what Quay would: tokens it does not know, scopes a token lacks, private
 * repositories, unknown namespaces; and what the description does not allow is a violation: unknown
 * query parameters, a `limit` above 100, a `page` below 1, a non-boolean `onlyActiveTags`, Basic
 * credentials on the API. Its health endpoints follow Quay's health checker; `/v2/` reaches a real
 * registry whose token server takes the fake's robots.
 */

const DIGEST = `sha256:${'a'.repeat(64)}`;
const OCI = 'application/vnd.oci.image.manifest.v1+json';
const available = await registryToolsAvailable();

/** The fields of Quay's answers these cases read. */
interface Answer {
  readonly repositories: readonly { readonly name: string }[];
  readonly next_page?: string;
  readonly tags: readonly { readonly name: string }[];
  readonly error_type: string;
}

describe('fake Quay', () => {
  let quay: FakeQuay;
  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    fetch(`${quay.url}${path}`, {
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    });
  const read = async (path: string, token?: string) => (await (await get(path, token)).json()) as Answer;

  beforeAll(async () => {
    quay = await startFakeQuay({ repositoriesPerPage: 2 });
    quay.addUser('alice', 'alice-password');
    quay.addOrganization('acme', { members: ['alice'] });
    quay.addOrganization('other');
    quay.addAppToken('reader-token', 'alice', ['repo:read']);
    quay.addAppToken('user-token', 'alice', ['user:read']);
    quay.addAppToken('admin-token', 'alice', ['repo:admin']);
    for (const name of ['acme/a', 'acme/b', 'acme/c'])
      quay.addRepository(name, { tags: [{ name: '1.0', digest: DIGEST, mediaType: OCI }] });
    quay.addRepository('other/secret', { tags: [] });
    quay.addRepository('other/open', {
      public: true,
      tags: [
        { name: 'old', digest: DIGEST, mediaType: OCI, inactive: true },
        { name: 'v1', digest: DIGEST, mediaType: OCI },
        { name: 'v2', digest: DIGEST, mediaType: OCI },
      ],
    });
  });
  afterAll(async () => {
    await quay?.close();
  });

  it('answers /health/instance as Quay does, 503 naming nothing else when a service is down', async () => {
    const healthy = await get('/health/instance');
    const healthyBody = await healthy.json();
    quay.setHealth('instance', { database: false });
    const down = await get('/health/instance');
    const downBody = await down.json();
    quay.setHealth('instance', { database: true });

    expect(healthy.status).toBe(200);
    expect(healthyBody).toEqual({
      data: {
        services: {
          auth: true,
          database: true,
          disk_space: true,
          registry_gunicorn: true,
          service_key: true,
          web_gunicorn: true,
        },
      },
      status_code: 200,
    });
    expect(down.status).toBe(503);
    expect(downBody).toMatchObject({ data: { services: { database: false } }, status_code: 503 });
  });

  it('reports a disk warning on /health/warning as a failing check with 503', async () => {
    quay.setHealth('warning', { disk_space_warning: false });
    const warned = await get('/health/warning');
    const body = await warned.json();
    quay.setHealth('warning', { disk_space_warning: true });

    expect(warned.status).toBe(503);
    expect(body).toEqual({ data: { services: { disk_space_warning: false } }, status_code: 503 });
    expect((await get('/health/endtoend')).status).toBe(200);
  });

  it('pages listRepos by next_page, bound to its namespace', async () => {
    const first = await read('/api/v1/repository?namespace=acme', 'reader-token');
    const second = await (
      await get(`/api/v1/repository?namespace=acme&next_page=${first.next_page}`, 'reader-token')
    ).json();
    const misused = await get(
      `/api/v1/repository?namespace=other&next_page=${first.next_page}`,
      'reader-token',
    );

    expect(first.repositories.map((r: { name: string }) => r.name)).toEqual(['a', 'b']);
    expect(first.repositories[0]).toMatchObject({
      namespace: 'acme',
      name: 'a',
      is_public: false,
      kind: 'image',
    });
    expect(typeof first.next_page).toBe('string');
    expect(second).toEqual({ repositories: [expect.objectContaining({ name: 'c' })] });
    expect(misused.status).toBe(400);
    expect(quay.violations.pop()).toMatchObject({ problem: expect.stringContaining('next_page') });
  });

  it('shows private repositories only to those who may read them', async () => {
    const member = await read('/api/v1/repository?namespace=other', 'reader-token');
    const anonymous = await read('/api/v1/repository?namespace=acme');

    expect(member.repositories.map((r: { name: string }) => r.name)).toEqual(['open']);
    expect(anonymous).toEqual({ repositories: [] });
  });

  it("refuses with Quay's ApiError: an unknown token 401, a missing scope 403, a private repository 403, an unknown one 404", async () => {
    const answers = await Promise.all([
      get('/api/v1/repository?namespace=acme', 'nope'),
      get('/api/v1/repository?namespace=acme', 'user-token'),
      get('/api/v1/repository/other/secret/tag/?limit=100&page=1', 'reader-token'),
      get('/api/v1/repository/acme/missing/tag/', 'reader-token'),
      get('/api/v1/repository?namespace=ghost', 'reader-token'),
      get('/api/v1/user/'),
    ]);
    const bodies = (await Promise.all(answers.map((answer) => answer.json()))) as Answer[];

    expect(answers.map((answer) => answer.status)).toEqual([401, 403, 403, 404, 404, 401]);
    expect(bodies[0]).toEqual({
      detail: 'The access token provided is invalid',
      error_message: 'The access token provided is invalid',
      error_type: 'invalid_token',
      title: 'invalid_token',
      type: `${quay.url}/api/v1/error/invalid_token`,
      status: 401,
    });
    expect(bodies.map((body) => body.error_type)).toEqual([
      'invalid_token',
      'insufficient_scope',
      'insufficient_scope',
      'not_found',
      'not_found',
      'invalid_token',
    ]);
    expect(quay.violations).toEqual([]);
  });

  it('lists active tags newest first, paged by page and limit until has_additional is false', async () => {
    const first = await (
      await get('/api/v1/repository/other/open/tag/?limit=1&page=1&onlyActiveTags=true', 'admin-token')
    ).json();
    const second = await (
      await get('/api/v1/repository/other/open/tag/?limit=1&page=2&onlyActiveTags=true')
    ).json();
    const all = await read('/api/v1/repository/other/open/tag/?limit=100&page=1');

    expect(first).toMatchObject({
      page: 1,
      has_additional: true,
      tags: [{ name: 'v2', manifest_digest: DIGEST }],
    });
    expect(second).toMatchObject({ page: 2, has_additional: false, tags: [{ name: 'v1' }] });
    expect(all.tags.map((tag: { name: string }) => tag.name)).toEqual(['v2', 'v1', 'old']);
  });

  it('counts requests outside the description as violations', async () => {
    const cases = [
      '/api/v1/repository/other/open/tag/?limit=101',
      '/api/v1/repository/other/open/tag/?limit=0',
      '/api/v1/repository/other/open/tag/?page=0',
      '/api/v1/repository/other/open/tag/?onlyActiveTags=yes',
      '/api/v1/repository/other/open/tag/?n=10',
      '/api/v1/repository?namespace=acme&per_page=5',
      '/api/v1/repository',
      '/api/v1/repository?namespace=acme&namespace=other',
      '/api/v1/superuser/users/',
    ];
    const before = quay.violations.length;

    const statuses = await Promise.all(cases.map(async (path) => (await get(path, 'reader-token')).status));
    const basic = await get('/api/v1/user/', undefined, {
      authorization: `Basic ${Buffer.from('a:b').toString('base64')}`,
    });

    expect(statuses).toEqual([400, 400, 400, 400, 400, 400, 400, 400, 404]);
    expect(basic.status).toBe(401);
    expect(quay.violations.length - before).toBe(cases.length + 1);
  });

  it('answers getLoggedInUser to a token with user:read', async () => {
    const user = await read('/api/v1/user/', 'user-token');
    const withoutScope = await get('/api/v1/user/', 'reader-token');

    expect(user).toMatchObject({ anonymous: false, username: 'alice', organizations: [{ name: 'acme' }] });
    expect(withoutScope.status).toBe(403);
  });
});

describe.skipIf(!available)('fake Quay in front of a real registry', () => {
  let quay: FakeQuay;
  let registry: TestRegistry;

  beforeAll(async () => {
    quay = await startFakeQuay();
    quay.addOrganization('acme');
    quay.addRobot('acme+puller', 'ROBOT-TOKEN-1');
    quay.addRobot('acme+nobody', 'ROBOT-TOKEN-2', 'none');
    registry = await startRegistry({ auth: 'token', accountCheck: (u, p) => quay.accountCheck(u, p) });
    quay.setRegistry(registry.url);
    await pushImage(registry, { repository: 'acme/a', tag: '1.0', format: 'oci', user: 'admin' });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await quay?.close();
  });

  it("passes /v2/ on with the registry's own challenge, whose token server takes the fake's robots", async () => {
    const challenge = await fetch(`${quay.url}/v2/acme/a/tags/list`);
    const header = challenge.headers.get('www-authenticate') ?? '';
    const realm = /realm="([^"]+)"/.exec(header)?.[1] ?? '';
    const scope = 'repository:acme/a:pull';
    const basic = (user: string, password: string) =>
      `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const minted = await fetch(`${realm}?service=test-registry&scope=${scope}`, {
      headers: { authorization: basic('acme+puller', 'ROBOT-TOKEN-1') },
    });
    const { token } = (await minted.json()) as { token: string };
    const tags = await fetch(`${quay.url}/v2/acme/a/tags/list`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const refused = await fetch(`${realm}?service=test-registry&scope=${scope}`, {
      headers: { authorization: basic('acme+nobody', 'ROBOT-TOKEN-2') },
    });

    expect(challenge.status).toBe(401);
    expect(new URL(realm).hostname).toBe('127.0.0.1');
    expect(await tags.json()).toEqual({ name: 'acme/a', tags: ['1.0'] });
    expect(refused.status).toBe(401);
  });

  it('refuses writes to the registry as violations', async () => {
    const before = quay.violations.length;

    const put = await fetch(`${quay.url}/v2/acme/a/manifests/2.0`, { method: 'PUT', body: '{}' });

    expect(put.status).toBe(405);
    expect(quay.violations.length).toBe(before + 1);
  });
});
