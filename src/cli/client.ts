import { CliError, EXIT, exitCodeForStatus } from './exit-codes.js';

export interface ClientOptions {
  readonly url: string;
  readonly token: string | undefined;
}

/** A thin client of the service's REST API for the CLI. Errors become `CliError` with the right exit code. */
export function createApiClient(options: ClientOptions) {
  const base = options.url.replace(/\/+$/, '');

  async function request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    if (!options.token) {
      throw new CliError(
        'no token: pass --token or set INTEGRATIONS_TOKEN (see `integrations tokens create`)',
        EXIT.auth,
      );
    }
    let response: Response;
    try {
      response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${options.token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the service at ${base}: ${(error as Error).message}`,
        EXIT.unavailable,
      );
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const envelope = parsed as
        | { error?: { message?: string; code?: string; traceId?: string } }
        | undefined;
      const message = envelope?.error?.message ?? `HTTP ${response.status}`;
      const trace = envelope?.error?.traceId ? ` (trace ${envelope.error.traceId})` : '';
      throw new CliError(`${message}${trace}`, exitCodeForStatus(response.status));
    }
    return { body: parsed as T, etag: response.headers.get('etag') };
  }

  return {
    get: <T>(path: string) => request<T>('GET', path),
    post: <T>(path: string, body: unknown) => request<T>('POST', path, body),
    patch: <T>(path: string, body: unknown, ifMatch?: string) =>
      request<T>('PATCH', path, body, ifMatch ? { 'if-match': ifMatch } : {}),
    delete: (path: string, ifMatch?: string) =>
      request<undefined>('DELETE', path, undefined, ifMatch ? { 'if-match': ifMatch } : {}),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;
