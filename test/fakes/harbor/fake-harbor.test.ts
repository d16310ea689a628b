import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../support/http.js';
import { type FakeHarbor, startFakeHarbor } from './fake-harbor.js';

/** The fake must answer like Harbor and refuse what Harbor's description refuses, or the provider's tests prove nothing. */

const http = testHttpClient();
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('fake Harbor', () => {
  let harbor: FakeHarbor;
  const send = async (path: string, authorization?: string, headers: Record<string, string> = {}) => {
    const response = await http.request({
      method: 'GET',
      url: `${harbor.url}${path}`,
      headers: { ...headers, ...(authorization ? { authorization } : {}) },
      okStatuses: [401, 403, 404, 412, 422, 503],
    });
    const text = response.text();
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text,
    };
  };

  beforeAll(async () => {
    harbor = await startFakeHarbor();
    harbor.addUser('admin', 'Harbor12345', { admin: true });
    harbor.addUser('dev', 'dev-pw');
    harbor.addRobot('robot$acme+ci', 'robot-pw', { projects: ['acme'] });
    harbor.addProject({ name: 'acme' });
    harbor.addProject({ name: 'library', public: true });
    harbor.addMember('acme', 'dev', 'developer');
    for (let i = 0; i < 12; i++) harbor.addRepository('acme', `r${String(i).padStart(2, '0')}`, []);
    harbor.addRepository('acme', 'team/app', [
      {
        digest: `sha256:${'a'.repeat(64)}`,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        tags: ['1.0', 'latest'],
      },
    ]);
    harbor.addRepository('library', 'base', []);
  });
  afterEach(() => {
    harbor.violations.length = 0;
  });
  afterAll(async () => {
    await harbor.close();
    await http.close();
  });

  it('pings in text, and tells its health and system info to anyone', async () => {
    const ping = await send('/api/v2.0/ping');
    harbor.setHealth({
      status: 'unhealthy',
      components: [{ name: 'redis', status: 'unhealthy', error: 'down' }],
    });
    const health = await send('/api/v2.0/health');
    harbor.setHealth({ status: 'healthy', components: [] });
    const info = await send('/api/v2.0/systeminfo');

    expect(ping).toMatchObject({ status: 200, body: 'Pong' });
    expect(ping.headers['content-type']).toMatch(/^text\/plain/);
    expect(health).toMatchObject({
      status: 200,
      body: { status: 'unhealthy', components: [{ name: 'redis', error: 'down' }] },
    });
    expect(info.body).toMatchObject({ harbor_version: 'v2.13.0-1a2b3c4d', read_only: false });
    expect(info.body.registry_url).toBeUndefined();
    expect(harbor.violations).toEqual([]);
  });

  it('answers the caller: a user, a robot (412), wrong credentials as anonymous (401)', async () => {
    expect((await send('/api/v2.0/users/current', basic('dev', 'dev-pw'))).body).toMatchObject({
      username: 'dev',
      sysadmin_flag: false,
    });
    expect((await send('/api/v2.0/users/current', basic('robot$acme+ci', 'robot-pw'))).status).toBe(412);
    expect((await send('/api/v2.0/users/current', basic('dev', 'nope'))).body).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'unauthorized' }],
    });
    // Wrong credentials read public projects, as Harbor lets them.
    const projects = await send('/api/v2.0/projects', basic('dev', 'nope'));
    expect(projects.body.map((p: { name: string }) => p.name)).toEqual(['library']);
    expect(harbor.violations).toEqual([]);
  });

  it('pages with X-Total-Count and a relative Link', async () => {
    const first = await send(
      '/api/v2.0/projects/acme/repositories?page_size=5&sort=name',
      basic('dev', 'dev-pw'),
    );
    const second = await send(
      '/api/v2.0/projects/acme/repositories?page=2&page_size=5&sort=name',
      basic('dev', 'dev-pw'),
    );

    expect(first.body.map((r: { name: string }) => r.name)).toEqual([
      'acme/r00',
      'acme/r01',
      'acme/r02',
      'acme/r03',
      'acme/r04',
    ]);
    expect(first.headers['x-total-count']).toBe('13');
    expect(first.headers.link).toBe(
      '</api/v2.0/projects/acme/repositories?page_size=5&sort=name&page=2>; rel="next"',
    );
    expect(second.headers.link).toMatch(/page=1.*rel="prev" , .*page=3.*rel="next"/);
    expect(harbor.violations).toEqual([]);
  });

  it('wants a nested repository name encoded twice; once is a 404', async () => {
    const twice = await send(
      '/api/v2.0/projects/acme/repositories/team%252Fapp/artifacts?with_tag=true',
      basic('dev', 'dev-pw'),
    );
    const once = await send(
      '/api/v2.0/projects/acme/repositories/team%2Fapp/artifacts',
      basic('dev', 'dev-pw'),
    );

    expect(twice.body[0].tags.map((t: { name: string }) => t.name)).toEqual(['1.0', 'latest']);
    expect(once.status).toBe(404);
    expect(harbor.rejections.at(-1)).toMatchObject({ operationId: 'listArtifacts', status: 404 });
  });

  it('keeps projects to those who may read them: 401 anonymous, 403 signed in, 404 missing', async () => {
    expect((await send('/api/v2.0/projects/acme', undefined, { 'x-is-resource-name': 'true' })).status).toBe(
      401,
    );
    harbor.addUser('outsider', 'o-pw');
    expect((await send('/api/v2.0/projects/acme', basic('outsider', 'o-pw'))).status).toBe(403);
    expect((await send('/api/v2.0/projects/gone', basic('admin', 'Harbor12345'))).status).toBe(404);
    expect((await send('/api/v2.0/projects/acme', basic('robot$acme+ci', 'robot-pw'))).status).toBe(200);
  });

  it('records requests its description refuses: unknown parameters, wrong types, over 100 a page', async () => {
    const response = await send(
      '/api/v2.0/repositories?page_size=500&page=first&bogus=1',
      basic('admin', 'Harbor12345'),
    );

    expect(response.status).toBe(422);
    expect(harbor.violations).toEqual([
      expect.objectContaining({
        kind: 'request',
        operationId: 'listAllRepositories',
        problems: [
          "query parameter 'page' (root) must be integer",
          "query parameter 'page_size' (root) must be <= 100",
          "query parameter 'bogus' is not in the description",
        ],
      }),
    ]);
  });

  it('fronts the registry: a Bearer challenge from /v2/, tokens from /service/token scoped by project', async () => {
    const challenge = await send('/v2/');
    const token = await send(
      '/service/token?service=harbor-registry&scope=repository:acme/team/app:pull&scope=repository:library/base:pull',
      basic('robot$acme+ci', 'robot-pw'),
    );
    const refused = await send('/service/token?service=harbor-registry', basic('robot$acme+ci', 'wrong'));
    const noRegistry = await send('/v2/', `Bearer ${token.body.token}`);
    const otherRepository = await send('/v2/secret/x/manifests/1', `Bearer ${token.body.token}`);

    expect(challenge.status).toBe(401);
    expect(challenge.headers['www-authenticate']).toBe(
      `Bearer realm="${harbor.origin}/service/token",service="harbor-registry"`,
    );
    expect(token.body).toMatchObject({ token: expect.any(String), expires_in: 1800 });
    expect(refused.status).toBe(401);
    expect(noRegistry.status).toBe(503);
    expect(otherRepository.headers['www-authenticate']).toMatch(
      /scope="repository:secret\/x:pull",error="insufficient_scope"/,
    );
    expect(harbor.violations).toEqual([]);
  });
});
