import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../core/errors.js';
import { Secret, SecretBundle } from '../../secrets/index.js';
import { readAwsCredential } from './credentials.js';

/** The credential shapes accepted, and refusals that name fields but never values. */

const KEYS = {
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};
const read = (fields: Record<string, string>) => readAwsCredential(SecretBundle.fromStrings(fields));
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableError);
    expect((error as UnprocessableError).code).toBe('credentials_shape');
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('ecr credentials', () => {
  it('reads static keys, temporary keys and a role to assume', () => {
    expect(read(KEYS)).toEqual({ kind: 'keys', keys: KEYS });
    expect(read({ ...KEYS, sessionToken: 'FwoGZXIvYXdzEBY' })).toEqual({
      kind: 'keys',
      keys: { ...KEYS, sessionToken: 'FwoGZXIvYXdzEBY' },
    });
    expect(
      read({ ...KEYS, roleArn: 'arn:aws:iam::210987654321:role/vendor/read', externalId: 'org-42' }),
    ).toEqual({
      kind: 'keys',
      keys: KEYS,
      roleArn: 'arn:aws:iam::210987654321:role/vendor/read',
      externalId: 'org-42',
    });
    expect(read({ ...KEYS, roleArn: 'arn:aws-cn:iam::210987654321:role/read' })).toMatchObject({
      roleArn: 'arn:aws-cn:iam::210987654321:role/read',
    });
  });

  it('passes a get-login-password login through', () => {
    expect(read({ username: 'AWS', password: 'eyJwYXlsb2FkIjoi' })).toEqual({
      kind: 'login',
      username: 'AWS',
      password: 'eyJwYXlsb2FkIjoi',
    });
  });

  it.each([
    ['a single value', () => readAwsCredential(Secret.from(KEYS.secretAccessKey)), /is a single value/],
    ['other fields', () => read({ token: KEYS.secretAccessKey }), /has the fields token/],
    [
      'keys with an unknown field',
      () => read({ ...KEYS, region: 'us-east-1' }),
      /has the fields accessKeyId, region, secretAccessKey/,
    ],
    [
      'a username other than AWS',
      () => read({ username: 'admin', password: KEYS.secretAccessKey }),
      /username other than AWS/,
    ],
    ['a login without password', () => read({ username: 'AWS' }), /has the fields username/],
    ['a login mixed with keys', () => read({ username: 'AWS', password: 'p', ...KEYS }), /has the fields/],
    [
      'a malformed access key id',
      () => read({ ...KEYS, accessKeyId: 'AKIA 123' }),
      /accessKeyId that is not/,
    ],
    ['an empty secret', () => read({ ...KEYS, secretAccessKey: '' }), /empty secretAccessKey/],
    [
      'a role that is not a role ARN',
      () => read({ ...KEYS, roleArn: 'arn:aws:iam::210987654321:user/bob' }),
      /roleArn that is not an IAM role ARN/,
    ],
    [
      'an externalId without a role',
      () => read({ ...KEYS, externalId: 'org-42' }),
      /externalId without a roleArn/,
    ],
  ])('refuses %s, naming the accepted shapes and no value', (_name, fn, message) => {
    const text = refusal(fn);

    expect(text).toMatch(message);
    expect(text).toMatch(/accessKeyId and secretAccessKey .* username: "AWS"/);
    expect(text).not.toContain(KEYS.secretAccessKey);
    expect(text).not.toContain('AKIA 123');
  });
});
