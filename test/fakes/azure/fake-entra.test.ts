import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeEntra, startFakeEntra } from './fake-entra.js';

/** The fake Entra ID refuses what Entra refuses, in Entra's words, and issues what Entra issues. */

const TENANT = '11111111-2222-4333-8444-555555555555';
const CLIENT = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SECRET = 'sp~secret-value-0123456789';
const OLD = 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee';

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const valid = {
  grant_type: 'client_credentials',
  client_id: CLIENT,
  client_secret: SECRET,
  scope: 'https://management.azure.com/.default',
};

describe('fake Entra ID token endpoint', () => {
  let entra: FakeEntra;

  beforeAll(async () => {
    entra = await startFakeEntra();
    entra.addTenant(TENANT, { domain: 'contoso.onmicrosoft.com' });
    entra.addApp({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    entra.addApp({ tenantId: TENANT, clientId: OLD, clientSecret: 'old-secret', expired: true });
  });
  afterAll(async () => {
    await entra?.close();
  });

  async function post(body: string, options: { tenant?: string; type?: string; method?: string } = {}) {
    const response = await fetch(`${entra.url}/${options.tenant ?? TENANT}/oauth2/v2.0/token`, {
      method: options.method ?? 'POST',
      headers: { 'content-type': options.type ?? 'application/x-www-form-urlencoded' },
      ...(options.method === 'GET' ? {} : { body }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('issues a token for a known app with its secret, remembered with tenant and scope', async () => {
    const answer = await post(form(valid));

    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ token_type: 'Bearer', expires_in: 3599 });
    const token = entra.lookup(answer.body.access_token as string);
    expect(token).toMatchObject({ tenantId: TENANT, clientId: CLIENT, scope: valid.scope });
  });

  it('takes a tenant domain for its id', async () => {
    const answer = await post(form(valid), { tenant: 'contoso.onmicrosoft.com' });

    expect(answer.status).toBe(200);
  });

  it.each([
    ['a wrong secret', { client_secret: 'nope-nope' }, 401, 'invalid_client', 7000215],
    [
      'an unknown app',
      { client_id: '99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee' },
      400,
      'unauthorized_client',
      700016,
    ],
    [
      'a scope without /.default',
      { scope: 'https://management.azure.com/user_impersonation' },
      400,
      'invalid_scope',
      1002012,
    ],
    [
      'a resource Entra does not know',
      { scope: 'https://vault.example/.default' },
      400,
      'invalid_resource',
      500011,
    ],
    ['another grant', { grant_type: 'password' }, 400, 'unsupported_grant_type', 70003],
    ['no secret', { client_secret: '' }, 401, 'invalid_client', 7000218],
  ])('refuses %s with its AADSTS code', async (_what, change, status, error, code) => {
    const answer = await post(form({ ...valid, ...change }));

    expect(answer.status).toBe(status);
    expect(answer.body).toMatchObject({ error, error_codes: [code] });
    expect(answer.body.error_description).toMatch(new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: `));
    expect(JSON.stringify(answer.body)).not.toContain(SECRET);
  });

  it('refuses an expired secret (AADSTS7000222) and an unknown or malformed tenant', async () => {
    const expired = await post(form({ ...valid, client_id: OLD, client_secret: 'old-secret' }));
    const unknown = await post(form(valid), { tenant: '99999999-2222-4333-8444-555555555555' });
    const malformed = await post(form(valid), { tenant: 'not a tenant' });

    expect(expired.body).toMatchObject({ error: 'invalid_client', error_codes: [7000222] });
    expect(unknown.body).toMatchObject({ error: 'invalid_request', error_codes: [90002] });
    expect(malformed.body).toMatchObject({ error: 'invalid_request', error_codes: [900023] });
  });

  it('counts a request outside the contract as a violation', async () => {
    const before = entra.violations.length;

    const json = await post(JSON.stringify(valid), { type: 'application/json' });
    const extra = await post(form({ ...valid, resource: 'https://management.azure.com/' }));
    const twice = await post(`${form(valid)}&scope=x`);
    const get = await post('', { method: 'GET' });

    expect([json.status, extra.status, twice.status, get.status]).toEqual([400, 400, 400, 400]);
    expect(get.body).toMatchObject({ error_codes: [900561] });
    expect(entra.violations.slice(before).map((violation) => violation.problem)).toEqual([
      'content type application/json, not a form',
      'fields the client credentials grant does not take: resource',
      "the field 'scope' is given more than once",
      'GET instead of POST',
    ]);
  });

  it('answers a fault a test injects, then serves again', async () => {
    entra.failNext({ count: 1, status: 503, body: { error: 'temporarily_unavailable' } });

    const failed = await post(form(valid));
    const served = await post(form(valid));

    expect([failed.status, served.status]).toEqual([503, 200]);
  });
});
