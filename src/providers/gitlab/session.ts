import { createHash } from 'node:crypto';
import type { Static, TSchema } from '@sinclair/typebox';
import type { BoundedMap } from '../../core/bounded-map.js';
import { UnprocessableError } from '../../core/errors.js';
import type { HttpResponse, ResponseFacts } from '../../net/index.js';
import { caOf } from '../../plugins/ca-certificate.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { Secret, SecretBundle, type SecretValue } from '../../secrets/index.js';
import { type GitLabUrls, normaliseGitLabBaseUrl } from './base-url.js';
import type { GitLabConfig } from './config.js';
import { statusOf } from './errors.js';
import { type GitLabUser, parse, UserSchema } from './responses.js';

/**
 * One operation's view of GitLab: requests to `<endpoint>/api/v4` with the integration's token
 * (`Authorization: Bearer`, which GitLab takes for personal, project, group and OAuth tokens), a token
 * GitLab refuses re-resolved once (a rotated secret), and lists read page by page (`X-Next-Page`).
 */

const PROVIDER = 'gitlab';
/** At most this many pages of one list (10,000 items at 100 a page). */
export const MAX_PAGES = 100;

/** What the plugin instance keeps across operations: the token's user, per integration and token. */
export interface SharedState {
  readonly users: BoundedMap<GitLabUser>;
}

export interface GitLabCall {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Below `/api/v4`, path parameters already encoded: `/projects/acme%2Fapp/statuses/<sha>`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly json?: unknown;
  /** Fixed metric label, e.g. `create_note`. */
  readonly operation: string;
  /** Statuses returned instead of thrown. */
  readonly okStatuses?: readonly number[];
  /** A write that is safe to repeat (setting a note's body, say). */
  readonly retryable?: boolean;
  /** Sees each answer (every page of a list), e.g. for its `RateLimit-*` headers. */
  readonly onResponse?: (response: HttpResponse) => void;
}

export interface GitLabSession {
  readonly urls: GitLabUrls;
  readonly config: GitLabConfig;
  readonly context: PluginContext<GitLabConfig>;
  call(call: GitLabCall): Promise<HttpResponse>;
  /** `call`, its JSON answer checked against `schema`. */
  read<T extends TSchema>(schema: T, call: GitLabCall): Promise<Static<T>>;
  /** Every page of a list, each checked against `schema` (an array schema), at most MAX_PAGES. */
  pages<T extends TSchema>(schema: T, call: GitLabCall): AsyncGenerator<Static<T>>;
  /** The user the token acts as (`GET /user`), cached per integration and token. */
  me(): Promise<GitLabUser>;
}

export function createSession(context: PluginContext<GitLabConfig>, shared: SharedState): GitLabSession {
  const { integration, http, signal } = context;
  const urls = normaliseGitLabBaseUrl(integration.endpoint);

  async function send(call: GitLabCall, token: string): Promise<HttpResponse> {
    const url = new URL(`${urls.api}${call.path}`);
    for (const [name, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    return http.request({
      method: call.method,
      url,
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      ...(call.json === undefined ? {} : { json: call.json }),
      signal,
      ...caOf(integration.config),
      provider: PROVIDER,
      operation: call.operation,
      ...(call.okStatuses ? { okStatuses: call.okStatuses } : {}),
      ...(call.retryable ? { retryable: true } : {}),
      tryAgainWhen: isResourceLock,
    });
  }

  const call = async (request: GitLabCall) => {
    const response = await context.credentials.withRetry(
      async (credential) => send(request, tokenOf(credential.value)),
      { isRejected: (error) => statusOf(error) === 401 },
    );
    request.onResponse?.(response);
    return response;
  };

  const read = async <T extends TSchema>(schema: T, request: GitLabCall) =>
    parse(schema, (await call(request)).json(), `${request.method} ${request.operation}`);

  async function* pages<T extends TSchema>(schema: T, request: GitLabCall): AsyncGenerator<Static<T>> {
    let page = 1;
    for (let count = 0; count < MAX_PAGES; count++) {
      const response = await call({ ...request, query: { ...request.query, per_page: 100, page } });
      yield parse(schema, response.json(), `${request.method} ${request.operation} page ${page}`);
      const next = Number(response.headers['x-next-page'] ?? '');
      if (!Number.isSafeInteger(next) || next <= page) return;
      page = next;
    }
    context.logger.warn(
      { provider: PROVIDER, operation: request.operation, pages: MAX_PAGES },
      'stopped reading a list after the most pages allowed',
    );
  }

  async function me(): Promise<GitLabUser> {
    const credential = await context.credentials.get();
    // Per token: the store's fingerprint, else a hash kept in memory only. Unsaved integrations (a test
    // before saving) share nothing with later operations.
    const fingerprint =
      credential.fingerprint || createHash('sha256').update(tokenOf(credential.value)).digest('base64url');
    const key =
      integration.id === null
        ? undefined
        : `${integration.tenantId}|${integration.id}|${urls.api}|${fingerprint}`;
    const cached = key === undefined ? undefined : shared.users.get(key);
    if (cached) return cached;
    const user = await read(UserSchema, { method: 'GET', path: '/user', operation: 'get_user' });
    if (key !== undefined) shared.users.set(key, user);
    return user;
  }

  return { urls, config: integration.config, context, call, read, pages, me };
}

/**
 * GitLab's 409 "Resource lock": another request holds the same record and nothing was written, so the
 * outbound client tries the request again by its policy (as Renovate does), even a POST.
 */
function isResourceLock(answer: ResponseFacts): boolean {
  return answer.status === 409 && /resource lock/i.test(answer.bodyText ?? '');
}

/** The token: the secret itself, or the `token` field of an object secret. */
function tokenOf(value: SecretValue): string {
  const token =
    value instanceof Secret
      ? value.reveal()
      : value instanceof SecretBundle && value.has('token')
        ? value.require('token').reveal()
        : undefined;
  if (!token || /\s/.test(token))
    throw new UnprocessableError(
      'credentials_shape',
      'the credential of a gitlab integration is an access token (or an object with the field token)',
    );
  return token;
}
