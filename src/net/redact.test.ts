import { describe, expect, it } from 'vitest';
import { redactUrl, scrub, secretsOf } from './redact.js';

describe('redactUrl', () => {
  it.each([
    ['https://user:pass@git.example/api', 'https://git.example/api'],
    [
      'https://git.example/api?access_token=S1&page=2',
      'https://git.example/api?access_token=[redacted]&page=2',
    ],
    [
      'https://x.example/?private_token=S&Token=S&sig=S&X-Amz-Signature=S',
      'https://x.example/?private_token=[redacted]&Token=[redacted]&sig=[redacted]&X-Amz-Signature=[redacted]',
    ],
    [
      'https://x.example/?client_secret=S&password=S&key=S&q=ok',
      'https://x.example/?client_secret=[redacted]&password=[redacted]&key=[redacted]&q=ok',
    ],
    ['https://x.example/path#fragment-token', 'https://x.example/path'],
    ['not a url', '[unparseable URL]'],
  ])('shows %s as %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });
});

describe('secretsOf and scrub', () => {
  it('collects secret header values, their bearer part, userinfo and secret query values', () => {
    const secrets = secretsOf(new URL('https://me:hunter22@x.example/?access_token=QUERYSECRET&page=3'), {
      authorization: 'Bearer ghs_abcdef',
      accept: 'application/json',
      'private-token': 'glpat-123456',
    });

    expect(secrets).toEqual(['Bearer ghs_abcdef', 'ghs_abcdef', 'glpat-123456', 'hunter22', 'QUERYSECRET']);
  });

  it('removes every occurrence from echoed text', () => {
    expect(scrub('got ghs_abcdef twice: ghs_abcdef', ['ghs_abcdef'])).toBe(
      'got [redacted] twice: [redacted]',
    );
  });
});
