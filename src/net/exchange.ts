import type { Dispatcher } from 'undici';
import type { Abortable, CallStop } from './call-stop.js';

/** Error bodies are read this far for classification and the excerpt, then dropped. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** One request as it goes on the wire. Header names are lower case. */
export interface WireRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
}

/** What came back, body read (or dropped) as the read mode asked. */
export interface WireResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** How to treat the body of an answer, decided once the status and headers are known. */
export type ReadMode =
  /** Read all of it; more than `limit` bytes is an error. */
  | { readonly kind: 'full'; readonly limit: number }
  /** Read up to `limit` bytes and stop (error bodies). */
  | { readonly kind: 'excerpt'; readonly limit: number }
  /** Drop it (redirects being followed); more than `limit` bytes closes the connection. */
  | { readonly kind: 'discard'; readonly limit: number };

/** Picks the read mode of an answer from its status and headers. */
export interface ReadModes {
  readMode(status: number, headers: Readonly<Record<string, string>>): ReadMode;
}

/** The body passed the caller's size limit. Permanent: the same resource will be as large next time. */
export class ResponseTooLargeError extends Error {
  readonly limit: number;

  constructor(limit: number, declared?: number) {
    super(
      declared === undefined
        ? `the response body is larger than the ${limit}-byte limit`
        : `the response declares ${declared} bytes, more than the ${limit}-byte limit`,
    );
    this.name = 'ResponseTooLargeError';
    this.limit = limit;
  }
}

const EMPTY = Buffer.alloc(0);

/**
 * Sends one request through the dispatcher and reads its answer. Rejects with what undici fails with
 * (socket, timeout, policy refusals from the lookup), with `ResponseTooLargeError`, or with the stop's
 * reason once the call is stopped (at once, even while the request waits for a connection).
 */
export function exchange(
  dispatcher: Dispatcher,
  request: WireRequest,
  stop: CallStop,
  modes: ReadModes,
): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    if (stop.stopped) {
      reject(stop.reason);
      return;
    }
    const { url } = request;
    dispatcher.dispatch(
      {
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method as Dispatcher.HttpMethod,
        headers: request.headers,
        body: request.body ?? null,
      },
      new ExchangeHandler(resolve, reject, stop, modes),
    );
  });
}

/**
 * Collects one answer straight from undici's dispatch callbacks. `dispatcher.request` wraps the same
 * callbacks in an async resource, a body stream and its async iterator; a body is only ever wanted
 * whole (or its start), so no stream is needed. That saves about 20 µs of CPU per small request
 * (10,000 GETs on loopback: 1.4 CPU-s instead of 1.6).
 */
class ExchangeHandler implements Dispatcher.DispatchHandler, Abortable {
  readonly #resolve: (response: WireResponse) => void;
  readonly #reject: (error: unknown) => void;
  readonly #stop: CallStop;
  readonly #modes: ReadModes;
  #controller: Dispatcher.DispatchController | undefined;
  /** Set once the promise is settled; later callbacks (an abort's error among them) are ignored. */
  #settled = false;
  #status = 0;
  #statusText = '';
  #headers: Record<string, string> | undefined;
  #mode: ReadMode | undefined;
  /** Made at the first chunk kept: most requests wait on the network with nothing to hold. */
  #chunks: Buffer[] | undefined;
  #size = 0;

  constructor(
    resolve: (response: WireResponse) => void,
    reject: (error: unknown) => void,
    stop: CallStop,
    modes: ReadModes,
  ) {
    this.#resolve = resolve;
    this.#reject = reject;
    this.#stop = stop;
    this.#modes = modes;
    stop.watch(this);
  }

  /** The call stopped: fail now, and drop the request or its connection. */
  abort(reason: unknown): void {
    if (this.#settled) return;
    this.#fail(reason);
    this.#controller?.abort(reason as Error);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    // Stopped while the request waited for a connection: it goes no further.
    if (this.#settled) controller.abort(this.#stop.reason as Error);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    if (this.#settled || statusCode < 200) return;
    this.#status = statusCode;
    this.#statusText = statusMessage ?? '';
    const flat = flattenHeaders(headers);
    this.#headers = flat;
    const mode = this.#modes.readMode(statusCode, flat);
    this.#mode = mode;
    const length = flat['content-length'];
    const declared = length === undefined ? undefined : Number(length);
    if (declared === undefined || !(declared > mode.limit)) return;
    if (mode.kind === 'full') this.#drop(controller, new ResponseTooLargeError(mode.limit, declared));
    else if (mode.kind === 'discard') this.#drop(controller);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const mode = this.#mode;
    if (this.#settled || !mode) return;
    this.#size += chunk.length;
    if (this.#size <= mode.limit) {
      if (mode.kind !== 'discard') this.#keep(chunk);
      return;
    }
    if (mode.kind === 'excerpt') this.#keep(chunk.subarray(0, chunk.length - (this.#size - mode.limit)));
    this.#drop(controller, mode.kind === 'full' ? new ResponseTooLargeError(mode.limit) : undefined);
  }

  onResponseEnd(): void {
    if (!this.#settled) this.#succeed();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    if (this.#settled) return;
    // A body being dropped is not worth failing over, as `dump()` on undici's body stream is not.
    if (this.#mode?.kind === 'discard') this.#succeed();
    else this.#fail(error);
  }

  /** Keeps a chunk of the body for the answer. */
  #keep(chunk: Buffer): void {
    if (this.#chunks) this.#chunks.push(chunk);
    else this.#chunks = [chunk];
  }

  /** Stops reading: fails with `error`, or answers with what was read; the connection is closed. */
  #drop(controller: Dispatcher.DispatchController, error?: Error): void {
    if (error) this.#fail(error);
    else this.#succeed();
    controller.abort(error ?? new Error('the rest of the response body is not wanted'));
  }

  #succeed(): void {
    this.#settle();
    const body = this.#chunks === undefined ? EMPTY : Buffer.concat(this.#chunks);
    const headers = this.#headers ?? {};
    this.#resolve({ status: this.#status, statusText: this.#statusText, headers, body });
  }

  #fail(error: unknown): void {
    this.#settle();
    this.#reject(error);
  }

  #settle(): void {
    this.#settled = true;
    this.#stop.watch(undefined);
  }
}

/** Header names come lower case from undici; repeated headers are joined as RFC 9110 §5.3 allows. */
function flattenHeaders(raw: Record<string, string | string[] | undefined>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name in raw) {
    const value = raw[name];
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
