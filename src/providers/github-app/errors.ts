import { AppError, UpstreamError } from '../../core/errors.js';
import { HttpError, OfflineError } from '../../net/index.js';
import type { FailureDescription } from '../../plugins/guarded.js';

/**
 * The provider's own failures (no installation for a repository, a comment that is not ours, a key that
 * cannot sign): nothing here ever
 * quotes a credential, and GitHub's answers are read from `HttpError`, which is redacted when made.
 */
export class GitHubAppError extends UpstreamError {
  constructor(message: string, options: { isTransient?: boolean; cause?: unknown } = {}) {
    super(message, { isTransient: options.isTransient ?? false, cause: options.cause });
  }
}

/** The innermost error we understand: Octokit wraps what our fetch throws in a `RequestError`. */
export function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 6 && current instanceof Error; depth++) {
    if (current instanceof HttpError || current instanceof OfflineError || current instanceof AppError) {
      return current;
    }
    current = current.cause;
  }
  return error;
}

/** The HTTP status of a failure, when GitHub answered. */
export function statusOf(error: unknown): number | undefined {
  const root = rootCause(error);
  return root instanceof HttpError ? root.status : undefined;
}

/** GitHub's own words from the (redacted, cut) body excerpt: `message` and `errors[].message`. */
export function githubMessage(error: HttpError): string | undefined {
  const body = (error.details as { body?: unknown } | undefined)?.body;
  if (typeof body !== 'string' || body === '') return undefined;
  try {
    const parsed = JSON.parse(body) as { message?: unknown; errors?: unknown };
    const details = Array.isArray(parsed.errors)
      ? parsed.errors
          .map((entry) => (typeof entry === 'string' ? entry : (entry as { message?: unknown })?.message))
          .filter((text): text is string => typeof text === 'string')
      : [];
    const message = typeof parsed.message === 'string' ? parsed.message : undefined;
    return [message, ...details].filter(Boolean).join(': ') || undefined;
  } catch {
    // The excerpt may be cut mid-JSON.
    return /"message"\s*:\s*"([^"]{1,200})"/.exec(body)?.[1];
  }
}

const NOT_ACCESSIBLE = /resource not accessible by integration/i;

/**
 * Classifies any failure of an operation.
 *
 * @example
 * describeFailure(error).isTransient; // true for 5xx, timeouts and rate limits
 */
export function describeFailure(error: unknown): FailureDescription {
  const root = rootCause(error);
  if (root instanceof OfflineError) {
    return { message: 'offline mode: nothing was sent to GitHub', isTransient: false, offline: true };
  }
  if (root instanceof HttpError) return describeHttp(root);
  if (root instanceof UpstreamError)
    return { message: root.message, isTransient: root.isTransient, offline: false };
  if (root instanceof AppError) return { message: root.message, isTransient: false, offline: false };
  if (root instanceof Error && (root.name === 'AbortError' || root.name === 'TimeoutError')) {
    return { message: 'the operation was cancelled or ran out of time', isTransient: true, offline: false };
  }
  const name = root instanceof Error ? root.name : typeof root;
  return { message: `unexpected failure (${name})`, isTransient: false, offline: false };
}

function describeHttp(error: HttpError): FailureDescription {
  const said = githubMessage(error);
  const quoted = said ? ` (GitHub: ${said.slice(0, 300)})` : '';
  const base = { isTransient: error.isTransient, offline: false };
  switch (error.status) {
    case 401:
      return {
        ...base,
        message: `GitHub refused the App's credentials (401)${quoted}: check the App id or client id, the private key, and that the App is installed`,
      };
    case 403:
      if (!error.isTransient && NOT_ACCESSIBLE.test(said ?? '')) {
        return {
          ...base,
          message:
            "the App's installation lacks a permission this needs (GitHub: Resource not accessible by integration); " +
            'grant checks:write, pull_requests:write and statuses:write',
        };
      }
      break;
    case 404:
      return {
        ...base,
        message: `not found (404)${quoted}: the repository, pull request, commit or comment does not exist, or the App is not installed on the repository`,
      };
    case 422:
      return { ...base, message: `GitHub refused the request (422)${quoted}` };
  }
  if (error.isTransient && (error.status === 403 || error.status === 429)) {
    const wait =
      error.retryAfterMs === undefined ? '' : `; try again in ${Math.ceil(error.retryAfterMs / 1000)} s`;
    return { ...base, message: `GitHub's rate limit was reached (${error.status})${wait}` };
  }
  const what = error.status === undefined ? error.code : `HTTP ${error.status}`;
  return { ...base, message: `GitHub request failed (${what})${quoted}: ${error.message}` };
}
