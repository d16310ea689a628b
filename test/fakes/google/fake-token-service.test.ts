import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GOOGLE_ERRORS } from './assertion.js';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  type FakeGoogleTokenService,
  JWT_BEARER_GRANT,
  startFakeGoogleTokenService,
} from './fake-token-service.js';
import type { ServiceAccountKeyFile } from './service-accounts.js';

/**
 * The fake token service's own rules: it mints only for an assertion Google would accept, answers
 * Google's error JSON for each failure, and records a violation only for what a correct client never
 * sends (a refused key, clock or scope is Google's business, not a client bug).
 */

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform';
let clock = Date.now();
let google: FakeGoogleTokenService;
let key: ServiceAccountKeyFile;

interface Parts {
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
  readonly privateKey?: string;
}

/** An assertion for `key`, with header fields and claims replaced (undefined removes one). */
function assertion(parts: Parts = {}, signer: ServiceAccountKeyFile = key): string {
  const iat = Math.floor(clock / 1000);
  const header = strip({ alg: 'RS256', typ: 'JWT', kid: signer.private_key_id, ...parts.header });
  const claims = strip({
    iss: signer.client_email,
    scope: CLOUD_PLATFORM,
    aud: google.tokenUri,
    iat,
    exp: iat + 3600,
    ...parts.claims,
  });
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode(header)}.${encode(claims)}`;
  const privateKey = createPrivateKey(parts.privateKey ?? signer.private_key);
  return `${signed}.${sign('sha256', Buffer.from(signed), privateKey).toString('base64url')}`;
}

function strip(value: Record<string, unknown>) {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined));
}

async function post(body: string, init: { contentType?: string; method?: string; path?: string } = {}) {
  const url = google.tokenUri.replace(/\/token$/, init.path ?? '/token');
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': init.contentType ?? 'application/x-www-form-urlencoded' },
    ...(init.method === 'GET' ? {} : { body }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const exchange = (token: string) => post(form({ grant_type: JWT_BEARER_GRANT, assertion: token }));

beforeAll(async () => {
  google = await startFakeGoogleTokenService({ now: () => clock });
  key = google.addServiceAccount('scanner', 'acme-prod');
});
afterAll(async () => {
  await google?.close();
});

describe('the fake Google token service', () => {
  it('mints a remembered access token for an assertion Google would accept', async () => {
    const before = google.violations.length;

    const answer = await exchange(assertion());

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      access_token: expect.stringMatching(/^ya29\./),
      expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
      token_type: 'Bearer',
    });
    const token = answer.body.access_token as string;
    expect(google.isValidAccessToken(token)).toBe(true);
    expect(google.accountOf(token)).toBe('scanner@acme-prod.iam.gserviceaccount.com');
    expect(google.minted.at(-1)?.scopes).toEqual([CLOUD_PLATFORM]);
    expect(google.isValidAccessToken('ya29.never-minted')).toBe(false);
    expect(google.violations.length).toBe(before);
  });

  it('forgets a token once it expires by its clock', async () => {
    const token = (await exchange(assertion())).body.access_token as string;

    clock += ACCESS_TOKEN_LIFETIME_SECONDS * 1000;
    const after = google.isValidAccessToken(token);
    clock -= ACCESS_TOKEN_LIFETIME_SECONDS * 1000;

    expect(after).toBe(false);
    expect(google.isValidAccessToken(token)).toBe(true);
  });

  it.each([
    [
      'a JSON body',
      () =>
        post(JSON.stringify({ grant_type: JWT_BEARER_GRANT, assertion: assertion() }), {
          contentType: 'application/json',
        }),
      400,
      'unsupported_grant_type',
      /Content-Type/,
    ],
    [
      'an extra field',
      () => post(form({ grant_type: JWT_BEARER_GRANT, assertion: assertion(), scope: CLOUD_PLATFORM })),
      400,
      'invalid_request',
      /unexpected form fields: scope/,
    ],
    [
      'two assertions',
      () => post(`${form({ grant_type: JWT_BEARER_GRANT, assertion: assertion() })}&assertion=x`),
      400,
      'invalid_request',
      /exactly once/,
    ],
    [
      'no assertion',
      () => post(form({ grant_type: JWT_BEARER_GRANT })),
      400,
      'invalid_request',
      /exactly once/,
    ],
    [
      'another grant type',
      () => post(form({ grant_type: 'client_credentials', assertion: assertion() })),
      400,
      'unsupported_grant_type',
      /grant_type must be/,
    ],
    ['a GET', () => post('', { method: 'GET' }), 405, 'invalid_request', /takes POST/],
    [
      'another path',
      () =>
        post(form({ grant_type: JWT_BEARER_GRANT, assertion: assertion() }), { path: '/oauth2/v4/token' }),
      404,
      'not_found',
      /no such endpoint/,
    ],
    ['a JWT that is not one', () => exchange('not.a-jwt'), 400, 'invalid_grant', /three base64url parts/],
    [
      'alg HS256',
      () => exchange(assertion({ header: { alg: 'HS256' } })),
      400,
      'invalid_grant',
      /alg must be RS256/,
    ],
    [
      'no typ',
      () => exchange(assertion({ header: { typ: undefined } })),
      400,
      'invalid_grant',
      /typ must be JWT/,
    ],
    ['no kid', () => exchange(assertion({ header: { kid: undefined } })), 400, 'invalid_grant', /no kid/],
    [
      'another audience',
      () => exchange(assertion({ claims: { aud: 'https://oauth2.googleapis.com/token' } })),
      400,
      'invalid_grant',
      /aud must be/,
    ],
    [
      'a two-hour lifetime',
      () => exchange(assertion({ claims: { exp: Math.floor(clock / 1000) + 7200 } })),
      400,
      'invalid_grant',
      /at most an hour/,
    ],
    [
      'no scope',
      () => exchange(assertion({ claims: { scope: undefined } })),
      400,
      'invalid_scope',
      /no scope/,
    ],
    [
      'a sub (delegation)',
      () => exchange(assertion({ claims: { sub: 'someone@example.com' } })),
      400,
      'invalid_grant',
      /domain-wide delegation/,
    ],
    [
      'an unknown claim',
      () => exchange(assertion({ claims: { target_audience: 'x' } })),
      400,
      'invalid_grant',
      /unexpected JWT claims/,
    ],
  ] as const)('refuses %s as a protocol violation', async (_name, send, status, error, violation) => {
    const before = google.violations.length;

    const answer = await send();

    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    expect(typeof answer.body.error_description).toBe('string');
    expect(google.violations.slice(before)).toEqual([expect.stringMatching(violation)]);
  });

  it("refuses what Google refuses a correct client, in Google's words and without a violation", async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const second = google.addServiceAccount('second', 'acme-prod');
    const before = google.violations.length;
    const now = Math.floor(clock / 1000);

    const answers = {
      signature: await exchange(assertion({ privateKey: other })),
      unknownKid: await exchange(assertion({ header: { kid: 'f'.repeat(40) } })),
      unknownAccount: await exchange(
        assertion({ claims: { iss: 'ghost@acme-prod.iam.gserviceaccount.com' } }),
      ),
      unknownScope: await exchange(
        assertion({ claims: { scope: `${CLOUD_PLATFORM} https://www.googleapis.com/auth/nonsense` } }),
      ),
      future: await exchange(assertion({ claims: { iat: now + 600, exp: now + 1200 } })),
      expired: await exchange(assertion({ claims: { iat: now - 7200, exp: now - 3600 } })),
      slightlyAhead: await exchange(assertion({ claims: { iat: now + 240, exp: now + 3600 } })),
      narrowScope: await exchange(
        assertion({ claims: { scope: 'https://www.googleapis.com/auth/devstorage.read_only' } }, second),
      ),
    };

    expect(answers.signature.body).toEqual(GOOGLE_ERRORS.signature);
    expect(answers.unknownKid.body).toEqual(GOOGLE_ERRORS.signature);
    expect(answers.unknownAccount.body).toEqual(GOOGLE_ERRORS.account);
    expect(answers.unknownScope.body).toEqual(GOOGLE_ERRORS.unknownScope);
    expect(answers.future.body).toEqual(GOOGLE_ERRORS.lifetime);
    expect(answers.expired.body).toEqual(GOOGLE_ERRORS.lifetime);
    expect(answers.slightlyAhead.status).toBe(200);
    expect(answers.narrowScope.status).toBe(200);
    expect(google.violations.length).toBe(before);
  });

  it('refuses a disabled key and a disabled account as a bad signature; other keys still work', async () => {
    const account = google.addServiceAccount('rotating', 'acme-prod');
    const fresh = google.addKey(account.client_email);
    google.disableKey(account.private_key_id);
    const old = await exchange(assertion({}, account));
    const current = await exchange(assertion({}, fresh));

    google.disableAccount(account.client_email);
    const disabled = await exchange(assertion({}, fresh));

    expect(old).toEqual({ status: 400, body: GOOGLE_ERRORS.signature });
    expect(current.status).toBe(200);
    expect(disabled).toEqual({ status: 400, body: GOOGLE_ERRORS.signature });
  });

  it('answers injected faults for the next requests, and counts every request', async () => {
    const before = google.requests.length;
    google.inject({ status: 503, body: { error: 'internal_failure' } }, 2);
    google.inject({ status: 429, headers: { 'retry-after': '1' } });

    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await exchange(assertion())).status);

    expect(statuses).toEqual([503, 503, 429, 200]);
    expect(google.requests.slice(before).map((request) => request.injected)).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});
