import type { HealthCheckResult, TestConnectionResult } from '../plugins/contracts.js';

/** Runs plugin work with a deadline; the plugin sees the deadline as its abort signal. */
export async function withDeadline<T>(
  timeoutMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  onTimeout: () => T,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve(onTimeout());
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** A plugin's health check that never throws: failures and timeouts are unhealthy results. */
export async function safeHealthCheck(
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<HealthCheckResult>,
): Promise<HealthCheckResult> {
  try {
    return await withDeadline(timeoutMs, run, () => ({
      status: 'unhealthy',
      message: `the health check did not finish within ${timeoutMs} ms`,
    }));
  } catch (error) {
    return { status: 'unhealthy', message: describeFailure(error) };
  }
}

/** A plugin's connection test that never throws: failures and timeouts are failed results. */
export async function safeConnectionTest(
  timeoutMs: number,
  run: (signal: AbortSignal) => Promise<TestConnectionResult>,
): Promise<TestConnectionResult> {
  const failed = (message: string): TestConnectionResult => ({
    success: false,
    message,
    checks: [{ name: 'completed', ok: false, message }],
  });
  try {
    return await withDeadline(timeoutMs, run, () =>
      failed(`the connection test did not finish within ${timeoutMs} ms`),
    );
  } catch (error) {
    return failed(describeFailure(error));
  }
}

function describeFailure(error: unknown): string {
  return error instanceof Error ? error.message : `failed: ${String(error)}`;
}
