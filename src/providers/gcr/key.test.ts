import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../core/errors.js';
import { Secret, SecretBundle } from '../../secrets/index.js';
import { standaloneKey } from './gcr.test-kit.js';
import { describeCredential, GOOGLE_TOKEN_URI, readGoogleCredential } from './key.js';

const file = standaloneKey();
const json = JSON.stringify(file);
const asFields = (value: object) => SecretBundle.fromStrings(value as Record<string, string>);
const read = (value: Secret | SecretBundle) => readGoogleCredential(value);

/** The error of reading `value`, checked to name no secret of the key. */
function failure(value: Secret | SecretBundle): UnprocessableError {
  let error: unknown;
  try {
    read(value);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(UnprocessableError);
  const message = (error as Error).message;
  // Key material (base64 DER starts MII), the planted values, an access token: none is quoted.
  expect(message).not.toMatch(/MII[A-Za-z0-9+/]{8}|bm90IGEga2V5/);
  expect(message).not.toContain(file.private_key.slice(40, 80));
  expect(message).not.toContain('ya29.');
  return error as UnprocessableError;
}

describe('reading a gcr credential', () => {
  it('reads the key file as one JSON string and as an object of its fields, alike', () => {
    const fromText = read(Secret.from(json));
    const fromFields = read(asFields(file));

    for (const credential of [fromText, fromFields]) {
      expect(credential.kind).toBe('key');
      if (credential.kind !== 'key') continue;
      expect(credential.key.clientEmail).toBe(file.client_email);
      expect(credential.key.privateKeyId).toBe(file.private_key_id);
      expect(credential.key.projectId).toBe('acme-prod');
      expect(credential.key.tokenUri).toBe(GOOGLE_TOKEN_URI);
      expect(credential.key.privateKey.asymmetricKeyType).toBe('rsa');
    }
    expect(describeCredential(fromText)).toBe(
      'the service account scanner@acme-prod.iam.gserviceaccount.com (project acme-prod)',
    );
  });

  it("reads docker login's _json_key and _json_key_base64 as the key", () => {
    const plain = read(asFields({ username: '_json_key', password: json }));
    const base64 = read(
      asFields({ username: '_json_key_base64', password: Buffer.from(json).toString('base64') }),
    );

    expect(plain.kind === 'key' && plain.key.clientEmail).toBe(file.client_email);
    expect(base64.kind === 'key' && base64.key.privateKeyId).toBe(file.private_key_id);
  });

  it('passes an access token through under either username Google takes', () => {
    const oauth = read(asFields({ username: 'oauth2accesstoken', password: 'ya29.a0AfB_byC-token' }));
    const short = read(asFields({ username: '_token', password: 'ya29.other' }));

    expect(oauth.kind).toBe('access_token');
    expect(oauth.kind === 'access_token' && oauth.token.reveal()).toBe('ya29.a0AfB_byC-token');
    expect(short.kind === 'access_token' && short.username).toBe('_token');
    expect(describeCredential(oauth)).toBe('an access token (oauth2accesstoken)');
  });

  it("takes a private_key pasted with the JSON text's escaped line breaks", () => {
    const escaped = { ...file, private_key: file.private_key.replaceAll('\n', '\\n') };

    expect(read(asFields(escaped)).kind).toBe('key');
  });

  it("defaults a missing token_uri to Google's and ignores fields it does not use", () => {
    const { token_uri: _, ...rest } = file;

    const credential = read(Secret.from(JSON.stringify({ ...rest, universe_domain: 'googleapis.com' })));

    expect(credential.kind === 'key' && credential.key.tokenUri).toBe(GOOGLE_TOKEN_URI);
  });

  it('refuses other shapes, naming the accepted ones and never a value', () => {
    expect(failure(asFields({ accessKey: 'AKIA-x', secretKey: 'y' })).message).toMatch(
      /service-account key .*_json_key.*oauth2accesstoken.*; this one has the fields: accessKey, secretKey/,
    );
    expect(failure(asFields({ username: 'admin', password: 'ya29.secret' })).message).toMatch(
      /username must be '_json_key', '_json_key_base64', 'oauth2accesstoken' or '_token'/,
    );
    expect(
      failure(asFields({ username: 'oauth2accesstoken', password: 'ya29.x', extra: 'z' })).message,
    ).toMatch(/exactly the fields username and password/);
    expect(
      failure(asFields({ username: 'oauth2accesstoken', password: 'ya29. with spaces' })).message,
    ).toMatch(/must be an access token/);
    expect(failure(Secret.from(`{"private_key": "${'PRIVATE KEY'}`)).message).toMatch(/is not JSON/);
    expect(failure(Secret.from('["a"]')).message).toMatch(/not an object/);
    expect(failure(Secret.from('x'.repeat(70_000))).message).toMatch(
      /larger than a service-account key file/,
    );
  });

  it.each([
    ['type', { type: undefined }, /has no type/],
    [
      'type',
      { type: 'authorized_user' },
      /type must be 'service_account', not 'authorized_user' \(a user's application-default credentials\)/,
    ],
    ['type', { type: 'something-else' }, /type must be 'service_account': create a JSON key/],
    ['client_email', { client_email: undefined }, /has no client_email/],
    ['client_email', { client_email: 'not-an-email' }, /client_email is not an email address/],
    ['client_email', { client_email: 42 }, /client_email must be a string/],
    ['private_key_id', { private_key_id: '' }, /has no private_key_id/],
    ['private_key_id', { private_key_id: 'has spaces in it' }, /private_key_id is not a key id/],
    ['private_key', { private_key: undefined }, /has no private_key/],
    [
      'private_key',
      { private_key: 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC' },
      /private_key is not a PEM RSA private key/,
    ],
    [
      'private_key',
      { private_key: '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n' },
      /private_key is not a PEM RSA private key/,
    ],
    [
      'private_key',
      {
        private_key: generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' })
          .toString(),
      },
      /private_key is not a PEM RSA private key/,
    ],
  ])('refuses a key with a bad %s, naming the field', (_field, change, message) => {
    const broken = JSON.stringify({ ...file, ...change });

    expect(failure(Secret.from(broken)).message).toMatch(message);
    expect(failure(Secret.from(broken)).code).toBe('credentials_shape');
  });
});
