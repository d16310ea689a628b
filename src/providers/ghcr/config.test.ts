import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { loadPlugins } from '../../plugins/loader.js';
import { apiBaseOf, registryEndpointOf, repositoryOf } from './config.js';
import { createGhcrPlugin } from './plugin.js';

/** The config as the catalog validates it, the API's URL, and how a package becomes a repository name. */

const registry = await loadPlugins([asConnectorPlugin(createGhcrPlugin())], [], silentLogger);
const validate = (config: unknown) => registry.validateConfig('ghcr', 'registry', config);

describe('ghcr config', () => {
  it('fills the defaults: an organisation on github.com, TLS required', () => {
    expect(validate({ owner: 'acme' })).toEqual({
      owner: 'acme',
      ownerType: 'org',
      apiUrl: 'https://api.github.com',
      plainHttp: false,
    });
  });

  it('keeps a user owner, a GHES API, repositories and token realm hosts', () => {
    const config = {
      owner: 'Octo-Cat',
      ownerType: 'user',
      apiUrl: 'https://ghe.example.com/api/v3',
      repositories: ['octo-cat/tool'],
      tokenRealmHosts: ['auth.example.com'],
      plainHttp: false,
    };

    expect(validate(config)).toEqual(config);
  });

  it.each([
    [{}, '/config/owner'],
    [{ owner: '-acme' }, '/config/owner'],
    [{ owner: 'acme--x' }, '/config/owner'],
    [{ owner: 'a'.repeat(40) }, '/config/owner'],
    [{ owner: 'acme', ownerType: 'team' }, '/config/ownerType'],
    [{ owner: 'acme', repositories: ['Acme/App'] }, '/config/repositories/0'],
    [{ owner: 'acme', catalog: true }, '/config/catalog'],
  ])('refuses %j, naming %s', (config, field) => {
    let error: unknown;
    try {
      validate(config);
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).details.map((detail) => detail.field)).toContain(field);
  });

  it('reads the API URL with or without a trailing slash, GHES path kept', () => {
    expect(apiBaseOf({ apiUrl: 'https://api.github.com', plainHttp: false }).href).toBe(
      'https://api.github.com/',
    );
    expect(apiBaseOf({ apiUrl: 'https://ghe.example.com/api/v3/', plainHttp: false }).href).toBe(
      'https://ghe.example.com/api/v3/',
    );
  });

  it.each([
    ['http://127.0.0.1:8080', /plainHttp/],
    ['not a url', /not a URL/],
    ['ftp://api.example.com', /https/],
    ['https://user:ghp_x@api.github.com', /credentials/],
    ['https://api.github.com/?per_page=1', /query/],
  ])('refuses the API URL %s', (apiUrl, words) => {
    const read = () => apiBaseOf({ apiUrl, plainHttp: false });

    expect(read).toThrow(InvalidInputError);
    expect(read).toThrow(words);
  });

  it('allows a plain-http API only with plainHttp', () => {
    expect(apiBaseOf({ apiUrl: 'http://127.0.0.1:8080', plainHttp: true }).href).toBe(
      'http://127.0.0.1:8080/',
    );
  });

  it('names a package’s repository by its lower-case owner, keeping a nested name', () => {
    expect(repositoryOf('Acme', 'app')).toBe('acme/app');
    expect(repositoryOf('Octo-Cat', 'team/Worker')).toBe('octo-cat/team/worker');
  });

  it('reads the registry at ghcr.io unless another endpoint is given', () => {
    expect(registryEndpointOf('')).toBe('https://ghcr.io');
    expect(registryEndpointOf('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000');
  });
});
