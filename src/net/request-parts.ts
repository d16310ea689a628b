import { secretsOf } from './redact.js';

/** Headers undici sets itself or refuses; a caller's value would be wrong or rejected. */
const MANAGED_HEADERS = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'expect',
  'te',
  'trailer',
]);

/** The parts of a request this module reads. */
interface RequestInput {
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Uint8Array;
  readonly json?: unknown;
}

/** Lower-case header names, managed headers dropped, a user agent and the JSON content type filled in. */
export function buildHeaders(input: RequestInput, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    const lower = name.toLowerCase();
    if (!MANAGED_HEADERS.has(lower)) headers[lower] = value;
  }
  headers['user-agent'] ??= userAgent;
  if (input.json !== undefined) headers['content-type'] ??= 'application/json';
  return headers;
}

/** The body to send: `body` as given, or `json` serialised. Both at once is a programming error. */
export function buildBody(input: RequestInput): string | Uint8Array | undefined {
  if (input.json !== undefined && input.body !== undefined) {
    throw new TypeError('an HTTP request takes `body` or `json`, not both');
  }
  return input.json !== undefined ? JSON.stringify(input.json) : input.body;
}

/** The secrets of a request before its URL is known to be valid (an invalid URL yields none from it). */
export function secretsOfInput(url: string | URL, headers: Readonly<Record<string, string>>): string[] {
  let parsed: URL | undefined;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    parsed = undefined;
  }
  return secretsOf(parsed, headers);
}
