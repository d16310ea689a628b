import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * AWS Signature Version 4, written from AWS's published algorithm ("Create a signed AWS API request",
 * docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html) for the fake to
 * check requests with. Deliberately independent of the client's signer: a fake that verified with the
 * same library that signed would prove nothing.
 *
 * canonical request = method \n canonical URI \n canonical query \n canonical headers \n signed headers \n hex(sha256(body))
 * string to sign    = AWS4-HMAC-SHA256 \n amz-date \n date/region/service/aws4_request \n hex(sha256(canonical request))
 * signing key       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")
 */

export const ALGORITHM = 'AWS4-HMAC-SHA256';

/** A request as it arrived: header names lower case, repeated headers joined by `,`. */
export interface SignableRequest {
  readonly method: string;
  /** The path as sent, e.g. `/`. */
  readonly path: string;
  /** The raw query string without `?`. */
  readonly query: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer | string;
}

/** The parts of an `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` header. */
export interface ParsedAuthorization {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const sha256Hex = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();

/** RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 asks. */
export function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** Each path segment decoded then encoded once more (services other than S3 normalise the path). */
export function canonicalUri(path: string): string {
  if (path === '' || path === '/') return '/';
  return path
    .split('/')
    .map((segment) => uriEncode(uriEncode(decodeURIComponent(segment))))
    .join('/');
}

/** Parameters sorted by encoded name, then encoded value; each `name=value`, joined by `&`. */
export function canonicalQuery(query: string): string {
  if (query === '') return '';
  const pairs = query.split('&').map((pair) => {
    const at = pair.indexOf('=');
    const name = at < 0 ? pair : pair.slice(0, at);
    const value = at < 0 ? '' : pair.slice(at + 1);
    const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, '%20'));
    return [uriEncode(decode(name)), uriEncode(decode(value))] as const;
  });
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([name, value]) => `${name}=${value}`).join('&');
}

/** `name:value\n` for each signed header, values trimmed and inner runs of spaces folded. */
export function canonicalHeaders(
  headers: Readonly<Record<string, string>>,
  signed: readonly string[],
): string {
  return signed.map((name) => `${name}:${(headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
}

export function canonicalRequest(request: SignableRequest, signedHeaders: readonly string[]): string {
  return [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    canonicalHeaders(request.headers, signedHeaders),
    signedHeaders.join(';'),
    sha256Hex(request.body),
  ].join('\n');
}

export function stringToSign(amzDate: string, scope: string, canonical: string): string {
  return [ALGORITHM, amzDate, scope, sha256Hex(canonical)].join('\n');
}

export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  return hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
}

/** The signature AWS would compute for `request`, signed by `secret` over `signedHeaders`. */
export function computeSignature(
  request: SignableRequest,
  options: {
    readonly secret: string;
    readonly amzDate: string;
    readonly region: string;
    readonly service: string;
    readonly signedHeaders: readonly string[];
  },
): string {
  const date = options.amzDate.slice(0, 8);
  const scope = `${date}/${options.region}/${options.service}/aws4_request`;
  const toSign = stringToSign(options.amzDate, scope, canonicalRequest(request, options.signedHeaders));
  return createHmac('sha256', signingKey(options.secret, date, options.region, options.service))
    .update(toSign, 'utf8')
    .digest('hex');
}

/** The `Authorization` header's parts, or why it is malformed. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | { problem: string } {
  if (!header) return { problem: 'missing' };
  if (!header.startsWith(`${ALGORITHM} `)) return { problem: `the algorithm is not ${ALGORITHM}` };
  const fields = new Map<string, string>();
  for (const part of header.slice(ALGORITHM.length + 1).split(',')) {
    const at = part.indexOf('=');
    if (at < 0) return { problem: `'${part.trim()}' is not name=value` };
    fields.set(part.slice(0, at).trim(), part.slice(at + 1).trim());
  }
  const credential = fields.get('Credential')?.split('/');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (credential?.length !== 5 || credential[4] !== 'aws4_request')
    return { problem: 'Credential is not <key>/<date>/<region>/<service>/aws4_request' };
  if (!signedHeaders) return { problem: 'SignedHeaders is missing' };
  if (!signature || !/^[0-9a-f]{64}$/.test(signature)) return { problem: 'Signature is not 64 hex digits' };
  const [accessKeyId = '', date = '', region = '', service = ''] = credential;
  const names = signedHeaders.split(';');
  const sorted = [...names].sort();
  if (names.some((name, i) => name !== name.toLowerCase() || name !== sorted[i]))
    return { problem: 'SignedHeaders is not lower case and sorted' };
  return { accessKeyId, date, region, service, signedHeaders: names, signature };
}

/** Equal signatures, compared in constant time. */
export function sameSignature(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** `20150830T123600Z` → epoch ms, or NaN. */
export function parseAmzDate(value: string | undefined): number {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value ?? '');
  if (!match) return Number.NaN;
  const [, y, mo, d, h, mi, s] = match.map(Number) as number[];
  return Date.UTC(y!, mo! - 1, d!, h!, mi!, s!);
}

/** epoch ms → `20150830T123600Z`. */
export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}
