import { createVerify, generateKeyPairSync, type KeyObject } from 'node:crypto';

/**
 * GitHub App keys and the checks GitHub makes of an App's JWT ("Generating a JSON Web Token for a GitHub
 * App"): RS256, `iat` in the past, `exp` after now and at most 10 minutes ahead, `iss` the App's id or
 * client id, signed by the App's key.
 */

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
  /** Whether GitHub would accept it (signature and issuer valid, no problem). */
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
  if (header.alg !== 'RS256') problems.push(`JWT alg must be RS256, not ${String(header.alg)}`);
  if (typeof claims.iat !== 'number' || !Number.isInteger(claims.iat)) {
    problems.push('JWT iat must be an integer');
  } else if (claims.iat > nowSeconds) {
    problems.push(`JWT iat is ${claims.iat - nowSeconds} s in the future`);
  }
  if (typeof claims.exp !== 'number' || !Number.isInteger(claims.exp)) {
    problems.push('JWT exp must be an integer');
  } else {
    if (claims.exp <= nowSeconds) problems.push('JWT exp is in the past');
    if (claims.exp > nowSeconds + 600) problems.push('JWT exp is more than 10 minutes ahead');
    if (typeof claims.iat === 'number' && claims.exp - claims.iat > 600) {
      problems.push('JWT lives longer than 10 minutes');
    }
  }
  const issuer = typeof claims.iss === 'number' ? String(claims.iss) : claims.iss;
  const verifier = createVerify('RSA-SHA256');
  verifier.update(`${headerPart}.${payloadPart}`);
  const signed = verifier.verify(publicKey, Buffer.from(signaturePart, 'base64url'));
  const knownIssuer = typeof issuer === 'string' && issuers.includes(issuer);
  return {
    problems,
    accepted: problems.length === 0 && signed && knownIssuer,
    ...(typeof issuer === 'string' ? { issuer } : {}),
  };
}
