import { AppError, UpstreamError } from '../../core/errors.js';
import { HttpError, OfflineError } from '../../net/index.js';
import type { FailureDescription } from '../../plugins/guarded.js';

/**
 * The provider's own failures.
 * GitLab's answers are read from `HttpError`, redacted when it was made, so no token is ever quoted.
 */
export class GitLabError extends UpstreamError {
  constructor(message: string, options: { isTransient?: boolean; cause?: unknown } = {}) {
    super(message, { isTransient: options.isTransient ?? false, cause: options.cause });
  }
}

/** The HTTP status of a failure, when GitLab answered. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof HttpError ? error.status : undefined;
}

/**
 * GitLab's own words from the (redacted, cut) body excerpt: `message` as a string, or as an object of
 * field errors (`{"message":{"note":["is too long …"]}}`), or OAuth's `error_description`.
 */
export function gitlabMessage(error: HttpError): string | undefined {
  const body = (error.details as { body?: unknown } | undefined)?.body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: unknown; error_description?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
    if (parsed.message && typeof parsed.message === 'object') {
      return Object.entries(parsed.message as Record<string, unknown>)
        .map(
          ([field, problems]) =>
            `${field} ${Array.isArray(problems) ? problems.join(', ') : String(problems)}`,
        )
        .join('; ');
    }
    if (typeof parsed.error_description === 'string') return parsed.error_description;
    return typeof parsed.error === 'string' ? parsed.error : undefined;
  } catch {
    return /"message"\s*:\s*"([^"]{1,200})"/.exec(body)?.[1];
  }
}

/** What went wrong, in words a user can act on. */
export function describeFailure(error: unknown): FailureDescription {
  if (error instanceof OfflineError)
    return { message: 'offline mode: nothing was sent to GitLab', isTransient: false, offline: true };
  if (error instanceof HttpError) return describeHttp(error);
  if (error instanceof UpstreamError)
    return { message: error.message, isTransient: error.isTransient, offline: false };
  if (error instanceof AppError) return { message: error.message, isTransient: false, offline: false };
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError'))
    return { message: 'the operation was cancelled or ran out of time', isTransient: true, offline: false };
  const name = error instanceof Error ? error.name : typeof error;
  return { message: `unexpected failure (${name})`, isTransient: false, offline: false };
}

function describeHttp(error: HttpError): FailureDescription {
  const said = gitlabMessage(error);
  const quoted = said ? ` (GitLab: ${said.slice(0, 300)})` : '';
  const base = { isTransient: error.isTransient, offline: false };
  switch (error.status) {
    case 401:
      return {
        ...base,
        message: `GitLab refused the token (401)${quoted}: it is wrong, expired or revoked`,
      };
    case 403:
      return {
        ...base,
        message: `GitLab forbade it (403)${quoted}: the token needs the api scope, and its user at least the Developer role on the project`,
      };
    case 404:
      return {
        ...base,
        message: `not found (404)${quoted}: the project, merge request, commit or note does not exist, or the token's user cannot see it`,
      };
    case 429:
      return {
        ...base,
        message: `GitLab's rate limit was reached (429)${error.retryAfterMs === undefined ? '' : `; try again in ${Math.ceil(error.retryAfterMs / 1000)} s`}`,
      };
  }
  if (error.status !== undefined && error.status >= 400 && error.status < 500)
    return { ...base, message: `GitLab refused the request (${error.status})${quoted}` };
  const what = error.status === undefined ? error.code : `HTTP ${error.status}`;
  return { ...base, message: `GitLab request failed (${what})${quoted}: ${error.message}` };
}
