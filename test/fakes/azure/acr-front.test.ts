import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
  TOKEN_SERVICE,
} from '../../support/registry.js';
import { ACR_REFRESH_USERNAME, type AcrFront, startAcrFront } from './acr-front.js';
import { type FakeEntra, startFakeEntra } from './fake-entra.js';

/**
 * The ACR front holds `POST /oauth2/exchange` to ACR's contract and answers ACR's 401 for tokens it
 * would refuse; `/v2/` reaches a real token-auth registry whose token server takes the refresh tokens.
 */

const TENANT = '11111111-2222-4333-8444-555555555555';
const OTHER_TENANT = '22222222-2222-4333-8444-555555555555';
const PULLER = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const READER = 'bbbbbbbb-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const NOBODY = 'cccccccc-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const STRANGER = 'dddddddd-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SECRET = 'sp-secret-0123456789';
const available = await registryToolsAvailable();

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('fake ACR front', () => {
  let entra: FakeEntra;
  let front: AcrFront;
  let registry: TestRegistry | undefined;

  beforeAll(async () => {
    entra = await startFakeEntra();
    entra.addTenant(TENANT);
    entra.addTenant(OTHER_TENANT);
    for (const clientId of [PULLER, READER, NOBODY])
      entra.addApp({ tenantId: TENANT, clientId, clientSecret: SECRET });
    entra.addApp({ tenantId: OTHER_TENANT, clientId: STRANGER, clientSecret: SECRET });
    front = await startAcrFront({ entra });
    front.assignRole(PULLER, 'AcrPull');
    front.assignRole(READER, 'Container Registry Repository Reader');
    front.assignRole(STRANGER, 'AcrPull');
    if (!available) return;
    registry = await startRegistry({
      auth: 'token',
      accountCheck: (username, password) => front.accountCheck(username, password),
    });
    front.setRegistry(registry.url);
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
    await front?.close();
    await entra?.close();
  });

  async function entraToken(
    clientId: string,
    tenant = TENANT,
    scope = 'https://management.azure.com/.default',
  ) {
    const response = await fetch(`${entra.url}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ grant_type: 'client_credentials', client_id: clientId, client_secret: SECRET, scope }),
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function exchange(fields: Record<string, string>, type = 'application/x-www-form-urlencoded') {
    const response = await fetch(`${front.url}/oauth2/exchange`, {
      method: 'POST',
      headers: { 'content-type': type },
      body: type.includes('json') ? JSON.stringify(fields) : form(fields),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  const fieldsFor = (accessToken: string, tenant = TENANT) => ({
    grant_type: 'access_token',
    service: front.host,
    tenant,
    access_token: accessToken,
  });

  it('exchanges an Entra token of a principal with a role for a refresh token with exp', async () => {
    const answer = await exchange(fieldsFor(await entraToken(PULLER)));

    expect(answer.status).toBe(200);
    const refresh = answer.body.refresh_token as string;
    const claims = JSON.parse(Buffer.from(refresh.split('.')[1]!, 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(2089);
    expect(claims.aud).toBe(front.host);
    expect(front.isValidRefreshToken(refresh)).toBe(true);
    expect(front.accountCheck(ACR_REFRESH_USERNAME, refresh)).toBe('admin');
    expect(front.accountCheck('someone', refresh)).toBeUndefined();
  });

  it('gives a repository reader pull rights only', async () => {
    const answer = await exchange(fieldsFor(await entraToken(READER)));

    expect(front.accountCheck(ACR_REFRESH_USERNAME, answer.body.refresh_token as string)).toBe('reader');
  });

  it('answers 401 UNAUTHORIZED for a principal without a role, an unknown token, another tenant or scope', async () => {
    const noRole = await exchange(fieldsFor(await entraToken(NOBODY)));
    const unknown = await exchange(fieldsFor('not-a-token-entra-issued'));
    const otherTenant = await exchange(fieldsFor(await entraToken(STRANGER, OTHER_TENANT)));
    const china = await exchange(
      fieldsFor(await entraToken(PULLER, TENANT, 'https://management.chinacloudapi.cn/.default')),
    );

    for (const answer of [noRole, unknown, otherTenant, china]) {
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ errors: [{ code: 'UNAUTHORIZED' }] });
    }
    expect(noRole.body).toEqual({
      errors: [{ code: 'UNAUTHORIZED', message: 'retrieving permissions failed' }],
    });
    expect(otherTenant.status).toBe(401);
  });

  it('counts requests outside the contract as violations', async () => {
    const token = await entraToken(PULLER);
    const before = front.violations.length;

    await exchange({ ...fieldsFor(token), service: 'other.azurecr.io' });
    await exchange({ grant_type: 'access_token', service: front.host, access_token: token });
    await exchange({ ...fieldsFor(token), grant_type: 'access_token_refresh_token' });
    await exchange(fieldsFor(token), 'application/json');
    await exchange({ ...fieldsFor(token), scope: 'registry:catalog:*' });
    const get = await fetch(`${front.url}/oauth2/exchange`);

    expect(get.status).toBe(405);
    expect(front.violations.slice(before).map((violation) => violation.problem)).toEqual([
      `service other.azurecr.io is not this registry (${front.host})`,
      'tenant is missing',
      'the deprecated grant_type access_token_refresh_token',
      'content type application/json, not a form',
      'fields the exchange does not take: scope',
      'GET instead of POST',
    ]);
  });

  it.skipIf(!available)(
    "passes /v2/ on with the registry's challenge, and the registry takes a refresh-token login",
    async () => {
      const realm = registry!.tokenServer!.realm;
      const challenge = await fetch(`${front.url}/v2/`);
      const refresh = (await exchange(fieldsFor(await entraToken(PULLER)))).body.refresh_token as string;
      const basic = Buffer.from(`${ACR_REFRESH_USERNAME}:${refresh}`).toString('base64');
      const query = new URLSearchParams({ service: TOKEN_SERVICE, scope: 'registry:catalog:*' });
      const tokenAnswer = await fetch(`${realm}?${query}`, {
        headers: { authorization: `Basic ${basic}` },
      });
      const { token } = (await tokenAnswer.json()) as { token: string };
      const catalog = await fetch(`${front.url}/v2/_catalog`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const push = await fetch(`${front.url}/v2/acme/app/blobs/uploads/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });

      expect(challenge.status).toBe(401);
      expect(challenge.headers.get('www-authenticate')).toBe(
        `Bearer realm="${realm}",service="${TOKEN_SERVICE}"`,
      );
      expect(catalog.status).toBe(200);
      expect(await catalog.json()).toEqual({ repositories: [] });
      expect(push.status).toBe(405);
    },
  );
});
