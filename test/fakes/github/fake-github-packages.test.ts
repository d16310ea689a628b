import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../support/http.js';
import { type FakeGitHub, startFakeGitHub } from './fake-github.js';

/**
 * The fake GitHub's personal access tokens and packages: it must refuse what GitHub refuses (a token
 * without `read:packages`, a fine-grained token, no token, an owner it does not know, paging past
 * 10,000 results, a request the description does not allow), or the `ghcr` tests prove nothing.
 */

const http = testHttpClient();
const READER = 'ghp_reader000000000000000000000000000000';
const NO_SCOPE = 'ghp_noscope00000000000000000000000000000';
const WRITER = 'ghp_writer000000000000000000000000000000';
const FINE = 'github_pat_fine0000000000000000000000000';
const OUTSIDER = 'ghp_outsider0000000000000000000000000000';

describe('fake GitHub: personal access tokens and packages', () => {
  let github: FakeGitHub;

  beforeAll(async () => {
    github = await startFakeGitHub({ basePath: '' });
    github.addPersonalToken(READER, { login: 'octo', scopes: ['read:packages', 'repo'], orgs: ['acme'] });
    github.addPersonalToken(NO_SCOPE, { login: 'octo', scopes: ['repo'], orgs: ['acme'] });
    github.addPersonalToken(WRITER, { login: 'octo', scopes: ['write:packages'], orgs: ['acme'] });
    github.addPersonalToken(FINE, { login: 'octo', kind: 'fine_grained', orgs: ['acme'] });
    github.addPersonalToken(OUTSIDER, { login: 'stranger', scopes: ['read:packages'] });
    for (const name of ['app', 'api', 'team/worker'])
      github.addPackage({ owner: 'Acme', ownerType: 'org', name, visibility: 'private' });
    github.addPackage({ owner: 'Acme', ownerType: 'org', name: 'base', visibility: 'public' });
    github.addPackage({ owner: 'octo', ownerType: 'user', name: 'tool' });
  });
  afterAll(async () => {
    await github.close();
    await http.close();
  });

  const get = async (path: string, token?: string) => {
    const response = await http.request({
      method: 'GET',
      url: `${github.apiUrl}${path}`,
      headers: {
        accept: 'application/vnd.github+json',
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      okStatuses: [400, 401, 403, 404, 422],
    });
    return {
      status: response.status,
      headers: response.headers,
      body: response.json<{ message?: string; name?: string; login?: string }[] & { message?: string }>(),
    };
  };
  const names = (body: unknown) => (body as { name: string }[]).map((item) => item.name);

  it('answers GET /user for a token with its login and scopes', async () => {
    const answer = await get('/user', READER);

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ login: 'octo', type: 'User' });
    expect(answer.headers['x-oauth-scopes']).toBe('read:packages, repo');
    expect(answer.headers['x-ratelimit-limit']).toBe('5000');
    expect(github.violations).toEqual([]);
  });

  it('lists an organisation’s container packages in pages with GitHub’s Link header', async () => {
    const first = await get('/orgs/acme/packages?package_type=container&per_page=2', READER);
    const next = /<([^>]+)>; rel="next"/.exec(first.headers.link ?? '')?.[1];
    const second = await get(new URL(next!).pathname + new URL(next!).search, READER);

    expect(names(first.body)).toEqual(['app', 'api']);
    expect(new URL(next!).searchParams.get('page')).toBe('2');
    expect(names(second.body)).toEqual(['team/worker', 'base']);
    expect(second.headers.link).not.toMatch(/rel="next"/);
    expect(first.headers['x-accepted-oauth-scopes']).toBe('read:packages');
    expect(github.violations).toEqual([]);
  });

  it('takes write:packages for read:packages, as GitHub’s scopes nest', async () => {
    const answer = await get('/orgs/acme/packages?package_type=container', WRITER);

    expect(answer.status).toBe(200);
    expect(names(answer.body)).toHaveLength(4);
  });

  it('shows private packages only to their owner and its organisation’s members', async () => {
    const outsider = await get('/orgs/acme/packages?package_type=container', OUTSIDER);
    const own = await get('/users/octo/packages?package_type=container', READER);
    const someoneElses = await get('/users/octo/packages?package_type=container', OUTSIDER);
    const filtered = await get('/orgs/acme/packages?package_type=container&visibility=public', READER);

    expect(names(outsider.body)).toEqual(['base']);
    expect(names(own.body)).toEqual(['tool']);
    expect(names(someoneElses.body)).toEqual([]);
    expect(names(filtered.body)).toEqual(['base']);
  });

  it.each([
    [
      'a classic token without read:packages',
      NO_SCOPE,
      403,
      'You need at least read:packages scope to list packages.',
    ],
    ['a fine-grained token', FINE, 403, 'Resource not accessible by personal access token'],
    ['no token', undefined, 401, 'Requires authentication'],
    ['an unknown token', 'ghp_unknown', 401, 'Bad credentials'],
  ])('refuses %s in GitHub’s words, without a violation', async (_name, token, status, message) => {
    const answer = await get('/orgs/acme/packages?package_type=container', token);

    expect(answer.status).toBe(status);
    expect(answer.body.message).toBe(message);
    expect(github.violations).toEqual([]);
  });

  it('sends a classic token’s scopes with its refusal, and none for a fine-grained token', async () => {
    const classic = await get('/orgs/acme/packages?package_type=container', NO_SCOPE);
    const fine = await get('/user', FINE);

    expect(classic.headers['x-oauth-scopes']).toBe('repo');
    expect(fine.status).toBe(200);
    expect(fine.headers['x-oauth-scopes']).toBeUndefined();
  });

  it('answers 404 for an owner GitHub does not know, or one of the other kind', async () => {
    const unknown = await get('/orgs/nobody/packages?package_type=container', READER);
    const userAsOrg = await get('/orgs/octo/packages?package_type=container', READER);

    expect(unknown.status).toBe(404);
    expect(unknown.body.message).toBe('Not Found');
    expect(userAsOrg.status).toBe(404);
  });

  it('refuses to page past 10,000 results with a 400', async () => {
    const answer = await get('/orgs/acme/packages?package_type=container&per_page=100&page=101', READER);

    expect(answer.status).toBe(400);
    expect(answer.body.message).toMatch(/cannot be greater than 10000/);
  });

  it.each([
    ['without package_type', '/orgs/acme/packages', /package_type/],
    ['with a package_type outside the enum', '/orgs/acme/packages?package_type=oci', /package_type/],
    ['with a parameter the operation does not take', '/orgs/acme/packages?package_type=container&q=x', /'q'/],
  ])('records a violation for a listing %s', async (_name, path, problem) => {
    const before = github.violations.length;

    const answer = await get(path, READER);

    expect(answer.status).toBe(422);
    expect(github.violations.length).toBe(before + 1);
    expect(github.violations.at(-1)?.problems.join('; ')).toMatch(problem);
    github.violations.length = before;
  });

  it('records a violation for a personal token where the fake models installation tokens only', async () => {
    const before = github.violations.length;

    const answer = await get('/repos/acme/app/issues/7/comments', READER);

    expect(answer.status).toBe(403);
    expect(github.violations.at(-1)?.problems).toEqual([
      'the fake models issues/list-comments for installation tokens only, not personal access tokens',
    ]);
    github.violations.length = before;
  });

  it('says which tokens a registry takes, and forgets a revoked one', async () => {
    const token = 'ghp_revoked00000000000000000000000000000';
    github.addPersonalToken(token, { login: 'octo', scopes: ['read:packages'] });

    const before = [github.isPersonalToken(token), github.isPersonalToken(NO_SCOPE, 'read:packages')];
    github.revokePersonalToken(token);
    const answer = await get('/user', token);

    expect(before).toEqual([true, false]);
    expect(github.isPersonalToken(token)).toBe(false);
    expect(answer.status).toBe(401);
    expect(answer.body.message).toBe('Bad credentials');
  });
});
