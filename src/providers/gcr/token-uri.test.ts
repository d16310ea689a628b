import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnprocessableError } from '../../core/errors.js';
import { Secret } from '../../secrets/index.js';
import { standaloneKey } from './gcr.test-kit.js';
import { readGoogleCredential, type ServiceAccountKey } from './key.js';
import { tokenUriOf } from './token-uri.js';

function keyWith(tokenUri: string): ServiceAccountKey {
  const credential = readGoogleCredential(
    Secret.from(JSON.stringify({ ...standaloneKey(), token_uri: tokenUri })),
  );
  if (credential.kind !== 'key') throw new Error('a key was expected');
  return credential.key;
}

describe('where an assertion may go', () => {
  it("goes to Google's token URIs as the key names them", () => {
    expect(tokenUriOf(keyWith('https://oauth2.googleapis.com/token'), { plainHttp: false }).href).toBe(
      'https://oauth2.googleapis.com/token',
    );
    expect(tokenUriOf(keyWith('https://accounts.google.com/o/oauth2/token'), { plainHttp: false }).href).toBe(
      'https://accounts.google.com/o/oauth2/token',
    );
  });

  it("never follows a key's token_uri elsewhere; config.tokenUri, approved by the admin, wins", () => {
    const elsewhere = keyWith('https://attacker.example/token');

    const refused = (() => {
      try {
        tokenUriOf(elsewhere, { plainHttp: false });
      } catch (error) {
        return error;
      }
    })();
    const approved = tokenUriOf(elsewhere, {
      plainHttp: false,
      tokenUri: 'https://oauth2.p.googleapis.com/token',
    });

    expect(refused).toBeInstanceOf(UnprocessableError);
    expect((refused as Error).message).toMatch(/not Google's token service .*set config\.tokenUri/);
    expect((refused as Error).message).not.toContain('attacker.example');
    expect(approved.href).toBe('https://oauth2.p.googleapis.com/token');
  });

  it.each([
    ['not a URL', 'token-service', false, /is not a URL/],
    ['plain http without plainHttp', 'http://127.0.0.1:9000/token', false, /must be an https:\/\/ URL/],
    ['credentials', 'https://user:pass@oauth2.googleapis.com/token', false, /must not hold credentials/],
    ['a query', 'https://oauth2.googleapis.com/token?x=1', false, /a query or a fragment/],
    ['another scheme', 'ftp://oauth2.googleapis.com/token', true, /must be an https:\/\/ URL/],
  ])('refuses a config.tokenUri with %s', (_what, tokenUri, plainHttp, message) => {
    const run = () => tokenUriOf(keyWith('https://oauth2.googleapis.com/token'), { plainHttp, tokenUri });

    expect(run).toThrow(InvalidInputError);
    expect(run).toThrow(message);
  });

  it('takes plain http for config.tokenUri only with plainHttp', () => {
    expect(
      tokenUriOf(keyWith('https://oauth2.googleapis.com/token'), {
        plainHttp: true,
        tokenUri: 'http://127.0.0.1:9000/token',
      }).href,
    ).toBe('http://127.0.0.1:9000/token');
  });
});
