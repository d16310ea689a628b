import { UpstreamError } from '../core/errors.js';
import type { ResolveContext, ResolvedCredential, SecretResolver } from './resolver.js';

/**
 * An outside system refused the credential (a provider throws this, or the HTTP layer's error with
 * status 401 or 403 says the same).
 */
export class CredentialRejectedError extends UpstreamError {
  constructor(message = 'the outside system rejected the credential', options: { cause?: unknown } = {}) {
    super(message, { isTransient: false, cause: options.cause });
  }
}

/** Whether an error means "this credential was refused": ours, or an HTTP 401/403 (§1.4). */
export function isCredentialRejection(error: unknown): boolean {
  if (error instanceof CredentialRejectedError) return true;
  const status = (error as { status?: unknown } | null)?.status;
  return error instanceof UpstreamError && (status === 401 || status === 403);
}

export interface CredentialRetryOptions<T> {
  /** Whether a thrown error means the credential was refused (default `isCredentialRejection`). */
  readonly isRejected?: (error: unknown) => boolean;
  /** Whether a returned result means the credential was refused (for `ScmOperationResult`-style APIs). */
  readonly rejectedResult?: (result: T) => boolean;
}

/**
 * Runs `fn` with the resolved credential. When the outside system refuses it, drops the cached value,
 * resolves once more and, if that gives a different value (another fingerprint: the credential was
 * rotated), runs `fn` once more; otherwise, or when the second try is refused too, fails with what
 * `fn` gave. Never more than two calls of `fn`.
 *
 * @example
 * const user = await withCredentialRetry(resolver, integration.authRef, ctx, async ({ value }) => {
 *   return gitlab.getUser((value as Secret).reveal()); // throws HttpError 401 when the token is refused
 * });
 */
export async function withCredentialRetry<T>(
  resolver: SecretResolver,
  ref: string,
  context: ResolveContext,
  fn: (credential: ResolvedCredential) => Promise<T>,
  options: CredentialRetryOptions<T> = {},
): Promise<T> {
  const isRejected = options.isRejected ?? isCredentialRejection;
  const attempt = async (credential: ResolvedCredential) => {
    try {
      const result = await fn(credential);
      return { rejected: options.rejectedResult?.(result) === true, result, error: undefined, threw: false };
    } catch (error) {
      return { rejected: isRejected(error), result: undefined as T, error, threw: true };
    } finally {
      credential.value.dispose();
    }
  };
  const settle = (outcome: Awaited<ReturnType<typeof attempt>>): T => {
    if (outcome.threw) throw outcome.error;
    return outcome.result;
  };

  const first = await resolver.resolve(ref, context);
  const firstFingerprint = first.fingerprint;
  const firstOutcome = await attempt(first);
  if (!firstOutcome.rejected) return settle(firstOutcome);

  resolver.invalidate(ref, context);
  const second = await resolver.resolve(ref, context);
  if (second.fingerprint === firstFingerprint) {
    // The store still holds the refused value: trying it again cannot help.
    second.value.dispose();
    return settle(firstOutcome);
  }
  const secondOutcome = await attempt(second);
  if (secondOutcome.rejected) resolver.invalidate(ref, context);
  return settle(secondOutcome);
}
