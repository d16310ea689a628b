import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import { describeRegistry, googleRegistryOf } from './endpoint.js';

const google = { plainHttp: false, nonGoogleHost: false };

describe('a gcr endpoint', () => {
  it.each([
    ['https://gcr.io', 'Container Registry (gcr.io)'],
    ['https://eu.gcr.io/', 'Container Registry (eu.gcr.io)'],
    ['https://asia.gcr.io/v2/', 'Container Registry (asia.gcr.io)'],
    ['https://europe-west1-docker.pkg.dev', 'Artifact Registry (europe-west1)'],
    ['https://us-docker.pkg.dev', 'Artifact Registry (us)'],
  ])('takes %s', (endpoint, described) => {
    expect(describeRegistry(googleRegistryOf(endpoint, google))).toBe(described);
  });

  it.each([
    [
      'another host',
      'https://registry.example.com',
      /not one of Google's registry hosts .*config\.nonGoogleHost/,
    ],
    ['a lookalike', 'https://gcr.io.example.com', /not one of Google's registry hosts/],
    ['a Maven repository', 'https://europe-west1-maven.pkg.dev', /not one of Google's registry hosts/],
    ['a path', 'https://europe-west1-docker.pkg.dev/acme/images', /without a path/],
    ['a port', 'https://gcr.io:8443', /port 443/],
    ['credentials', 'https://user:secret@gcr.io', /must not hold credentials/],
    ['plain http', 'http://gcr.io', /plain http/],
  ])('refuses %s', (_what, endpoint, message) => {
    const run = () => googleRegistryOf(endpoint, google);

    expect(run).toThrow(InvalidInputError);
    expect(run).toThrow(message);
  });

  it('takes another host, plain http too, only when config.nonGoogleHost says so', () => {
    const registry = googleRegistryOf('http://127.0.0.1:5000', { plainHttp: true, nonGoogleHost: true });

    expect(registry).toEqual({ kind: 'other', host: '127.0.0.1:5000' });
    expect(describeRegistry(registry)).toBe('the registry at 127.0.0.1:5000');
  });
});
