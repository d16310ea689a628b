import { describe, expect, it } from 'vitest';
import { createEgressPolicy } from './egress-policy.js';
import { EgressDeniedError } from './errors.js';
import type { WireRequest } from './exchange.js';
import { followRedirect, isFollowableRedirect } from './redirects.js';

const policy = createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] });

function wire(overrides: Partial<WireRequest> = {}): WireRequest {
  return {
    method: 'GET',
    url: new URL('https://api.example.com/v1/items?page=2'),
    headers: {
      authorization: 'Bearer t0ken-value',
      cookie: 'session=abc',
      'private-token': 'glpat-xyz',
      'x-api-key': 'k3y-value',
      'x-custom-token': 'other',
      accept: 'application/json',
    },
    body: undefined,
    ...overrides,
  };
}

describe('followRedirect', () => {
  it('resolves a relative Location against the current URL and keeps credentials on the same origin', () => {
    const next = followRedirect(policy, wire(), 302, '../v2/items');

    expect(next.url.href).toBe('https://api.example.com/v2/items');
    expect(next.headers.authorization).toBe('Bearer t0ken-value');
  });

  it('drops every credential header when the origin changes', () => {
    const next = followRedirect(policy, wire(), 301, 'https://cdn.example.net/file');

    expect(Object.keys(next.headers)).toEqual(['accept']);
  });

  it('treats another port of the same host as another origin', () => {
    const next = followRedirect(policy, wire(), 307, 'https://api.example.com:443/same');
    const withPort = createEgressPolicy({ allowPrivateNetworks: false, allowlist: [], allowedPorts: [8080] });
    const other = followRedirect(
      withPort,
      wire({ url: new URL('http://api.example.com/') }),
      307,
      'http://api.example.com:8080/',
    );

    expect(next.headers.authorization).toBeDefined();
    expect(other.headers.authorization).toBeUndefined();
  });

  it('refuses https to http, even on the same host', () => {
    const act = () => followRedirect(policy, wire(), 302, 'http://api.example.com/v1/items');

    expect(act).toThrow(EgressDeniedError);
    expect(act).toThrow(/redirect from https .* to http is not allowed/);
  });

  it('refuses a Location that points inside', () => {
    expect(() => followRedirect(policy, wire(), 302, 'https://169.254.169.254/latest/meta-data/')).toThrow(
      /cloud metadata/,
    );
  });

  it('turns a 303 into a GET without body or body headers', () => {
    const post = wire({
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', accept: '*/*' },
    });

    const next = followRedirect(policy, post, 303, '/status/1');

    expect(next).toMatchObject({ method: 'GET', body: undefined, headers: { accept: '*/*' } });
    expect(next.headers['content-type']).toBeUndefined();
  });

  it('keeps method and body on 307 and 308', () => {
    const put = wire({ method: 'PUT', body: 'data' });

    expect(followRedirect(policy, put, 307, '/a')).toMatchObject({ method: 'PUT', body: 'data' });
    expect(followRedirect(policy, put, 308, '/b')).toMatchObject({ method: 'PUT', body: 'data' });
  });

  it('knows which answers are redirects to follow', () => {
    expect(isFollowableRedirect(302, { location: '/x' })).toBe(true);
    expect(isFollowableRedirect(302, {})).toBe(false);
    expect(isFollowableRedirect(304, { location: '/x' })).toBe(false);
  });
});
