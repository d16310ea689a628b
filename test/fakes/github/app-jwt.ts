import { createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * GitHub App keys and the checks GitHub makes of an App's JWT ("Generating a JSON Web Token for a GitHub
 * App"): RS256, `iat` in the past, `exp` after now and at most 10 minutes ahead, `iss` the App's id or
 * client id, signed by the App's key. Claims that are wrong only by the fake's clock (a client whose clock
 * is off) are refused with GitHub's own 401 words, not recorded as client bugs.
 */

/**
 * GitHub's 401 messages for claims out of range by its clock, as GitHub words them (reported in
 * octokit/auth-app.js#698, actions/create-github-app-token#178, sigmavirus24/github3.py#1050).
 */
export const JWT_CLOCK_MESSAGES = {
  iatInFuture: "'Issued at' claim ('iat') must be an Integer representing a time in the past",
  expTooFar: "'Expiration time' claim ('exp') is too far in the future",
  expInPast:
    "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires",
} as const;

export interface AppKeys {
  /** PKCS#1 PEM, as GitHub hands it out (`-----BEGIN RSA PRIVATE KEY-----`). */
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
}

/** A fresh 2048-bit key pair (about 50 ms). */
export function generateAppKeys(): AppKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey,
  };
}

export interface JwtCheck {
  /** Mistakes of the client (wrong algorithm, claims out of range): contract violations. */
  readonly problems: string[];
  /** GitHub's 401 message when the claims are out of range by the server's clock only (the client's is off). */
  readonly clockRefusal?: string;
  /** Whether GitHub would accept it (signature and issuer valid, no problem, no clock refusal). */
  readonly accepted: boolean;
  readonly issuer?: string;
}

/** Checks an App JWT at `nowSeconds`. */
export function checkAppJwt(
  token: string,
  publicKey: KeyObject,
  issuers: readonly string[],
  nowSeconds: number,
): JwtCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { problems: ['the bearer token is not a JWT'], accepted: false };
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  let header: { alg?: unknown; typ?: unknown };
  let claims: { iat?: unknown; exp?: unknown; iss?: unknown };
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch {
    return { problems: ['the JWT header or payload is not base64url JSON'], accepted: false };
  }
  const problems: string[] = [];
  let clockRefusal: string | undefined;
  if (header.alg !== 'RS256') problems.push(`JWT alg must be RS256, not ${String(header.alg)}`);
  const iat = typeof claims.iat === 'number' && Number.isInteger(claims.iat) ? claims.iat : undefined;
  const exp = typeof claims.exp === 'number' && Number.isInteger(claims.exp) ? claims.exp : undefined;
  if (iat === undefined) problems.push('JWT iat must be an integer');
  if (exp === undefined) problems.push('JWT exp must be an integer');
  if (iat !== undefined && exp !== undefined) {
    if (exp - iat > 600) problems.push('JWT lives longer than 10 minutes');
    else if (exp <= iat) problems.push('JWT exp is not after iat');
    // A well-formed JWT out of range by our clock only: the client's clock is off. GitHub names `exp`
    // before `iat` when both are out (a client clock ahead gets "too far in the future", auth-app.js#698).
    else if (exp > nowSeconds + 600) clockRefusal = JWT_CLOCK_MESSAGES.expTooFar;
    else if (iat > nowSeconds) clockRefusal = JWT_CLOCK_MESSAGES.iatInFuture;
    else if (exp <= nowSeconds) clockRefusal = JWT_CLOCK_MESSAGES.expInPast;
  }
  const issuer = typeof claims.iss === 'number' ? String(claims.iss) : claims.iss;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${headerPart}.${payloadPart}`);
  const signed = verifier.verify(publicKey, Buffer.from(signaturePart, 'base64url'));
  const knownIssuer = typeof issuer === 'string' && issuers.includes(issuer);
  return {
    problems,
    accepted: problems.length === 0 && clockRefusal === undefined && signed && knownIssuer,
    ...(clockRefusal === undefined ? {} : { clockRefusal }),
    ...(typeof issuer === 'string' ? { issuer } : {}),
  };
}
