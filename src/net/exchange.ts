import type { Dispatcher } from 'undici';

/** Error bodies are read this far for classification and the excerpt, then dropped. */
export const ERROR_BODY_BYTES = 64 * 1024;

/** One request as it goes on the wire. Header names are lower case. */
export interface WireRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | Uint8Array | undefined;
}

/** What came back, body read (or dropped) as `readMode` asked. */
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
  /** Drop it (redirects being followed). */
  | { readonly kind: 'discard' };

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

/**
 * Sends one request through the dispatcher and reads its answer. Throws what undici throws (socket,
 * timeout, policy refusals from the lookup) and `ResponseTooLargeError`.
 */
export async function exchange(
  dispatcher: Dispatcher,
  request: WireRequest,
  signal: AbortSignal,
  readMode: (status: number, headers: Readonly<Record<string, string>>) => ReadMode,
): Promise<WireResponse> {
  const response = await dispatcher.request({
    origin: request.url.origin,
    path: `${request.url.pathname}${request.url.search}`,
    method: request.method as Dispatcher.HttpMethod,
    headers: request.headers,
    body: request.body ?? null,
    signal,
  });
  const headers = flattenHeaders(response.headers);
  const mode = readMode(response.statusCode, headers);
  const body = await readBody(response.body, mode, headers['content-length']);
  return { status: response.statusCode, statusText: response.statusText, headers, body };
}

async function readBody(
  body: Dispatcher.ResponseData['body'],
  mode: ReadMode,
  contentLength: string | undefined,
): Promise<Buffer> {
  if (mode.kind === 'discard') {
    await body.dump({ limit: ERROR_BODY_BYTES });
    return Buffer.alloc(0);
  }
  const declared = contentLength === undefined ? undefined : Number(contentLength);
  if (mode.kind === 'full' && declared !== undefined && declared > mode.limit) {
    abandon(body);
    throw new ResponseTooLargeError(mode.limit, declared);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > mode.limit) {
      abandon(body);
      if (mode.kind === 'full') throw new ResponseTooLargeError(mode.limit);
      chunks.push(chunk.subarray(0, chunk.length - (size - mode.limit)));
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Stops reading a body we do not want. undici's body emits an abort error when destroyed without
 * one; nobody listens any more, so swallow it rather than let it crash the process.
 */
function abandon(body: Dispatcher.ResponseData['body']): void {
  body.on('error', () => {});
  body.destroy();
}

/** Header names come lower case from undici; repeated headers are joined as RFC 9110 §5.3 allows. */
function flattenHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}
