import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/*
 * What the Azure fakes share: reading a form body strictly (its content type, its size, each field
 * once), writing JSON answers, and minting the tokens they issue: opaque random strings, or JWTs whose
 * claims a client may read (`exp`). The JWTs are signed with a key of the fake (HS256): nothing outside
 * the fake checks the signature, as nothing outside Entra or ACR checks theirs.
 */

/** A form body larger than this is refused; no token request comes near it. */
const MAX_FORM_BYTES = 16 * 1024;

/** The parsed fields of a form body, or why it could not be read as one. */
export type FormReading =
  | { readonly ok: true; readonly fields: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly problem: string };

/** Whether the request declares `application/x-www-form-urlencoded` (a charset may follow). */
export function isForm(request: IncomingMessage): boolean {
  return /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.headers['content-type'] ?? '');
}

/** Reads the body as a form: every field at most once, nothing above 16 KiB. */
export async function readForm(request: IncomingMessage): Promise<FormReading> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return { ok: false, problem: 'the body is larger than 16 KiB' };
    chunks.push(chunk);
  }
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(Buffer.concat(chunks).toString('utf8'))) {
    if (fields.has(name)) return { ok: false, problem: `the field '${name}' is given more than once` };
    fields.set(name, value);
  }
  return { ok: true, fields };
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
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(typeof body === 'string' ? body : JSON.stringify(body));
}

/** A fault a test asks for: the next `count` requests get `status` and `body` (raw text, or JSON). */
export interface Fault {
  readonly count: number;
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
}

/** Takes one request's share of the pending fault, if any is left. */
export function takeFault(faults: Fault[]): Fault | undefined {
  const fault = faults[0];
  if (!fault) return undefined;
  if (fault.count <= 1) faults.shift();
  else faults[0] = { ...fault, count: fault.count - 1 };
  return fault;
}

export type TokenFormat = 'jwt' | 'opaque';

/** A token in the given format; a JWT carries `claims`. */
export function mintToken(format: TokenFormat, claims: Record<string, unknown>, key: Buffer): string {
  if (format === 'opaque') return randomBytes(32).toString('base64url');
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ typ: 'JWT', alg: 'HS256' })}.${part(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** `2026-01-09 02:02:12Z`, the way Entra writes its timestamps. */
export function entraTimestamp(at: Date): string {
  return `${at.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}
