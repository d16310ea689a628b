import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type FakeGoogleTokenService,
  startFakeGoogleTokenService,
} from '../../../test/fakes/google/fake-token-service.js';
import { UpstreamError } from '../../core/errors.js';
import { type LoopbackServer, makeClient, startServer } from '../../net/loopback-server.test-kit.js';
import { Secret } from '../../secrets/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import { CLOUD_PLATFORM_SCOPE } from './config.js';
import { standaloneKey } from './gcr.test-kit.js';
import { readGoogleCredential, type ServiceAccountKey } from './key.js';
import { JWT_BEARER_GRANT, mintAccessToken } from './token-service.js';

/**
 * Minting against the fake Google token service, and the mapping of every answer a token service can
 * give (Google's OAuth2 errors, faults, malformed answers) against a scripted loopback server.
 */

const NOW = Date.parse('2026-03-01T10:00:00Z');

function keyOf(file: object): ServiceAccountKey {
  const credential = readGoogleCredential(Secret.from(JSON.stringify(file)));
  if (credential.kind !== 'key') throw new Error('a key was expected');
  return credential.key;
}

describe('minting an access token from the fake Google token service', () => {
  let google: FakeGoogleTokenService;
  const test = makeClient({ allowPrivateNetworks: true, allowAnyPort: true });

  beforeAll(async () => {
    google = await startFakeGoogleTokenService();
  });
  afterAll(async () => {
    await google?.close();
    await test.client.close();
  });

  it('gets a token the fake knows, valid as long as Google says, labelled gcr / mint_access_token', async () => {
    const key = keyOf(google.addServiceAccount('minter', 'acme-prod'));
    const now = Date.now();

    const token = await mintAccessToken(key, {
      http: test.client,
      signal: new AbortController().signal,
      tokenUri: new URL(google.tokenUri),
      scopes: [CLOUD_PLATFORM_SCOPE],
      now: () => now,
    });

    expect(google.isValidAccessToken(token.value)).toBe(true);
    expect(google.accountOf(token.value)).toBe('minter@acme-prod.iam.gserviceaccount.com');
    expect(token.expiresInSeconds).toBe(3599);
    expect(token.expiresAt).toBe(now + 3_599_000);
    expect(google.violations).toEqual([]);
    const metrics = await test.registry.getSingleMetricAsString('integrations_outbound_requests_total');
    expect(metrics).toContain('provider="gcr",operation="mint_access_token",status_class="2xx"');
  });
});

describe('what a token service answers, mapped', () => {
  let server: LoopbackServer;
  let answers: { status: number; body: string; headers?: Record<string, string> }[] = [];
  const test = makeClient({ allowPrivateNetworks: true, allowAnyPort: true });
  const key = keyOf(standaloneKey());

  beforeAll(async () => {
    server = await startServer((_request, response, n) => {
      const answer = answers[Math.min(n, answers.length) - 1]!;
      response
        .writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers })
        .end(answer.body);
    });
  });
  afterEach(() => {
    server.requests.length = 0;
  });
  afterAll(async () => {
    await server?.close();
    await test.client.close();
  });

  /** Mints against answers given in order (the last one repeats); the error, or the token. */
  async function mint(...given: { status: number; body: unknown; headers?: Record<string, string> }[]) {
    answers = given.map((answer) => ({
      status: answer.status,
      body: typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body),
      ...(answer.headers ? { headers: answer.headers } : {}),
    }));
    try {
      return await mintAccessToken(key, {
        http: test.client,
        signal: new AbortController().signal,
        tokenUri: new URL(server.url('/token')),
        scopes: [CLOUD_PLATFORM_SCOPE],
        now: () => NOW,
      });
    } catch (error) {
      return error as Error;
    }
  }

  it('sends one form POST: the jwt-bearer grant and the signed assertion, nothing else', async () => {
    const token = await mint({
      status: 200,
      body: { access_token: 'ya29.ok', expires_in: 3599, token_type: 'Bearer' },
    });

    const [request] = server.requests;
    const form = new URLSearchParams(request?.body);
    expect(token).toEqual({ value: 'ya29.ok', expiresInSeconds: 3599, expiresAt: NOW + 3_599_000 });
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect([...form.keys()]).toEqual(['grant_type', 'assertion']);
    expect(form.get('grant_type')).toBe(JWT_BEARER_GRANT);
    expect(form.get('assertion')?.split('.')).toHaveLength(3);
  });

  it.each([
    [
      'a deleted or disabled key',
      { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' },
      'refused',
      /refused the key of scanner@acme-prod\.iam\.gserviceaccount\.com \(invalid_grant: Invalid JWT Signature\.\); the key was deleted or disabled.*create a new JSON key/,
    ],
    [
      'a clock that is off',
      {
        error: 'invalid_grant',
        error_description:
          'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.',
      },
      'refused',
      /short-lived token.*clock is probably off.*NTP/,
    ],
    [
      'an unknown account',
      { error: 'invalid_grant', error_description: 'Invalid grant: account not found' },
      'refused',
      /does not exist or is disabled/,
    ],
    [
      'an unknown client',
      { error: 'invalid_client', error_description: 'The OAuth client was not found.' },
      'refused',
      /invalid_client: The OAuth client was not found\..*create a new JSON key/,
    ],
    [
      'an unauthorized client',
      {
        error: 'unauthorized_client',
        error_description: 'Client is unauthorized to retrieve access tokens using this method.',
      },
      'refused',
      /may not use this grant/,
    ],
    [
      'a scope Google refuses',
      { error: 'invalid_scope', error_description: 'Invalid OAuth scope or ID token audience provided.' },
      'not_granted',
      /refused the scopes asked for.*remove config\.scopes/,
    ],
  ] as const)(
    "refuses the credential for %s, in Google's words with the fix",
    async (_what, body, reason, message) => {
      const error = await mint({ status: body.error.includes('client') ? 401 : 400, body });

      expect(error).toBeInstanceOf(RegistryAuthError);
      expect((error as RegistryAuthError).reason).toBe(reason);
      expect((error as Error).message).toMatch(message);
      expect(server.count()).toBe(1);
    },
  );

  it('never quotes the assertion, even from a server that echoes it', async () => {
    const echo: LoopbackServer = await startServer((_request, response, n) => {
      const assertion = new URLSearchParams(echo.requests[n - 1]?.body).get('assertion') ?? '';
      const description = `bad assertion ${assertion}, starting ${assertion.slice(0, 60)}`;
      response
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'invalid_grant', error_description: description }));
    });

    const error = await mintAccessToken(key, {
      http: test.client,
      signal: new AbortController().signal,
      tokenUri: new URL(echo.url('/token')),
      scopes: [CLOUD_PLATFORM_SCOPE],
      now: () => NOW,
    }).catch((caught: Error) => caught);
    const sent = new URLSearchParams(echo.requests[0]?.body).get('assertion') ?? '';
    await echo.close();

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect(sent.length).toBeGreaterThan(100);
    expect((error as Error).message).not.toContain(sent.slice(0, 20));
    expect((error as Error).message).toContain('bad assertion [redacted], starting [redacted]');
  });

  it.each([
    [
      'an OAuth2 error it does not take',
      {
        status: 400,
        body: { error: 'invalid_request', error_description: 'Missing required parameter: assertion' },
      },
      /did not take the request \(invalid_request: Missing required parameter: assertion\); is config\.tokenUri/,
    ],
    [
      'a 400 without an OAuth2 error',
      { status: 400, body: { message: 'bad' } },
      /answered HTTP 400 without an OAuth2 error/,
    ],
    [
      'a 404 page',
      { status: 404, body: '<html>Not Found</html>' },
      /HTTP 404 with something that is not JSON .*check config\.tokenUri/,
    ],
    [
      'a 200 that is not JSON',
      { status: 200, body: '<html>login</html>' },
      /HTTP 200 with something that is not JSON/,
    ],
    ['a 200 that is a list', { status: 200, body: [] }, /JSON that is not an object/],
    ['no access_token', { status: 200, body: { expires_in: 3599, token_type: 'Bearer' } }, /no access_token/],
    [
      'an access_token with spaces',
      { status: 200, body: { access_token: 'ya29 x', expires_in: 3599, token_type: 'Bearer' } },
      /not a token/,
    ],
    [
      'a huge access_token',
      { status: 200, body: { access_token: 'y'.repeat(5000), expires_in: 3599, token_type: 'Bearer' } },
      /not a token/,
    ],
    [
      'another token_type',
      { status: 200, body: { access_token: 'ya29.x', expires_in: 3599, token_type: 'mac' } },
      /token_type that is not Bearer \(mac\)/,
    ],
    [
      'expires_in as text',
      { status: 200, body: { access_token: 'ya29.x', expires_in: '3599', token_type: 'Bearer' } },
      /expires_in that is not a number of seconds/,
    ],
    [
      'expires_in zero',
      { status: 200, body: { access_token: 'ya29.x', expires_in: 0, token_type: 'Bearer' } },
      /expires_in that is not a number of seconds/,
    ],
  ] as const)('calls %s a protocol error', async (_what, answer, message) => {
    const error = await mint(answer);

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses a body larger than any token answer, permanently', async () => {
    const error = await mint({ status: 200, body: { access_token: 'ya29.x', padding: 'p'.repeat(70_000) } });

    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).isTransient).toBe(false);
    expect((error as Error).message).toMatch(/could not issue an access token/);
  });

  it('retries 503 and 429 (the POST is safe to repeat), then says it is transient, without the body', async () => {
    const recovered = await mint(
      { status: 503, body: { error: 'backendError' } },
      { status: 429, body: 'slow down', headers: { 'retry-after': '1' } },
      { status: 200, body: { access_token: 'ya29.late', expires_in: 3599, token_type: 'Bearer' } },
    );
    const recoveredTries = server.count();
    server.requests.length = 0;

    const failed = await mint({ status: 503, body: 'echo: grant_type=urn%3Aietf' });

    expect(recovered).toMatchObject({ value: 'ya29.late' });
    expect(recoveredTries).toBe(3);
    expect(failed).toBeInstanceOf(UpstreamError);
    expect((failed as UpstreamError).isTransient).toBe(true);
    expect((failed as Error).message).toMatch(
      /could not issue an access token: POST .* failed: HTTP 503 after 3 attempts; try again later/,
    );
    expect((failed as UpstreamError).details).toBeUndefined();
    expect(server.count()).toBe(3);
  });
});
