import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import type { Logger } from '../core/logger.js';
import { createEgressPolicy, type EgressPolicyOptions } from './egress-policy.js';
import type { Resolver } from './guarded-lookup.js';
import { createHttpClient, type HttpClient, type HttpClientOptions } from './http-client.js';

/** A request as a test server saw it. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** A real HTTP server on 127.0.0.1 that counts what reaches it. */
export interface LoopbackServer {
  readonly port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** The same server under another name (resolve it with `fakeResolver`). */
  urlAs(hostname: string, path?: string): string;
  readonly requests: SeenRequest[];
  readonly count: () => number;
  close(): Promise<void>;
}

/** Answers the n-th request (1-based). May leave `response` unanswered or destroy the socket. */
export type Handler = (request: IncomingMessage, response: ServerResponse, n: number) => void;

/**
 * Starts a loopback server; every request is recorded (body included) before the handler runs.
 *
 * @example
 * const server = await startServer((_req, res, n) => res.writeHead(n === 1 ? 503 : 200).end('ok'));
 */
export async function startServer(handler: Handler): Promise<LoopbackServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      handler(request, response, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    urlAs: (hostname, path = '/') => `http://${hostname}:${port}${path}`,
    requests,
    count: () => requests.length,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A resolver answering from a table; unknown names fail like getaddrinfo does. */
export function fakeResolver(table: Readonly<Record<string, readonly string[]>>): Resolver {
  return async (hostname) => {
    const addresses = table[hostname.toLowerCase()];
    if (!addresses) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
}

/** A logger that keeps every line, to check what reaches the logs. */
export function recordingLogger(): Logger & {
  readonly lines: { level: string; fields: object; message?: string }[];
} {
  const lines: { level: string; fields: object; message?: string }[] = [];
  const at =
    (level: string) =>
    (fields: object, message?: string): void => {
      lines.push({ level, fields, ...(message === undefined ? {} : { message }) });
    };
  const logger = {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/** A sleep that records what it was asked and returns at once. */
export function recordingSleep(): { readonly delays: number[]; sleep: (ms: number) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: async (ms) => {
      delays.push(ms);
    },
  };
}

/** What `makeClient` builds: the client and the fakes around it. */
export interface TestClient {
  readonly client: HttpClient;
  readonly delays: number[];
  readonly registry: Registry;
  readonly logger: ReturnType<typeof recordingLogger>;
  /** Moves the injected clock (Retry-After dates, rate-limit resets, circuit breakers). */
  advance(ms: number): void;
}

/** The clock tests start at. */
export const TEST_NOW = Date.parse('2025-06-01T12:00:00Z');

/**
 * An HTTP client for tests: policy from `policy`, no real sleeping (delays are recorded), no jitter
 * (`random` is 0), a clock that moves only when told, a fresh metrics registry and a recording logger.
 */
export function makeClient(
  policy: Partial<EgressPolicyOptions>,
  options: Partial<Omit<HttpClientOptions, 'policy'>> = {},
): TestClient {
  let clock = TEST_NOW;
  const { delays, sleep } = recordingSleep();
  const registry = new Registry();
  const logger = recordingLogger();
  const client = createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: false, allowlist: [], ...policy }),
    registry,
    logger,
    sleep,
    now: () => clock,
    random: () => 0,
    env: {},
    ...options,
  });
  return { client, delays, registry, logger, advance: (ms) => (clock += ms) };
}
