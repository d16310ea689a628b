import { describe, expect, it } from 'vitest';
import { hubApiBaseOf, registryEndpointOf, registryRepositoryOf } from './endpoint.js';

describe('registryEndpointOf', () => {
  it.each([
    'https://registry-1.docker.io',
    'https://registry-1.docker.io/',
    'https://registry-1.docker.io/v2/',
    'https://docker.io',
    'https://DOCKER.IO/',
    'https://index.docker.io/v1/',
    'https://registry.hub.docker.com',
    ' https://index.docker.io ',
  ])('reads %s as Docker Hub’s registry', (endpoint) => {
    expect(registryEndpointOf(endpoint, { plainHttp: false })).toBe('https://registry-1.docker.io');
  });

  it('keeps another registry URL (a mirror, a test front), checked as any registry URL', () => {
    expect(registryEndpointOf('https://mirror.example.com/v2/', { plainHttp: false })).toBe(
      'https://mirror.example.com',
    );
    expect(registryEndpointOf('http://127.0.0.1:5000', { plainHttp: true })).toBe('http://127.0.0.1:5000');
  });

  it.each([
    [
      'https://hub.docker.com',
      /Docker Hub's website; the endpoint is the registry, https:\/\/registry-1\.docker\.io/,
    ],
    ['http://docker.io', /must be https:\/\/registry-1\.docker\.io \(https/],
    ['https://docker.io:8443', /must be https:\/\/registry-1\.docker\.io \(https, no port/],
    ['https://user:pw@index.docker.io', /no credentials/],
    ['https://docker.io/library/nginx', /without a path/],
    ['docker.io', /is not a URL/],
    ['http://mirror.example.com', /plainHttp/],
  ])('refuses %s', (endpoint, message) => {
    expect(() => registryEndpointOf(endpoint, { plainHttp: false })).toThrow(message);
  });
});

describe('hubApiBaseOf', () => {
  it('is the API URL with one trailing slash', () => {
    expect(hubApiBaseOf({ hubApiUrl: 'https://hub.docker.com', plainHttp: false }).href).toBe(
      'https://hub.docker.com/',
    );
    expect(hubApiBaseOf({ hubApiUrl: 'http://127.0.0.1:8080/hub//', plainHttp: true }).href).toBe(
      'http://127.0.0.1:8080/hub/',
    );
  });

  it.each([
    ['not a url', /config\.hubApiUrl is not a URL/],
    ['http://hub.example.com', /must be an https:\/\/ URL/],
    ['https://u:p@hub.docker.com', /must not hold credentials/],
    ['https://hub.docker.com/?x=1', /must not have a query/],
    ['ftp://hub.docker.com', /must be an https:\/\/ URL/],
  ])('refuses %s', (hubApiUrl, message) => {
    expect(() => hubApiBaseOf({ hubApiUrl, plainHttp: false })).toThrow(message);
  });
});

describe('registryRepositoryOf', () => {
  it('names official images as the registry does, library/<name>', () => {
    expect(registryRepositoryOf('nginx')).toBe('library/nginx');
    expect(registryRepositoryOf('library/nginx')).toBe('library/nginx');
    expect(registryRepositoryOf('acme/app')).toBe('acme/app');
    expect(registryRepositoryOf('acme/team/app')).toBe('acme/team/app');
  });

  it.each(['Nginx', 'acme/', '', 'acme//app', 'a'.repeat(256)])('refuses %j', (name) => {
    expect(() => registryRepositoryOf(name)).toThrow(/must be a Docker Hub repository name/);
  });
});
