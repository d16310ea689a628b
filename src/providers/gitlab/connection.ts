import type { HttpResponse } from '../../net/index.js';
import { caOf } from '../../plugins/ca-certificate.js';
import type { ConnectionCheck, HealthCheckResult, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import { describeFailure, statusOf } from './errors.js';
import { ProjectSchema, parse, TokenSelfSchema, VersionSchema } from './responses.js';
import type { GitLabSession } from './session.js';

/** Configured projects a connection test checks at most (one request each). */
export const MAX_TESTED_PROJECTS = 10;
/** A token expiring within this many days makes health degraded and the test say so. */
export const EXPIRY_WARNING_DAYS = 14;
/** Below this share of the rate limit left, health is degraded. */
export const DEGRADED_QUOTA_SHARE = 0.1;

/** GitLab's roles by access level; notes need Reporter, commit statuses Developer. */
const REPORTER = 20;
const DEVELOPER = 30;
const ROLES: Readonly<Record<number, string>> = {
  10: 'Guest',
  15: 'Planner',
  20: 'Reporter',
  30: 'Developer',
  40: 'Maintainer',
  50: 'Owner',
};

/** What a kind of integration needs of the token's scopes. */
export interface TokenNeed {
  /** Any one of these scopes will do (the first the token has is named). */
  readonly anyOf: readonly [string, ...string[]];
  /** What goes without it, for the message: `notes and statuses need api`. */
  readonly missing: string;
  /** What will show a missing scope when the token's scopes cannot be read: `writes will tell`. */
  readonly untold: string;
}

/** `scm`: notes, discussions and statuses are writes. */
export const SCM_TOKEN_NEED: TokenNeed = {
  anyOf: ['api'],
  missing: 'notes and statuses need api',
  untold: 'writes will tell',
};

/**
 * The steps every kind of `gitlab` integration starts with (reference scm-platforms.md §8): GitLab's API
 * answers at the endpoint (`GET /version` without a token: 401 still proves it); the token is accepted
 * (`GET /user`); its scopes and expiry (`GET /personal_access_tokens/self`, for personal, project and
 * group tokens); the version. `reached` is false when a step the rest depends on failed.
 */
export async function commonSteps(
  session: GitLabSession,
  now: Date,
  need: TokenNeed,
): Promise<{ checks: ConnectionCheck[]; reached: boolean }> {
  const checks: ConnectionCheck[] = [];

  let probe: HttpResponse;
  try {
    probe = await session.context.http.request({
      method: 'GET',
      url: `${session.urls.api}/version`,
      signal: session.context.signal,
      ...caOf(session.config),
      provider: 'gitlab',
      operation: 'ping',
      okStatuses: [401, 403, 404],
    });
  } catch (error) {
    checks.push({ name: 'reachable', ok: false, message: describeFailure(error).message });
    return { checks, reached: false };
  }
  if (probe.status === 404) {
    checks.push({
      name: 'reachable',
      ok: false,
      message: `${session.urls.api} answered 404: not GitLab's API; check the endpoint (and its relative root)`,
    });
    return { checks, reached: false };
  }
  checks.push({ name: 'reachable', ok: true, message: `${session.urls.api} answered HTTP ${probe.status}` });

  try {
    const me = await session.me();
    checks.push({ name: 'authenticated', ok: true, message: `the token acts as @${me.username}` });
  } catch (error) {
    checks.push({ name: 'authenticated', ok: false, message: describeFailure(error).message });
    return { checks, reached: false };
  }

  checks.push(await tokenCheck(session, now, need));

  try {
    const { version } = await session.read(VersionSchema, {
      method: 'GET',
      path: '/version',
      operation: 'get_version',
    });
    checks.push({ name: 'version', ok: true, message: `GitLab ${version}` });
  } catch (error) {
    checks.push({ name: 'version', ok: false, message: describeFailure(error).message });
  }
  return { checks, reached: true };
}

/**
 * The connection test of an `scm` integration: the common steps, then for each configured project the
 * token's user has a role that can comment (Reporter) and set statuses (Developer).
 */
export async function testConnection(session: GitLabSession, now: Date): Promise<TestConnectionResult> {
  const { checks, reached } = await commonSteps(session, now, SCM_TOKEN_NEED);
  if (reached) {
    for (const path of (session.config.repositories ?? []).slice(0, MAX_TESTED_PROJECTS)) {
      checks.push(await projectCheck(session, path));
    }
  }
  return connectionResult(checks, `connected to GitLab at ${session.urls.web}`);
}

/** The share of GitLab's rate limit left by an answer's `RateLimit-*` headers, when it sent them. */
export function quotaLeft(
  headers: Readonly<Record<string, string | undefined>>,
): { remaining: number; limit: number; share: number } | undefined {
  const remaining = Number(headers['ratelimit-remaining']);
  const limit = Number(headers['ratelimit-limit']);
  if (!Number.isFinite(remaining) || !Number.isFinite(limit) || limit <= 0) return undefined;
  return { remaining, limit, share: remaining / limit };
}

/** The words for a nearly spent rate limit. */
export const quotaMessage = (quota: { remaining: number; limit: number }) =>
  `GitLab's rate limit is nearly spent: ${quota.remaining} of ${quota.limit} requests left`;

/** Health: the API answers with the token; degraded when the rate limit is nearly spent or the token expires soon. */
export async function checkHealth(session: GitLabSession, now: Date): Promise<HealthCheckResult> {
  const response = await session.call({ method: 'GET', path: '/version', operation: 'health' });
  const version = parse(VersionSchema, response.json(), 'GET /version').version;
  const quota = quotaLeft(response.headers);
  if (quota && quota.share < DEGRADED_QUOTA_SHARE)
    return { status: 'degraded', message: quotaMessage(quota) };
  const token = await tokenCheck(session, now, SCM_TOKEN_NEED);
  if (!token.ok || /expires/.test(token.message)) return { status: 'degraded', message: token.message };
  return { status: 'healthy', message: `GitLab ${version} answers; the token is accepted` };
}

/** The token's scopes and expiry, against what the integration needs. */
export async function tokenCheck(
  session: GitLabSession,
  now: Date,
  need: TokenNeed,
): Promise<ConnectionCheck> {
  let token: { scopes: string[]; expires_at?: string | null | undefined };
  try {
    token = await session.read(TokenSelfSchema, {
      method: 'GET',
      path: '/personal_access_tokens/self',
      operation: 'get_token',
    });
  } catch (error) {
    const status = statusOf(error);
    if (status === 401 || status === 403 || status === 404)
      return {
        name: 'token',
        ok: true,
        message: `the token's scopes cannot be read (an OAuth token?); ${need.untold}`,
      };
    return { name: 'token', ok: false, message: describeFailure(error).message };
  }
  const scope = need.anyOf.find((wanted) => token.scopes.includes(wanted));
  if (scope === undefined)
    return {
      name: 'token',
      ok: false,
      message: `the token has the scopes ${token.scopes.join(', ') || 'none'}; ${need.missing}`,
    };
  const expires = token.expires_at ? Date.parse(token.expires_at) : Number.NaN;
  const days = (expires - now.getTime()) / 86_400_000;
  if (Number.isFinite(days) && days < EXPIRY_WARNING_DAYS)
    return {
      name: 'token',
      ok: true,
      message: `scope ${scope}; the token expires on ${token.expires_at} (in ${Math.max(0, Math.floor(days))} days)`,
    };
  return {
    name: 'token',
    ok: true,
    message: token.expires_at
      ? `scope ${scope}; valid until ${token.expires_at}`
      : `scope ${scope}; no expiry`,
  };
}

async function projectCheck(session: GitLabSession, path: string): Promise<ConnectionCheck> {
  const name = `project ${path}`;
  try {
    const project = await session.read(ProjectSchema, {
      method: 'GET',
      path: `/projects/${encodeURIComponent(path)}`,
      operation: 'get_project',
    });
    const level = Math.max(
      project.permissions?.project_access?.access_level ?? 0,
      project.permissions?.group_access?.access_level ?? 0,
    );
    const role = ROLES[level] ?? (level === 0 ? 'no role' : `access level ${level}`);
    if (level >= DEVELOPER)
      return { name, ok: true, message: `${role}: can comment and set commit statuses` };
    if (level >= REPORTER)
      return {
        name,
        ok: false,
        message: `${role}: can comment, but commit statuses need the Developer role`,
      };
    return { name, ok: false, message: `${role}: commenting needs Reporter and commit statuses Developer` };
  } catch (error) {
    return { name, ok: false, message: describeFailure(error).message };
  }
}
