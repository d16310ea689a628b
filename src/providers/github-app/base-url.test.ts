import { describe, expect, it } from 'vitest';
import { normaliseGitHubBaseUrl } from './base-url.js';

describe('normaliseGitHubBaseUrl', () => {
  it.each([
    ['https://github.com', 'https://api.github.com', false],
    ['https://github.com/', 'https://api.github.com', false],
    ['https://www.github.com/acme', 'https://api.github.com', false],
    ['https://api.github.com', 'https://api.github.com', false],
    ['https://api.github.com/', 'https://api.github.com', false],
    ['https://GitHub.com', 'https://api.github.com', false],
    ['https://octocorp.ghe.com', 'https://api.octocorp.ghe.com', false],
    ['https://api.octocorp.ghe.com/', 'https://api.octocorp.ghe.com', false],
    ['https://ghe.example.com', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/api', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/api/', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/api/v3', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/api/v3/', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/api/v3//', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com//api//v3/', 'https://ghe.example.com/api/v3', true],
    ['https://ghe.example.com/api/graphql', 'https://ghe.example.com/api/v3', true],
    ['  https://ghe.example.com/api/v3  ', 'https://ghe.example.com/api/v3', true],
    ['https://GHE.Example.com:8443/api/v3', 'https://ghe.example.com:8443/api/v3', true],
    ['http://127.0.0.1:3000', 'http://127.0.0.1:3000/api/v3', true],
    ['https://example.com/github/api/v3', 'https://example.com/github/api/v3', true],
  ])('%s → %s', (input, rest, enterprise) => {
    const urls = normaliseGitHubBaseUrl(input);

    expect(urls.rest).toBe(rest);
    expect(urls.enterprise).toBe(enterprise);
  });

  it('derives GraphQL and uploads from the same root', () => {
    expect(normaliseGitHubBaseUrl('https://ghe.example.com/api/v3/')).toEqual({
      rest: 'https://ghe.example.com/api/v3',
      graphql: 'https://ghe.example.com/api/graphql',
      uploads: 'https://ghe.example.com/api/uploads',
      enterprise: true,
    });
    expect(normaliseGitHubBaseUrl('https://github.com').graphql).toBe('https://api.github.com/graphql');
  });

  it.each(['not a url', 'ftp://ghe.example.com', 'https://user:pass@ghe.example.com'])(
    'refuses %s',
    (input) => {
      expect(() => normaliseGitHubBaseUrl(input)).toThrow(/endpoint/);
    },
  );
});
