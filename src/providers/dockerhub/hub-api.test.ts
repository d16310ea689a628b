import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeDockerHub, startFakeDockerHub } from '../../../test/fakes/dockerhub/fake-hub.js';
import {
  type CredentialsAccessor,
  createInlineCredentialsAccessor,
  noCredentials,
} from '../../secrets/index.js';
import type { DockerHubConfig } from './config.js';
import { dockerHubContext, loopbackClient } from './dockerhub.test-kit.js';
import { createHubApi, createHubState, HUB_PAGE_SIZE } from './hub-api.js';

/**
 * Docker Hub's API as the provider reads it, against the fake Hub alone: the login and its cache,
 * refused and malformed credentials, and answers that break the API (a `next` on another origin, a
 * page without `results`, a body that is not JSON or is far too large), each a clear error.
 */

const PAT = 'dckr_pat_carol_0123456789abcdefghij';

/** The error a promise rejects with; resolving fails the test. */
async function failureOf(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
  return outcome.error;
}

describe('Docker Hub API', () => {
  const http = loopbackClient();
  let hub: FakeDockerHub;
  let ids = 0;

  beforeAll(async () => {
    hub = await startFakeDockerHub();
    hub.addUser({ username: 'carol', password: 'carol-password', pats: { [PAT]: 'repo:read' } });
    hub.addOrganization('acme', ['carol']);
    hub.addRepository('acme/app', { private: true });
    hub.addRepository('acme/api');
  });
  afterAll(async () => {
    await hub?.close();
    await http.close();
  });

  const carol = () => createInlineCredentialsAccessor({ username: 'carol', password: PAT });
  const apiOf = (
    credentials: CredentialsAccessor,
    state = createHubState(),
    config: Partial<DockerHubConfig> = {},
  ) =>
    createHubApi(
      dockerHubContext({
        endpoint: 'https://registry-1.docker.io',
        http,
        credentials,
        id: `hub-${++ids}`,
        config: { hubApiUrl: hub.url, ...config },
      }),
      state,
    );
  const first = { page: 1, pageSize: HUB_PAGE_SIZE };

  it('logs in once and lists private repositories with the access token', async () => {
    const state = createHubState();
    const api = apiOf(carol(), state);
    const issued = hub.issued.length;

    const account = await api.login();
    const page = await api.listRepositories('acme', first);
    await api.listRepositories('acme', first);

    expect(account).toEqual({ username: 'carol' });
    expect(page).toEqual({ repositories: ['acme/api', 'acme/app'], count: 2 });
    expect(hub.issued.length).toBe(issued + 1);
  });

  it('lists public repositories anonymously, and logs in again once when the token expired', async () => {
    const state = createHubState();
    const api = apiOf(carol(), state);
    await api.login();
    const issued = hub.issued.length;
    hub.expireTokens();

    const anonymous = await apiOf(noCredentials).listRepositories('acme', first);
    const again = await api.listRepositories('acme', first);

    expect(anonymous.repositories).toEqual(['acme/api']);
    expect(again.repositories).toEqual(['acme/api', 'acme/app']);
    expect(hub.issued.length).toBe(issued + 1);
  });

  it('refuses a wrong token, an email address and a credential of another shape, never echoing a secret', async () => {
    const wrong = createInlineCredentialsAccessor({
      username: 'carol',
      password: 'dckr_pat_wrong_secret_value',
    });
    const email = createInlineCredentialsAccessor({ username: 'carol@example.com', password: PAT });
    const shape = createInlineCredentialsAccessor({ token: PAT });

    const refused = await failureOf(apiOf(wrong).login());
    const byEmail = await failureOf(apiOf(email).login());
    const other = await failureOf(apiOf(shape).login());

    expect(refused).toMatchObject({ code: 'registry_auth_failed', reason: 'refused' });
    expect(refused.message).toMatch(
      /^Docker Hub refused the login of carol \(HTTP 401: Incorrect authentication credentials\); check the Docker ID/,
    );
    expect(byEmail).toMatchObject({ code: 'credentials_shape' });
    expect(byEmail.message).toMatch(/looks like an email address; Docker Hub logs in with the Docker ID/);
    expect(other.message).toMatch(/\{ username, password \}.*this one has the fields token/);
    for (const error of [refused, byEmail, other]) expect(error.message).not.toContain(PAT);
    expect(refused.message).not.toContain('dckr_pat_wrong_secret_value');
  });

  it('keeps a secret the login answer echoes out of every message', async () => {
    const echo = { message: `no such token ${PAT}` };
    hub.failNext({ status: 401, body: echo, headers: { 'content-type': 'application/json' } });
    const refused = await failureOf(apiOf(carol()).login());
    hub.failNext({ status: 503, body: echo, headers: { 'content-type': 'application/json' }, count: 3 });
    const failed = await failureOf(apiOf(carol()).login());

    expect(refused.message).toContain('no such token [redacted]');
    expect(failed).toMatchObject({ isTransient: true });
    for (const error of [refused, failed])
      expect(JSON.stringify({ ...error, message: error.message })).not.toContain(PAT);
  });

  it('says an unknown namespace is not found, naming the setting', async () => {
    const error = await failureOf(apiOf(noCredentials).listRepositories('nobody', first));

    expect(error).toMatchObject({ code: 'not_found' });
    expect(error.message).toMatch(
      /Docker Hub has no namespace 'nobody' \(HTTP 404: object not found\); check config\.namespaces/,
    );
  });

  it('refuses an http API URL unless plainHttp is set', async () => {
    expect(() => apiOf(noCredentials, createHubState(), { plainHttp: false })).toThrow(
      /config\.hubApiUrl must be an https:\/\/ URL/,
    );
  });

  const malformed = async (body: unknown, headers: Record<string, string> = {}) => {
    hub.failNext({ status: 200, body, headers: { 'content-type': 'application/json', ...headers } });
    return failureOf(apiOf(noCredentials).listRepositories('acme', first));
  };

  it.each([
    [
      'a next page on another origin',
      { count: 2, next: 'https://evil.example/v2/namespaces/acme/repositories?page=2', results: [] },
      /pointed its next page to another origin \(https:\/\/evil\.example\); not followed/,
    ],
    [
      'a next page of another listing',
      { count: 2, next: '/v2/namespaces/other/repositories?page=2', results: [] },
      /'next' that is not a later page of this listing/,
    ],
    [
      'a next page without a page number',
      { count: 2, next: '/v2/namespaces/acme/repositories', results: [] },
      /'next' that is not a later page/,
    ],
    ['a next that is not a string', { next: 7, results: [] }, /'next' that is not a URL/],
    ['a page without results', { count: 2, next: null }, /answered a page without a 'results' list/],
    ['results that are not a list', { results: { name: 'app' } }, /without a 'results' list/],
    ['a name that is not a string', { results: [{ name: 42 }] }, /a repository whose 'name' is not a name/],
    ['a name with a slash', { results: [{ name: '../admin' }] }, /a repository whose 'name' is not a name/],
    ['a name in upper case', { results: [{ name: 'App' }] }, /a repository whose 'name' is not a name/],
    ['an array', [], /did not answer a JSON object/],
    ['null', 'null', /did not answer a JSON object/],
    ['a body that is not JSON', '<html>maintenance</html>', /did not answer JSON \(HTTP 200\)/],
  ])('refuses %s', async (_, body, message) => {
    const error = await malformed(body);

    expect(error).toMatchObject({ code: 'registry_invalid_response', isTransient: false });
    expect(error.message).toMatch(message);
  });

  it('refuses an answer far larger than a page', async () => {
    const huge = JSON.stringify({ results: [{ name: 'x'.repeat(3 * 1024 * 1024) }] });

    const error = await malformed(huge);

    expect(error).toMatchObject({ code: 'too_large', isTransient: false });
  });

  it('refuses a login answer without a usable token', async () => {
    for (const body of [{}, { access_token: '' }, { access_token: 'two words' }, 'not json']) {
      hub.failNext({ status: 200, body, headers: { 'content-type': 'application/json' } });

      const error = await failureOf(apiOf(carol()).login());

      expect(error.message).toMatch(
        /POST \/v2\/auth\/token (answered without a usable access_token|did not answer JSON)/,
      );
    }
  });

  it('sent nothing outside the contract', () => {
    expect(hub.violations).toEqual([]);
  });
});
