import { describe, expect, it } from 'vitest';
import { UnprocessableError } from '../../core/errors.js';
import { Secret, SecretBundle } from '../../secrets/index.js';
import { readCredential } from './credential.js';

/** The two credential shapes, told apart by their fields; anything else named, never shown. */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '0f7a3b51-7c2e-4d38-9b4e-1a2b3c4d5e6f';
const SECRET = 'very~Secret.value-0123';

const read = (fields: Record<string, string>) => readCredential(SecretBundle.fromStrings(fields));

function refusal(fn: () => unknown): UnprocessableError {
  try {
    fn();
  } catch (error) {
    if (error instanceof UnprocessableError) return error;
    throw error;
  }
  throw new Error('expected a credentials_shape error');
}

describe('acr credentials', () => {
  it('reads a service principal, by tenant id or domain', () => {
    const byId = read({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET });
    const byDomain = read({ tenantId: 'contoso.onmicrosoft.com', clientId: CLIENT, clientSecret: SECRET });

    expect(byId).toEqual({
      kind: 'service_principal',
      tenantId: TENANT,
      clientId: CLIENT,
      clientSecret: SECRET,
    });
    expect(byDomain).toMatchObject({ kind: 'service_principal', tenantId: 'contoso.onmicrosoft.com' });
  });

  it('reads a registry login (admin user or repository-scoped token) as it is', () => {
    expect(read({ username: 'contosoregistry', password: SECRET })).toEqual({
      kind: 'login',
      username: 'contosoregistry',
      password: SECRET,
    });
  });

  it.each([
    ['one value', () => readCredential(Secret.from(SECRET)), /single value/],
    [
      'a half service principal',
      () => read({ tenantId: TENANT, clientSecret: SECRET }),
      /fields clientSecret, tenantId$/,
    ],
    [
      'both shapes at once',
      () =>
        read({ tenantId: TENANT, clientId: CLIENT, clientSecret: SECRET, username: 'u', password: SECRET }),
      /fields clientId, clientSecret, password, tenantId, username/,
    ],
    [
      'a misspelt field',
      () => read({ tenantId: TENANT, clientId: CLIENT, clientSecrect: SECRET }),
      /clientSecrect/,
    ],
    ['no fields', () => read({}), /\(none\)/],
  ])('refuses %s, naming the accepted shapes', (_what, fn, fields) => {
    const error = refusal(fn);

    expect(error.code).toBe('credentials_shape');
    expect(error.message).toContain('{ tenantId, clientId, clientSecret }');
    expect(error.message).toContain('{ username, password }');
    expect(error.message).toMatch(fields);
    expect(error.message).not.toContain(SECRET);
  });

  it.each([
    [
      'a tenant that is neither a GUID nor a domain',
      { tenantId: 'contoso/../x', clientId: CLIENT, clientSecret: SECRET },
      /tenantId/,
    ],
    [
      'a client id that is not a GUID',
      { tenantId: TENANT, clientId: 'my-app', clientSecret: SECRET },
      /clientId/,
    ],
    ['an empty secret', { tenantId: TENANT, clientId: CLIENT, clientSecret: '' }, /clientSecret is empty/],
    ['a username with a colon', { username: 'a:b', password: SECRET }, /colon/],
    ['an empty password', { username: 'contosoregistry', password: '' }, /password is empty/],
  ])('refuses %s', (_what, fields, words) => {
    const error = refusal(() => read(fields));

    expect(error.code).toBe('credentials_shape');
    expect(error.message).toMatch(words);
    expect(error.message).not.toContain(SECRET);
  });
});
