import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { MatchedOperation, OpenApiValidator } from './validator.js';

/**
 * A loopback HTTP server that plays a vendor API for tests and holds every request to the vendor's own
 * description: a request that does not match is answered 422 with the reasons and recorded as a contract
 * violation, which the test then fails on. The vendor's behaviour (state, auth, business rules) comes from a
 * `handle` function; faults (5xx, 429, …) can be injected on valid requests. See README.md beside this file.
 */

export interface FakeRequest {
  readonly method: string;
  /** Below the base path, not decoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or undefined when no body was sent. */
  readonly body: unknown;
  readonly operation: MatchedOperation;
}

export interface FakeResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as JSON; a string is sent as text. */
  readonly body?: unknown;
}

export type ViolationKind = 'request' | 'response' | 'unimplemented' | 'guard';

/** Something a client (or the fake itself, for `response`) did that the vendor's description forbids. */
export interface Violation {
  readonly kind: ViolationKind;
  readonly method: string;
  readonly path: string;
  readonly operationId?: string;
  readonly problems: readonly string[];
}

/** One request the server answered. */
export interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly operationId: string | undefined;
  readonly status: number;
  /** Answered by an injected fault. */
  readonly injected: boolean;
  /** The handler ran: the vendor acted on the request (even when an `afterHandling` fault replaced the answer). */
  readonly applied: boolean;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** A failure the server answers instead of the handler, for requests `match` selects. */
export interface Fault {
  readonly match: (request: FakeRequest) => boolean;
  readonly response: FakeResponse | ((request: FakeRequest) => FakeResponse);
  /** How many requests it answers (default: all). */
  times?: number;
  /**
   * Run the handler first, then answer the fault instead of its response: the vendor acted, the answer was
   * lost (a gateway timing out after the origin wrote). Default false: the request is refused untouched.
   * A function is asked after `match` and `response`, for the same request.
   */
  readonly afterHandling?: boolean | ((request: FakeRequest) => boolean);
}

export interface Guarded {
  /** Recorded as `guard` violations (e.g. a JWT used where an installation token belongs). */
  readonly problems?: readonly string[];
  /** Answered instead of calling the handler (e.g. 401). */
  readonly response?: FakeResponse;
}

export interface ContractServerOptions {
  readonly validator: OpenApiValidator;
  /** Prefix in front of the description's paths, e.g. `/api/v3` for GitHub Enterprise Server. */
  readonly basePath?: string;
  /** Headers, auth and anything else the description cannot say. */
  readonly guard?: (request: FakeRequest) => Guarded | undefined;
  /** The vendor's behaviour; undefined means "not implemented by this fake". */
  readonly handle: (request: FakeRequest) => FakeResponse | undefined | Promise<FakeResponse | undefined>;
  /** Check the fake's own answers against the description too (default true). */
  readonly validateResponses?: boolean;
  /** Added before every answer, to model a real server's latency. */
  readonly latencyMs?: number;
  /**
   * Serves a request outside the API root itself (a registry's `/v2/` beside Harbor's API) and says
   * so by returning true; false leaves it a violation, as without this option.
   */
  readonly outside?: (incoming: IncomingMessage, outgoing: ServerResponse) => boolean;
}

export interface ContractServer {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  readonly violations: Violation[];
  readonly exchanges: Exchange[];
  inject(fault: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

/**
 * @example
 * const server = await startContractServer({ validator, handle: (request) => ({ status: 200, body: {} }) });
 * // ... run the client against server.origin ...
 * expect(server.violations).toEqual([]);
 */
export async function startContractServer(options: ContractServerOptions): Promise<ContractServer> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const violations: Violation[] = [];
  const exchanges: Exchange[] = [];
  const faults: Fault[] = [];
  const validateResponses = options.validateResponses ?? true;

  async function answer(incoming: IncomingMessage): Promise<{ response: FakeResponse; exchange?: Exchange }> {
    const url = new URL(incoming.url ?? '/', 'http://fake.invalid');
    const method = (incoming.method ?? 'GET').toUpperCase();
    const headers = lowerHeaders(incoming);
    const rawBody = await readBody(incoming);
    if (!url.pathname.startsWith(`${basePath}/`) && url.pathname !== basePath) {
      const problems = [`path ${url.pathname} is outside the API root ${basePath || '/'}`];
      violations.push({ kind: 'request', method, path: url.pathname, problems });
      return { response: violationResponse(problems) };
    }
    const path = url.pathname.slice(basePath.length) || '/';
    let body: unknown;
    if (rawBody.length > 0) {
      try {
        body = JSON.parse(rawBody.toString('utf8'));
      } catch {
        const problems = ['the body is not JSON'];
        violations.push({ kind: 'request', method, path, problems });
        return { response: violationResponse(problems) };
      }
    }
    const checked = options.validator.checkRequest({
      method,
      path,
      query: url.searchParams,
      contentType: headers['content-type'],
      body,
    });
    const operation = checked.operation;
    const record = (response: FakeResponse, injected: boolean, applied = false): Exchange => ({
      method,
      path,
      query: url.search,
      operationId: operation?.operationId,
      status: response.status,
      injected,
      applied,
      headers,
      body,
    });
    if (!operation || checked.problems.length > 0) {
      violations.push({
        kind: 'request',
        method,
        path,
        ...(operation ? { operationId: operation.operationId } : {}),
        problems: checked.problems,
      });
      const response = violationResponse(checked.problems);
      return { response, exchange: record(response, false) };
    }
    const request: FakeRequest = { method, path, query: url.searchParams, headers, body, operation };

    const guarded = options.guard?.(request);
    if (guarded?.problems && guarded.problems.length > 0) {
      violations.push({
        kind: 'guard',
        method,
        path,
        operationId: operation.operationId,
        problems: guarded.problems,
      });
    }
    if (guarded?.response) return { response: guarded.response, exchange: record(guarded.response, false) };

    const fault = faults.find((candidate) => (candidate.times ?? 1) > 0 && candidate.match(request));
    const injected = fault
      ? typeof fault.response === 'function'
        ? fault.response(request)
        : fault.response
      : undefined;
    if (fault && fault.times !== undefined) fault.times -= 1;
    const after =
      typeof fault?.afterHandling === 'function' ? fault.afterHandling(request) : fault?.afterHandling;
    if (injected && !after) return { response: injected, exchange: record(injected, true) };

    const handled = await options.handle(request);
    if (!handled) {
      const problems = [`the fake does not implement ${operation.operationId}`];
      violations.push({ kind: 'unimplemented', method, path, operationId: operation.operationId, problems });
      const response = { status: 501, body: { message: problems[0] } };
      return { response, exchange: record(response, false) };
    }
    if (validateResponses && typeof handled.body !== 'string') {
      const problems = options.validator.checkResponse(operation, handled.status, handled.body);
      if (problems.length > 0) {
        violations.push({ kind: 'response', method, path, operationId: operation.operationId, problems });
      }
    }
    if (injected) return { response: injected, exchange: record(injected, true, true) };
    return { response: handled, exchange: record(handled, false, true) };
  }

  const server: Server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const path = new URL(incoming.url ?? '/', 'http://fake.invalid').pathname;
    const inside = path === basePath || path.startsWith(`${basePath}/`);
    if (!inside && options.outside?.(incoming, outgoing)) return;
    answer(incoming)
      .then(async ({ response, exchange }) => {
        if (exchange) exchanges.push(exchange);
        if (options.latencyMs) await delay(options.latencyMs);
        send(outgoing, response);
      })
      .catch((error: unknown) => {
        send(outgoing, { status: 500, body: { message: `fake failed: ${(error as Error).message}` } });
      });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://127.0.0.1:${port}`,
    violations,
    exchanges,
    inject: (fault) => faults.push(fault),
    clearFaults: () => {
      faults.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function violationResponse(problems: readonly string[]): FakeResponse {
  return {
    status: 422,
    body: {
      message: `contract violation: ${problems.join('; ')}`,
      documentation_url: 'https://docs.github.com/rest',
    },
  };
}

function lowerHeaders(incoming: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of incoming) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('request body too large for the fake');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(outgoing: ServerResponse, response: FakeResponse): void {
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  let payload: string | undefined;
  if (response.body !== undefined && response.status !== 204) {
    payload = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    headers['content-type'] ??=
      typeof response.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  }
  outgoing.writeHead(response.status, headers);
  outgoing.end(payload);
}
