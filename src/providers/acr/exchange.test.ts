import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcrFront } from '../../../test/fakes/azure/acr-front.js';
import { aliasHost } from '../../../test/fakes/openapi/host-alias.js';
import { UpstreamError } from '../../core/errors.js';
import { HttpError } from '../../net/index.js';
import { makeClient } from '../../net/loopback-server.test-kit.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import { loopbackClient, PRINCIPALS, servicePrincipal, startAzure, TENANT } from './acr.test-kit.js';
import { type AcrConfig, readAcrSettings } from './config.js';
import {
  createAcrExchange,
  FALLBACK_REFRESH_LIFE_MS,
  REFRESH_TOKEN_USERNAME,
  refreshTokenExpiresAt,
} from './exchange.js';

/**
 * The exchange against the fake Entra ID and ACR front: what each refusal of Entra (by its AADSTS code)
 * and of the registry comes to, malformed and failing answers, the refresh token's lifetime, and the
 * cloud chosen by the registry's host.
 */

const http = loopbackClient();
let azure: Awaited<ReturnType<typeof startAzure>>;

beforeAll(async () => {
  azure = await startAzure();
});
afterAll(async () => {
  await azure?.close();
  await http.close();
});

function exchangeWith(credentials = servicePrincipal('puller'), config: Partial<AcrConfig> = {}) {
  const settings = readAcrSettings(azure.front.url, {
    plainHttp: true,
    authorityHost: azure.entra.url,
    ...config,
  });
  const exchange = createAcrExchange(settings, http, Date.now);
  return async () => exchange(await credentials.get(), new AbortController().signal);
}

async function failureOf(run: () => Promise<unknown>): Promise<Error> {
  const outcome = await run().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (!(outcome instanceof Error)) throw new Error('expected the exchange to fail');
  return outcome;
}

describe('acr exchange', () => {
  it('makes a refresh-token login that lives until the JWT says', async () => {
    const login = await exchangeWith()();

    expect(login.username).toBe(REFRESH_TOKEN_USERNAME);
    expect(azure.front.isValidRefreshToken(login.password)).toBe(true);
    expect(login.expiresAt! - Date.now()).toBeGreaterThan(2080_000);
    expect(login.expiresAt! - Date.now()).toBeLessThanOrEqual(2089_000);
  });

  it('passes a registry login on as it is, asking nobody', async () => {
    const before = azure.entra.requests.length + azure.front.records.length;
    const credentials = createInlineCredentialsAccessor({ username: 'contosoregistry', password: 'pw-0123' });

    const login = await exchangeWith(credentials)();

    expect(login).toEqual({ username: 'contosoregistry', password: 'pw-0123' });
    expect(azure.entra.requests.length + azure.front.records.length).toBe(before);
  });

  it.each([
    ['a wrong secret', { clientSecret: 'wrong~Secret.0123456789' }, 7000215, /Value \(not its Secret ID\)/],
    ['an expired secret', PRINCIPALS.expired, 7000222, /has expired: add a new one/],
    ['an unknown app', { clientId: '9f7a3b51-7c2e-4d38-9b4e-1a2b3c4d5e6f' }, 700016, /check clientId/],
  ])(
    'refuses %s with its AADSTS code and what to do, never the secret',
    async (_what, change, code, hint) => {
      const fields = { tenantId: TENANT, ...PRINCIPALS.puller, ...change };

      const error = await failureOf(exchangeWith(createInlineCredentialsAccessor(fields)));

      expect(error).toBeInstanceOf(RegistryAuthError);
      expect((error as RegistryAuthError).reason).toBe('refused');
      expect(error.message).toContain(`AADSTS${code}`);
      expect(error.message).toMatch(hint);
      expect(error.message).not.toContain(fields.clientSecret);
    },
  );

  it('refuses an unknown tenant (AADSTS90002), pointing at tenantId and the cloud', async () => {
    const error = await failureOf(
      exchangeWith(servicePrincipal('puller', '0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3')),
    );

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect(error.message).toMatch(/AADSTS90002.*check tenantId/);
  });

  it('says a principal without a role needs AcrPull', async () => {
    const error = await failureOf(exchangeWith(servicePrincipal('outsider')));

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect(error.message).toMatch(/UNAUTHORIZED: retrieving permissions failed.*assign it AcrPull/);
    expect(azure.front.rejections.at(-1)).toEqual({ status: 401, message: 'retrieving permissions failed' });
  });

  it.each([
    ['not JSON', 200, '<html>sign in</html>', RegistryProtocolError, /without a usable token/],
    [
      'no access_token',
      200,
      { token_type: 'Bearer', expires_in: 3599 },
      RegistryProtocolError,
      /without a usable token/,
    ],
    [
      'another token type',
      200,
      { token_type: 'pop', expires_in: 3599, access_token: 'x' },
      RegistryProtocolError,
      /usable token/,
    ],
    [
      'expires_in of the wrong type',
      200,
      { token_type: 'Bearer', expires_in: 'soon', access_token: 'x' },
      RegistryProtocolError,
      /usable token/,
    ],
    ['a refusal without error JSON', 400, 'Bad Request', RegistryProtocolError, /without its error JSON/],
    [
      'a page instead of the endpoint',
      404,
      '<html>not found</html>',
      RegistryProtocolError,
      /config\.authorityHost/,
    ],
    [
      'an error of another kind',
      400,
      { error: 'invalid_request', error_codes: [900144] },
      UpstreamError,
      /invalid_request, AADSTS900144/,
    ],
  ])('reads an Entra answer with %s as such', async (_what, status, body, kind, words) => {
    azure.entra.failNext({ count: 1, status, body });

    const error = await failureOf(exchangeWith());

    expect(error).toBeInstanceOf(kind);
    expect(error.message).toMatch(words);
    expect((error as UpstreamError).isTransient).toBe(false);
  });

  it('refuses a huge Entra answer, and retries 503 until it is transient', async () => {
    azure.entra.failNext({ count: 1, status: 200, body: 'x'.repeat(100_000) });
    const huge = await failureOf(exchangeWith());
    azure.entra.failNext({ count: 3, status: 503, body: { error: 'temporarily_unavailable' } });
    const down = await failureOf(exchangeWith());
    azure.entra.failNext({ count: 1, status: 429, body: '' });
    const recovered = await exchangeWith()();

    expect(huge).toBeInstanceOf(HttpError);
    expect((huge as HttpError).code).toBe('too_large');
    expect((down as HttpError).isTransient).toBe(true);
    expect((down as HttpError).attempts).toBe(3);
    expect(recovered.username).toBe(REFRESH_TOKEN_USERNAME);
  });

  it.each([
    ['no refresh_token', 200, { access_token: 'x' }, RegistryProtocolError, /without a usable refresh_token/],
    ['not JSON', 200, 'ok', RegistryProtocolError, /without a usable refresh_token/],
    [
      'an expired JWT',
      200,
      { refresh_token: `e30.${Buffer.from('{"exp":1000}').toString('base64url')}.c2ln` },
      RegistryProtocolError,
      /expired at 1970/,
    ],
    [
      'no exchange endpoint',
      404,
      '404 page not found',
      RegistryProtocolError,
      /not an Azure Container Registry/,
    ],
    [
      'a firewall',
      403,
      { errors: [{ code: 'DENIED', message: 'client with IP is not allowed access' }] },
      UpstreamError,
      /network rules/,
    ],
    [
      'a bad request',
      400,
      { errors: [{ code: 'UNSUPPORTED', message: 'no' }] },
      UpstreamError,
      /refused the exchange request/,
    ],
  ])('reads an exchange answer with %s as such', async (_what, status, body, kind, words) => {
    azure.front.failNext({ count: 1, status, body });

    const error = await failureOf(exchangeWith());

    expect(error).toBeInstanceOf(kind);
    expect(error.message).toMatch(words);
  });

  it('retries a failing exchange, then calls it transient', async () => {
    azure.front.failNext({ count: 3, status: 502, body: '' });

    const error = await failureOf(exchangeWith());

    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).isTransient).toBe(true);
  });

  it('gives a refresh token without exp the documented conservative life', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    const claims = (value: object) => `e30.${Buffer.from(JSON.stringify(value)).toString('base64url')}.c2ln`;

    expect(refreshTokenExpiresAt('opaque-token', now)).toBe(now + FALLBACK_REFRESH_LIFE_MS);
    expect(refreshTokenExpiresAt(claims({ iat: 1 }), now)).toBe(now + FALLBACK_REFRESH_LIFE_MS);
    expect(refreshTokenExpiresAt(claims({ exp: now / 1000 + 600 }), now)).toBe(now + 600_000);
    expect(FALLBACK_REFRESH_LIFE_MS).toBeLessThan(2089_000);
  });

  it("asks the registry's cloud: a .azurecr.cn registry gets a China token from China's authority", async () => {
    const front = await startAcrFront({
      entra: azure.entra,
      host: 'contoso.azurecr.cn',
      managementScope: 'https://management.chinacloudapi.cn/.default',
    });
    front.assignRole(PRINCIPALS.puller.clientId, 'AcrPull');
    const china = aliasHost(
      aliasHost(http, 'https://contoso.azurecr.cn', front.url),
      'https://login.chinacloudapi.cn',
      azure.entra.url,
    );
    const settings = readAcrSettings('https://contoso.azurecr.cn', { plainHttp: false });
    try {
      const login = await createAcrExchange(
        settings,
        china,
        Date.now,
      )(await servicePrincipal('puller').get(), new AbortController().signal);

      expect(front.isValidRefreshToken(login.password)).toBe(true);
      expect(azure.entra.issued.at(-1)?.scope).toBe('https://management.chinacloudapi.cn/.default');
      expect(front.violations).toEqual([]);
    } finally {
      await front.close();
    }
  });

  it('labels its requests provider acr, operations entra_token and acr_exchange', async () => {
    const measured = makeClient({ allowPrivateNetworks: true, allowAnyPort: true });
    const settings = readAcrSettings(azure.front.url, { plainHttp: true, authorityHost: azure.entra.url });

    await createAcrExchange(
      settings,
      measured.client,
      Date.now,
    )(await servicePrincipal('puller').get(), new AbortController().signal);
    const metrics = await measured.registry.getSingleMetricAsString('integrations_outbound_requests_total');
    await measured.client.close();

    expect(metrics).toMatch(/provider="acr",operation="entra_token"|operation="entra_token",provider="acr"/);
    expect(metrics).toMatch(
      /provider="acr",operation="acr_exchange"|operation="acr_exchange",provider="acr"/,
    );
    expect(metrics).not.toContain(PRINCIPALS.puller.clientSecret);
  });

  it('sent nothing outside the contracts', () => {
    expect(azure.entra.violations).toEqual([]);
    expect(azure.front.violations).toEqual([]);
  });
});
