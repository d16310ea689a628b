import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AssertionCheck, checkAssertion, GOOGLE_ERRORS, type GoogleError } from './assertion.js';
import {
  emailOf,
  newAccount,
  newKey,
  type ServiceAccount,
  type ServiceAccountKeyFile,
} from './service-accounts.js';

/*
 * A fake of Google's OAuth2 token service (`https://oauth2.googleapis.com/token`) on 127.0.0.1, for
 * the JWT bearer grant a service account uses ("Using OAuth 2.0 for Server to Server Applications",
 * RFC 7523). It holds requests to the protocol: `POST /token`, `Content-Type:
 * application/x-www-form-urlencoded`, exactly the fields `grant_type` (the JWT bearer URN) and
 * `assertion`, once each; the assertion checked as `assertion.ts` says. It answers Google's shapes:
 * `{ access_token, expires_in: 3599, token_type: 'Bearer' }`, or HTTP 400 with
 * `{ error, error_description }` in Google's words. Access tokens are random and remembered until they
 * expire by the fake's clock, so a test registry can accept exactly the tokens minted here.
 */

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** What Google answers as `expires_in`: an hour less a second. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 3599;
const MAX_BODY_BYTES = 64 * 1024;

export interface MintRecord {
  readonly email: string;
  readonly scopes: readonly string[];
  readonly expiresAt: number;
}

/** One request as the fake saw it and answered it. */
export interface TokenRequestRecord {
  readonly status: number;
  /** The account named by `iss`, when the assertion could be read. */
  readonly error?: string;
  readonly injected: boolean;
}

export interface InjectedAnswer {
  readonly status: number;
  readonly body?: string | object;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface FakeGoogleTokenService {
  /** `http://127.0.0.1:<port>/token`: the `aud` assertions must carry, and what `config.tokenUri` names. */
  readonly tokenUri: string;
  /**
   * A service account in `projectId` (default `test-project`) with a first key; `name` is the part
   * of the email before `@`. Returns the key file, as Google would let it be downloaded.
   */
  addServiceAccount(name: string, projectId?: string): ServiceAccountKeyFile;
  /** Another key of a known account. */
  addKey(email: string): ServiceAccountKeyFile;
  disableKey(keyId: string): void;
  disableAccount(email: string): void;
  /** Whether `token` was minted here and has not expired by the fake's clock. */
  isValidAccessToken(token: string): boolean;
  /** The account a valid token was minted for. */
  accountOf(token: string): string | undefined;
  /** The next `times` requests (after their checks are recorded) get this answer instead. */
  inject(answer: InjectedAnswer, times?: number): void;
  /** Every request, in order. */
  readonly requests: readonly TokenRequestRecord[];
  /** Every token minted, in order. */
  readonly minted: readonly MintRecord[];
  /** Requests that broke the protocol: a test of a client asserts this stays empty. */
  readonly violations: readonly string[];
  close(): Promise<void>;
}

export interface FakeGoogleOptions {
  /** The fake's clock, epoch ms (default `Date.now`): a client whose clock is off can be played. */
  readonly now?: () => number;
}

/**
 * @example
 * const google = await startFakeGoogleTokenService();
 * const key = google.addServiceAccount('scanner');
 * const registry = await startRegistry({ auth: 'token', accountCheck: (u, p) =>
 *   u === 'oauth2accesstoken' && google.isValidAccessToken(p) ? 'reader' : undefined });
 */
export async function startFakeGoogleTokenService(
  options: FakeGoogleOptions = {},
): Promise<FakeGoogleTokenService> {
  const now = options.now ?? Date.now;
  const accounts = new Map<string, ServiceAccount>();
  const tokens = new Map<string, MintRecord>();
  const requests: TokenRequestRecord[] = [];
  const minted: MintRecord[] = [];
  const violations: string[] = [];
  const injected: { answer: InjectedAnswer; left: number }[] = [];
  let tokenUri = '';

  function answer(
    request: IncomingMessage,
    body: Buffer | undefined,
  ): { status: number; body: GoogleError | object } {
    const broken = (status: number, error: GoogleError, why: string) => {
      violations.push(why);
      return { status, body: error };
    };
    if (request.url !== '/token')
      return broken(
        404,
        { error: 'not_found', error_description: 'Not Found' },
        `${request.method} ${request.url}: no such endpoint`,
      );
    if (request.method !== 'POST')
      return broken(
        405,
        { error: 'invalid_request', error_description: 'Method Not Allowed' },
        `${request.method} /token: the token endpoint takes POST`,
      );
    if (body === undefined)
      return broken(413, GOOGLE_ERRORS.request, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded')
      return broken(
        400,
        GOOGLE_ERRORS.grantType,
        `Content-Type must be application/x-www-form-urlencoded, not '${type}'`,
      );
    const form = new URLSearchParams(body.toString('utf8'));
    const names = [...form.keys()];
    const unknown = names.filter((name) => name !== 'grant_type' && name !== 'assertion');
    if (unknown.length)
      return broken(400, GOOGLE_ERRORS.request, `unexpected form fields: ${unknown.join(', ')}`);
    if (form.getAll('grant_type').length !== 1 || form.getAll('assertion').length !== 1)
      return broken(400, GOOGLE_ERRORS.request, 'grant_type and assertion must each come exactly once');
    const grantType = form.get('grant_type');
    if (grantType !== JWT_BEARER_GRANT)
      return broken(
        400,
        { ...GOOGLE_ERRORS.grantType, error_description: `Invalid grant_type: ${grantType}` },
        `grant_type must be ${JWT_BEARER_GRANT}`,
      );
    const check: AssertionCheck = checkAssertion(
      form.get('assertion') ?? '',
      accounts,
      tokenUri,
      Math.floor(now() / 1000),
    );
    if (!check.ok) {
      if (check.violation) violations.push(check.violation);
      return { status: 400, body: check.answer };
    }
    const token = `ya29.${randomBytes(48).toString('base64url')}`;
    const record = {
      email: check.email,
      scopes: check.scopes,
      expiresAt: now() + ACCESS_TOKEN_LIFETIME_SECONDS * 1000,
    };
    tokens.set(token, record);
    minted.push(record);
    return {
      status: 200,
      body: { access_token: token, expires_in: ACCESS_TOKEN_LIFETIME_SECONDS, token_type: 'Bearer' },
    };
  }

  function respond(request: IncomingMessage, response: ServerResponse, body: Buffer | undefined) {
    const made = answer(request, body);
    const next = injected[0];
    if (next) {
      next.left -= 1;
      if (next.left <= 0) injected.shift();
      const text =
        typeof next.answer.body === 'string' ? next.answer.body : JSON.stringify(next.answer.body ?? {});
      requests.push({ status: next.answer.status, injected: true });
      response.writeHead(next.answer.status, {
        'content-type': 'application/json; charset=utf-8',
        ...next.answer.headers,
      });
      response.end(text);
      return;
    }
    const error = (made.body as Partial<GoogleError>).error;
    requests.push({ status: made.status, injected: false, ...(error ? { error } : {}) });
    response.writeHead(made.status, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
    });
    response.end(JSON.stringify(made.body));
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    request.on('end', () => respond(request, response, tooLarge ? undefined : Buffer.concat(chunks)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  tokenUri = `http://127.0.0.1:${port}/token`;

  const accountNamed = (email: string) => {
    const account = accounts.get(email);
    if (!account) throw new Error(`the fake knows no service account ${email}`);
    return account;
  };
  const valid = (token: string) => {
    const record = tokens.get(token);
    return record !== undefined && record.expiresAt > now() ? record : undefined;
  };

  return {
    tokenUri,
    addServiceAccount(name, projectId = 'test-project') {
      const account = newAccount(emailOf(name, projectId), projectId);
      accounts.set(account.email, account);
      return newKey(account);
    },
    addKey: (email) => newKey(accountNamed(email)),
    disableKey(keyId) {
      const key = [...accounts.values()].map((account) => account.keys.get(keyId)).find(Boolean);
      if (!key) throw new Error(`the fake knows no key ${keyId}`);
      key.disabled = true;
    },
    disableAccount(email) {
      accountNamed(email).disabled = true;
    },
    isValidAccessToken: (token) => valid(token) !== undefined,
    accountOf: (token) => valid(token)?.email,
    inject(answer, times = 1) {
      injected.push({ answer, left: times });
    },
    requests,
    minted,
    violations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
