import { createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../secrets/index.js';
import { CLOUD_PLATFORM_SCOPE } from './config.js';
import { standaloneKey } from './gcr.test-kit.js';
import { ASSERTION_LIFETIME_SECONDS, signAssertion } from './jwt.js';
import { readGoogleCredential } from './key.js';

const file = standaloneKey();
const credential = readGoogleCredential(Secret.from(JSON.stringify(file)));
const key = credential.kind === 'key' ? credential.key : undefined!;
const NOW = Date.parse('2026-03-01T10:00:00.750Z');
const TOKEN_URI = new URL('https://oauth2.googleapis.com/token');

function decode(jwt: string) {
  const [header = '', claims = '', signature = ''] = jwt.split('.');
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: json(header), claims: json(claims), signed: `${header}.${claims}`, signature };
}

describe('the assertion a service account signs', () => {
  it('carries RS256, the key id, and the claims Google asks for, without sub', () => {
    const jwt = decode(signAssertion(key, TOKEN_URI, [CLOUD_PLATFORM_SCOPE], NOW));

    expect(jwt.header).toEqual({ alg: 'RS256', typ: 'JWT', kid: file.private_key_id });
    expect(jwt.claims).toEqual({
      iss: file.client_email,
      scope: CLOUD_PLATFORM_SCOPE,
      aud: 'https://oauth2.googleapis.com/token',
      iat: Math.floor(NOW / 1000),
      exp: Math.floor(NOW / 1000) + 3600,
    });
    expect(ASSERTION_LIFETIME_SECONDS).toBe(3600);
  });

  it('is signed with the private key: the public half verifies it, and nothing else does', () => {
    const jwt = decode(signAssertion(key, TOKEN_URI, [CLOUD_PLATFORM_SCOPE], NOW));
    const publicKey = createPublicKey(file.private_key);
    const otherKey = createPublicKey(standaloneKey().private_key);
    const signature = Buffer.from(jwt.signature, 'base64url');

    expect(verify('sha256', Buffer.from(jwt.signed), publicKey, signature)).toBe(true);
    expect(verify('sha256', Buffer.from(jwt.signed), otherKey, signature)).toBe(false);
  });

  it('joins several scopes with spaces and takes the audience it is sent to', () => {
    const scopes = [CLOUD_PLATFORM_SCOPE, 'https://www.googleapis.com/auth/devstorage.read_only'];

    const { claims } = decode(signAssertion(key, new URL('http://127.0.0.1:8080/token'), scopes, NOW));

    expect(claims.scope).toBe(scopes.join(' '));
    expect(claims.aud).toBe('http://127.0.0.1:8080/token');
  });
});
