import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatScope, mergeScopes, parseChallenges, parseScopes } from './www-authenticate.js';

describe('parseChallenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io' },
        },
      ],
    ],
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://ghcr.io/token', service: 'ghcr.io', scope: 'repository:user/image:pull' },
        },
      ],
    ],
    [
      'Basic realm="https://123456789.dkr.ecr.eu-central-1.amazonaws.com/",service="ecr.amazonaws.com"',
      [
        {
          scheme: 'basic',
          params: {
            realm: 'https://123456789.dkr.ecr.eu-central-1.amazonaws.com/',
            service: 'ecr.amazonaws.com',
          },
        },
      ],
    ],
    ['Basic realm="Artifactory Realm"', [{ scheme: 'basic', params: { realm: 'Artifactory Realm' } }]],
    [
      // Two challenges in one header, commas between parameters and between challenges alike.
      'Bearer realm="https://codeberg.org/v2/token",service="container_registry",scope="*",Basic realm="https://codeberg.org/v2",service="container_registry",scope="*"',
      [
        {
          scheme: 'bearer',
          params: { realm: 'https://codeberg.org/v2/token', service: 'container_registry', scope: '*' },
        },
        {
          scheme: 'basic',
          params: { realm: 'https://codeberg.org/v2', service: 'container_registry', scope: '*' },
        },
      ],
    ],
    [
      // A comma inside a quoted value is part of it.
      'Bearer realm="https://r.example/token",service="r",scope="repository:acme/app:pull,push",error="insufficient_scope"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://r.example/token',
            service: 'r',
            scope: 'repository:acme/app:pull,push',
            error: 'insufficient_scope',
          },
        },
      ],
    ],
    [
      // Case, spaces around `=`, unquoted values, escapes, and token68.
      'BEARER Realm = https://r.example/token , Service="a \\"quoted\\" name", Negotiate abc+/def==',
      [
        { scheme: 'bearer', params: { realm: 'https://r.example/token', service: 'a "quoted" name' } },
        { scheme: 'negotiate', params: {}, token68: 'abc+/def==' },
      ],
    ],
    ['Basic', [{ scheme: 'basic', params: {} }]],
    ['', []],
    [',,  ,', []],
  ])('%s', (header, expected) => {
    expect(
      parseChallenges(header).map((challenge) => ({ ...challenge, params: { ...challenge.params } })),
    ).toEqual(expected);
  });

  it('keeps the first of a repeated parameter and cannot be fooled into a prototype key', () => {
    const [challenge] = parseChallenges(
      'Bearer realm="https://a/token", realm="https://evil/token", __proto__="x"',
    );
    expect(challenge?.params.realm).toBe('https://a/token');
    expect(Object.getPrototypeOf(challenge?.params)).toBe(null);
  });

  it('never throws, whatever the header', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (header) => {
        expect(Array.isArray(parseChallenges(header))).toBe(true);
      }),
    );
  });

  it('reads back the parameters it is given, quoted with any characters', () => {
    const value = fc.string({ maxLength: 40 });
    fc.assert(
      fc.property(value, value, (realm, scope) => {
        const quote = (text: string) => `"${text.replace(/["\\]/g, (char) => `\\${char}`)}"`;
        const [challenge] = parseChallenges(`Bearer realm=${quote(realm)},scope=${quote(scope)}`);
        expect(challenge?.params.realm).toBe(realm);
        expect(challenge?.params.scope).toBe(scope);
      }),
    );
  });
});

describe('scopes', () => {
  it('parses several scopes, a resource name with a port, and actions', () => {
    expect(
      parseScopes('repository:acme/app:pull,push registry:catalog:* repository:host:5000/app:pull'),
    ).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'host:5000/app', actions: ['pull'] },
    ]);
    expect(parseScopes('nonsense')).toEqual([]);
    expect(parseScopes(undefined)).toEqual([]);
  });

  it('merges per resource, the first list first', () => {
    const merged = mergeScopes(
      parseScopes('repository:b:pull'),
      parseScopes('repository:a:pull repository:b:push'),
    );
    expect(merged.map(formatScope)).toEqual(['repository:b:pull,push', 'repository:a:pull']);
  });
});
