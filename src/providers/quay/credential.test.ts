import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../core/errors.js';
import { Secret, SecretBundle } from '../../secrets/index.js';
import { identityOf, readCredential } from './credential.js';

const bundle = (fields: Record<string, string>) => SecretBundle.fromStrings(fields);
const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UnprocessableError);
    return (error as UnprocessableError).message;
  }
  throw new Error('expected a refusal');
};

describe('quay credential', () => {
  it('reads a robot account <org>+<robot> and names its organisation', () => {
    const credential = readCredential(bundle({ username: 'acme+scanner', password: 'ROBOTTOKEN123' }));

    expect(credential).toEqual({
      kind: 'robot',
      namespace: 'acme',
      username: 'acme+scanner',
      password: 'ROBOTTOKEN123',
    });
  });

  it('reads a user with an API token beside the password', () => {
    const credential = readCredential(
      bundle({ username: 'alice', password: 'encrypted-pw', apiToken: ' oauth-token-0123 ' }),
    );

    expect(credential).toEqual({
      kind: 'user',
      namespace: 'alice',
      username: 'alice',
      password: 'encrypted-pw',
      apiToken: 'oauth-token-0123',
    });
  });

  it.each([
    ['acme.corp+ci_bot', 'acme.corp'],
    ['my-org+scanner2', 'my-org'],
  ])('takes the robot %s of namespace %s', (username, namespace) => {
    expect(identityOf(username)).toEqual({ kind: 'robot', namespace });
  });

  it.each([
    'acme+',
    '+scanner',
    'Acme+scanner',
    'acme+Scanner',
    'acme+2scanner',
    'acme+scan+ner',
    'a+scanner',
  ])('refuses %s as a robot name, showing the robot name form', (username) => {
    const message = refusal(() => readCredential(bundle({ username, password: 'x' })));

    expect(message).toContain('<namespace>+<name>');
  });

  it('refuses a single value, missing or unknown fields, naming the fields but never a value', () => {
    const single = refusal(() => readCredential(Secret.from('s3cret-value')));
    const missing = refusal(() => readCredential(bundle({ username: 'acme+scanner' })));
    const unknown = refusal(() =>
      readCredential(bundle({ username: 'u', password: 'p', token: 's3cret-value' })),
    );

    expect(single).toMatch(/single value/);
    expect(missing).toMatch(/has the fields username$/);
    expect(unknown).toMatch(/has the fields password, token, username$/);
    expect([single, missing, unknown].join(' ')).not.toContain('s3cret-value');
  });

  it('refuses an empty password, a colon or space in the username, and a token that is not one', () => {
    const empty = refusal(() => readCredential(bundle({ username: 'acme+scanner', password: '' })));
    const colon = refusal(() => readCredential(bundle({ username: 'a:b', password: 'p' })));
    const space = refusal(() => readCredential(bundle({ username: 'a b', password: 'p' })));
    const token = refusal(() =>
      readCredential(bundle({ username: 'alice', password: 'p', apiToken: 'two words' })),
    );
    const blank = refusal(() => readCredential(bundle({ username: 'alice', password: 'p', apiToken: ' ' })));

    expect(empty).toMatch(/password is empty; store the robot's token/);
    expect(colon).toMatch(/space or a colon/);
    expect(space).toMatch(/space or a colon/);
    expect(token).toMatch(/apiToken is empty or not a token.*repo:read/);
    expect(blank).toMatch(/apiToken is empty/);
    expect(token).not.toContain('two words');
  });
});
