import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeHarbor, startFakeHarbor } from '../../../test/fakes/harbor/fake-harbor.js';
import type { FakeRequest } from '../../../test/fakes/openapi/contract-server.js';
import { UpstreamError } from '../../core/errors.js';
import type { HttpClient } from '../../net/index.js';
import { RegistryProtocolError } from '../oci/index.js';
import { ACCOUNTS, harborContext, loopbackClient, seedWorld } from './harbor.test-kit.js';
import { createHarborPlugin } from './plugin.js';

/** What a healthy Harbor never sends: malformed answers, and transient failures injected on valid requests. */

describe('harbor faults', () => {
  let harbor: FakeHarbor;
  // A client per case: five transient failures in a row open the client's circuit for the origin.
  let http: HttpClient;
  const plugin = createHarborPlugin();
  const connector = () => plugin.registry!(harborContext({ endpoint: harbor.url, http, ...ACCOUNTS.admin }));
  const on = (operationId: string) => (request: FakeRequest) => request.operation.operationId === operationId;
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error,
    );

  beforeAll(async () => {
    harbor = await startFakeHarbor();
    seedWorld(harbor);
  });
  beforeEach(() => {
    http = loopbackClient();
  });
  afterEach(async () => {
    harbor.clearFaults();
    await http.close();
    expect(harbor.violations).toEqual([]);
  });
  afterAll(async () => {
    await harbor.close();
  });

  it.each([
    [
      'an HTML page',
      { status: 200, body: '<html>login</html>', headers: { 'content-type': 'text/html' } },
      /did not answer JSON/,
    ],
    ['an object instead of a list', { status: 200, body: { items: [] } }, /did not answer a list of objects/],
    ['names that are numbers', { status: 200, body: [{ name: 42 }] }, /whose 'name' is not a name/],
  ])('a repository list that is %s is a permanent protocol error', async (_name, response, message) => {
    harbor.inject({ match: on('listAllRepositories'), response });

    const error = await failure(connector().listRepositories());

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect((error as UpstreamError).isTransient).toBe(false);
    expect((error as Error).message).toMatch(message);
  });

  it('tags that are not objects, and a health answer without a status, are protocol errors', async () => {
    harbor.inject({
      match: on('listArtifacts'),
      response: { status: 200, body: [{ digest: 'sha256:x', tags: ['1.0'] }] },
    });
    harbor.inject({ match: on('getHealth'), response: { status: 200, body: { components: 'all fine' } } });

    expect(await failure(connector().listTags('acme/app'))).toBeInstanceOf(RegistryProtocolError);
    const health = await plugin.checkHealth(harborContext({ endpoint: harbor.url, http }));
    expect(health).toEqual({
      status: 'unhealthy',
      message: "Harbor's GET /api/v2.0/health answered no overall status",
    });
  });

  it.each([
    [503, { errors: [{ code: 'UNKNOWN', message: 'service unavailable' }] }, {}],
    [429, { errors: [{ code: 'TOO_MANY_REQUEST', message: 'too many requests' }] }, { 'retry-after': '0' }],
  ])('HTTP %i is retried, then transient', async (status, body, headers) => {
    const before = harbor.requests('listAllRepositories').length;
    harbor.inject({ match: on('listAllRepositories'), response: { status, body, headers } });

    const error = await failure(connector().listRepositories());

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isTransient).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`HTTP ${status}.*after 3 attempts`));
    expect(harbor.requests('listAllRepositories').length - before).toBe(3);
  });

  it('a failure that passes recovers on the retry', async () => {
    harbor.inject({ match: on('listArtifacts'), response: { status: 503, body: { errors: [] } }, times: 1 });

    expect(await connector().listTags('acme/app')).toEqual({ items: ['1.0'] });
  });

  it('a 5xx on the connection test fails its step with the words, never the password', async () => {
    harbor.inject({
      match: on('getCurrentUserInfo'),
      response: { status: 500, body: { errors: [{ code: 'UNKNOWN', message: 'db down' }] } },
    });

    const result = await plugin.testConnection(
      harborContext({ endpoint: harbor.url, http, ...ACCOUNTS.admin }),
    );

    expect(result.checks.at(-1)).toMatchObject({ name: 'authenticated', ok: false });
    expect(result.message).toMatch(/HTTP 500/);
    expect(JSON.stringify(result)).not.toContain(ACCOUNTS.admin.password);
  });

  it('a single-encoded nested name is a 404 in Harbor (the fake checks the rule)', async () => {
    const response = await http.request({
      method: 'GET',
      url: `${harbor.url}/api/v2.0/projects/acme/repositories/team%2Fapp/artifacts`,
      headers: { authorization: `Basic ${Buffer.from('admin:Harbor12345').toString('base64')}` },
      okStatuses: [404],
    });

    expect(response.status).toBe(404);
    expect(response.json()).toEqual({
      errors: [{ code: 'NOT_FOUND', message: 'repository acme/team/app not found' }],
    });
  });
});
