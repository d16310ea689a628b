import type {
  ConnectionCheck,
  HealthCheckResult,
  PluginContext,
  ScmOperationResult,
  TestConnectionResult,
} from './contracts.js';

/**
 * The wrappers every provider puts around its operations so that none throws for an outside failure:
 * a connection test that cannot even start is a failed `endpoint` step, a health check an unhealthy
 * result, an SCM operation a classified `ScmOperationResult` and one warning line. `describe` is the
 * provider's own reading of a failure (its vendor's words, never a credential).
 */

/** What went wrong in an operation, in words a user can act on, as a provider classifies it. */
export interface FailureDescription {
  readonly message: string;
  readonly isTransient: boolean;
  /** Nothing was sent: the service runs offline. */
  readonly offline: boolean;
}

/**
 * A connection test's result from its checks: failed at the first check that did not pass (its name
 * and message, so the user sees which step to fix), else successful with `connected`.
 */
export function connectionResult(checks: ConnectionCheck[], connected: string): TestConnectionResult {
  const failed = checks.find((check) => !check.ok);
  return {
    success: failed === undefined,
    message: failed ? `${failed.name}: ${failed.message}` : connected,
    checks,
  };
}

/**
 * The runner of a connection test's steps: each adds a passed check with its message, or a failed one
 * with the failure described and, when `hint` has any, the provider's advice after it; whether it passed.
 *
 * @example
 * const step = connectionStep(checks, describeFailure);
 * if (!(await step('registry', async () => 'the registry answers'))) return done();
 */
export function connectionStep(checks: ConnectionCheck[], describe: (error: unknown) => string) {
  return async (
    name: string,
    run: () => Promise<string> | string,
    hint?: (error: unknown) => string | undefined,
  ): Promise<boolean> => {
    try {
      checks.push({ name, ok: true, message: await run() });
      return true;
    } catch (error) {
      const advice = hint?.(error);
      checks.push({ name, ok: false, message: advice ? `${describe(error)}; ${advice}` : describe(error) });
      return false;
    }
  };
}

/** A connection test that fails as a result (step `endpoint`) instead of throwing. */
export async function guardedTest(
  run: () => Promise<TestConnectionResult>,
  describe: (error: unknown) => string,
): Promise<TestConnectionResult> {
  try {
    return await run();
  } catch (error) {
    const message = describe(error);
    return { success: false, message, checks: [{ name: 'endpoint', ok: false, message }] };
  }
}

/** A health check that is `unhealthy` with the reason instead of throwing. */
export async function guardedHealth(
  run: () => Promise<HealthCheckResult>,
  describe: (error: unknown) => string,
): Promise<HealthCheckResult> {
  try {
    return await run();
  } catch (error) {
    return { status: 'unhealthy', message: describe(error) };
  }
}

/**
 * Makes the runner of a provider's SCM operations: each gets a fresh session, stops at once when the
 * operation's signal is aborted, and comes back as an `ScmOperationResult`.
 *
 * @example
 * const run = scmRunner(context, 'gitlab', describeFailure, () => createSession(context, shared));
 * return { postComment: (request) => run('posting the note', 'post_comment', (s) => ensureNote(s, request)) };
 */
export function scmRunner<TSession>(
  context: PluginContext<never> | PluginContext,
  provider: string,
  describe: (error: unknown) => FailureDescription,
  session: () => TSession,
) {
  return async <T>(
    action: string,
    operation: string,
    fn: (session: TSession) => Promise<T>,
  ): Promise<ScmOperationResult<T>> => {
    try {
      context.signal.throwIfAborted();
      return scmSuccess(await fn(session()));
    } catch (error) {
      const failure = describe(error);
      context.logger.warn(
        { provider, operation, transient: failure.isTransient, offline: failure.offline },
        `${action}: ${failure.message}`,
      );
      return scmFailure<T>(action, failure);
    }
  };
}

function scmSuccess<T>(result: T): ScmOperationResult<T> {
  return { success: true, result, isTransient: false, skippedOffline: false };
}

/** A failed result, its message prefixed with what was being done (offline: the message alone). */
function scmFailure<T>(action: string, failure: FailureDescription): ScmOperationResult<T> {
  return {
    success: false,
    errorMessage: failure.offline ? failure.message : `${action}: ${failure.message}`,
    isTransient: failure.isTransient,
    skippedOffline: failure.offline,
  };
}
