import type { IncomingMessage, ServerResponse } from 'node:http';

/* What the Docker Hub fakes share on the wire: reading a body strictly, JSON answers, faults. */

/** A body larger than this is refused; no request to these services comes near it. */
const MAX_BODY_BYTES = 16 * 1024;

/** The raw body, or why it could not be read (too large). */
export async function readBody(
  request: IncomingMessage,
): Promise<{ ok: true; text: string } | { ok: false; problem: string }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return { ok: false, problem: 'the body is larger than 16 KiB' };
    chunks.push(chunk);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}

/** Drains a body the fake does not read, so the connection stays usable. */
export async function drain(request: IncomingMessage): Promise<void> {
  for await (const _ of request as AsyncIterable<Buffer>) {
    // discard
  }
}

export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A fault a test asks for: the next `count` requests get `status` and `body` (raw text, or JSON). */
export interface Fault {
  readonly count?: number;
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** Takes one request's share of the pending fault, if any is left. */
export function takeFault(faults: Fault[]): Fault | undefined {
  const fault = faults[0];
  if (!fault) return undefined;
  const count = fault.count ?? 1;
  if (count <= 1) faults.shift();
  else faults[0] = { ...fault, count: count - 1 };
  return fault;
}

/** A request the vendor's contract does not allow (a client bug), kept for assertions. */
export interface Violation {
  readonly path: string;
  readonly problem: string;
}

/** One request, for assertions. */
export interface ExchangeRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
}
