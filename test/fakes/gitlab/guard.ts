import type { FakeRequest, FakeResponse, Guarded } from '../openapi/contract-server.js';
import type { RateLimiter } from './rate-limit.js';
import { ACCESS, type FakeGitLabStore, type FakeProject, type FakeToken, findProject, iso } from './state.js';

/**
 * Authentication and authorisation as GitLab does them before an endpoint runs: the token (`PRIVATE-TOKEN`
 * or `Authorization: Bearer`; `JOB-TOKEN` only where a CI job token is accepted), its scopes, then the
 * project (404 when the caller may not see it) and the caller's role in it.
 * https://docs.gitlab.com/ee/api/rest/authentication.html, https://docs.gitlab.com/ee/user/permissions.html
 */

/** What the guard found out, for the routes. */
export interface Grant {
  readonly token: FakeToken;
  readonly project: FakeProject | undefined;
  /** The caller's member role in `project` (0: not a member). */
  readonly access: number;
  readonly rateHeaders: Readonly<Record<string, string>>;
}

const STATUS_POST = 'postApiV4ProjectsIdStatusesSha';

/** The only operation the fake lets a CI job token reach. */
export const JOB_TOKEN_OPERATIONS: ReadonlySet<string> = new Set([STATUS_POST]);

/** Any scope may read the token itself ("any token regardless of scope should be able to view itself"). */
const ANY_SCOPE = new Set(['getApiV4PersonalAccessTokensSelf']);
/** Reads that `read_user` also opens. */
const USER_READS = new Set(['getApiV4User', 'getApiV4Version', 'getApiV4Metadata']);

/** The role each project operation needs; reporter unless listed. */
const NEEDS: Readonly<Record<string, number>> = {
  getApiV4ProjectsId: ACCESS.guest,
  [STATUS_POST]: ACCESS.developer,
  // `read_pipeline` and `read_build`: the route weighs the role against the project's CI/CD settings.
  getApiV4ProjectsIdPipelines: ACCESS.guest,
  // `read_project_runners` (`authorize! :read_project_runners` before every project runner route).
  getApiV4ProjectsIdRunners: ACCESS.maintainer,
};

const json = (status: number, body: unknown, headers: Readonly<Record<string, string>>): FakeResponse => ({
  status,
  headers,
  body,
});

const invalidToken = (description: string, headers: Readonly<Record<string, string>>) =>
  json(
    401,
    { error: 'invalid_token', error_description: description },
    {
      ...headers,
      'www-authenticate': `Bearer realm="", error="invalid_token", error_description="${description}"`,
    },
  );

/**
 * @example
 * const { guarded, grant } = authorize(store, limiter, request, Date.now());
 */
export function authorize(
  store: FakeGitLabStore,
  limiter: RateLimiter,
  request: FakeRequest,
  nowMs: number,
): { readonly guarded?: Guarded; readonly grant?: Grant } {
  const { headers: rateHeaders, exhausted } = limiter.take();
  if (exhausted) {
    return { guarded: { response: { status: 429, headers: rateHeaders, body: 'Retry later\n' } } };
  }
  const operationId = request.operation.operationId;
  const unauthorized = json(401, { message: '401 Unauthorized' }, rateHeaders);
  const problems: string[] = [];
  const privateToken = request.headers['private-token'];
  const authorization = request.headers.authorization;
  const jobToken = request.headers['job-token'];
  const sent = [privateToken, authorization, jobToken].filter((value) => value !== undefined);
  if (sent.length > 1) problems.push('more than one of PRIVATE-TOKEN, Authorization and JOB-TOKEN sent');
  let value = privateToken ?? jobToken;
  if (value === undefined && authorization !== undefined) {
    const [scheme = '', credential = ''] = authorization.split(/\s+/, 2);
    if (!/^bearer$/i.test(scheme)) {
      problems.push(`GitLab takes 'Authorization: Bearer <token>', not '${scheme} …'`);
      return { guarded: { problems, response: unauthorized } };
    }
    value = credential;
  }
  const token = value === undefined ? undefined : store.tokens.get(value);
  const asJob = privateToken === undefined && jobToken !== undefined;
  if (!token || (token.kind === 'job') !== asJob) return { guarded: { problems, response: unauthorized } };
  if (asJob && !JOB_TOKEN_OPERATIONS.has(operationId))
    return { guarded: { problems, response: unauthorized } };
  if (token.revoked) {
    return {
      guarded: {
        problems,
        response: invalidToken('Token was revoked. You have to re-authorize from the user.', rateHeaders),
      },
    };
  }
  if (token.expiresAt !== null && nowMs >= Date.parse(`${token.expiresAt}T00:00:00Z`)) {
    const description = 'Token is expired. You can either do re-authorization or token refresh.';
    return { guarded: { problems, response: invalidToken(description, rateHeaders) } };
  }
  token.lastUsedAt = iso(nowMs);

  if (!asJob && !ANY_SCOPE.has(operationId)) {
    const needed =
      request.method !== 'GET'
        ? ['api']
        : USER_READS.has(operationId)
          ? ['api', 'read_api', 'read_user']
          : ['api', 'read_api'];
    if (!needed.some((scope) => token.scopes.includes(scope))) {
      const body = {
        error: 'insufficient_scope',
        error_description: 'The request requires higher privileges than provided by the access token.',
        scope: needed.join(' '),
      };
      return { guarded: { problems, response: json(403, body, rateHeaders) } };
    }
  }

  const projectId = request.operation.params.id;
  if (projectId === undefined)
    return { guarded: { problems }, grant: { token, project: undefined, access: 0, rateHeaders } };
  const project = findProject(store, projectId);
  const access = project?.members.get(token.user.id) ?? 0;
  const visible = access > 0 || project?.visibility === 'public' || project?.visibility === 'internal';
  if (!project || !visible) {
    return { guarded: { problems, response: json(404, { message: '404 Project Not Found' }, rateHeaders) } };
  }
  const needs = NEEDS[operationId] ?? ACCESS.reporter;
  // Any signed-in user may read a public or internal project's merge requests and comment on them.
  const effective = project.visibility === 'private' ? access : Math.max(access, ACCESS.reporter);
  if (effective < needs) {
    return { guarded: { problems, response: json(403, { message: '403 Forbidden' }, rateHeaders) } };
  }
  return { guarded: { problems }, grant: { token, project, access, rateHeaders } };
}
