import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures: `x-integrations-signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the MAC
 * is over `<t>.<raw body>` with the sink's secret. The timestamp inside the MAC lets a receiver refuse
 * replays older than its tolerance; the event id in the body lets it drop duplicates.
 */
export const SIGNATURE_HEADER = 'x-integrations-signature';

/** How far a receiver should let a signature's timestamp stray from its clock, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * @example
 * signatureHeader('s3cret', 1767225600, body); // 't=1767225600,v1=5f0c…'
 */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

export interface VerifyOptions {
  /** Unix seconds now (default: the clock). */
  readonly now?: number;
  readonly toleranceSeconds?: number;
}

/**
 * What a receiver does, with the raw body bytes as received (before any JSON parsing):
 * parse `t` and every `v1`, refuse a timestamp outside the tolerance, compute the HMAC over
 * `<t>.<body>` and compare in constant time. Several `v1` values are allowed (secret rotation).
 *
 * @example
 * if (!verifySignature(secret, request.headers['x-integrations-signature'], rawBody)) reply.code(401);
 */
export function verifySignature(
  secret: string,
  header: string | undefined,
  body: string | Buffer,
  options: VerifyOptions = {},
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const candidates: Buffer[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) candidates.push(Buffer.from(value, 'hex'));
  }
  if (timestamp === undefined || candidates.length === 0) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return false;
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  return candidates.some(
    (candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected),
  );
}
