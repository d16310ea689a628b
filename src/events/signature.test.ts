import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signatureHeader, verifySignature } from './signature.js';

const SECRET = 'whsec-0123456789abcdef';
const BODY = '{"specversion":"1.0","id":"019c0000-0000-7000-8000-000000000001"}';
const T = 1_772_323_200;

describe('webhook signatures', () => {
  it('are HMAC-SHA256 over `<t>.<body>` in hex, as a receiver computes them by hand', () => {
    const expected = createHmac('sha256', SECRET).update(`${T}.${BODY}`).digest('hex');

    expect(signatureHeader(SECRET, T, BODY)).toBe(`t=${T},v1=${expected}`);
  });

  it('verify with the same secret, body and a timestamp within the tolerance', () => {
    const header = signatureHeader(SECRET, T, BODY);

    expect(verifySignature(SECRET, header, BODY, { now: T + 299 })).toBe(true);
    expect(verifySignature(SECRET, header, Buffer.from(BODY), { now: T - 299 })).toBe(true);
  });

  it.each([
    ['another secret', 'other', signatureHeader(SECRET, T, BODY), BODY, T],
    ['a changed body', SECRET, signatureHeader(SECRET, T, BODY), `${BODY} `, T],
    ['an old timestamp (replay)', SECRET, signatureHeader(SECRET, T, BODY), BODY, T + 301],
    ['a timestamp moved', SECRET, signatureHeader(SECRET, T, BODY).replace(`t=${T}`, `t=${T + 1}`), BODY, T],
    ['no header', SECRET, undefined, BODY, T],
    ['no v1', SECRET, `t=${T}`, BODY, T],
    ['a short v1', SECRET, `t=${T},v1=abcd`, BODY, T],
    ['garbage', SECRET, 'sha256=deadbeef', BODY, T],
  ])('refuse %s', (_name, secret, header, body, now) => {
    expect(verifySignature(secret, header, body, { now })).toBe(false);
  });

  it('accept any of several v1 values (a secret being rotated)', () => {
    const current = signatureHeader(SECRET, T, BODY).split(',')[1];
    const old = signatureHeader('previous', T, BODY).split(',')[1];

    expect(verifySignature(SECRET, `t=${T},${old},${current}`, BODY, { now: T })).toBe(true);
    expect(verifySignature('previous', `t=${T},${old},${current}`, BODY, { now: T })).toBe(true);
  });
});
