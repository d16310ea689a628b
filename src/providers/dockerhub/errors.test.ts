import { describe, expect, it } from 'vitest';
import { HttpError } from '../../net/index.js';
import { RegistryAuthError } from '../oci/index.js';
import { describeFailure } from './errors.js';
import { DockerHubRateLimitError, rateLimited } from './registry.js';

const http429 = (body?: string) =>
  new HttpError({
    code: 'http_4xx',
    isTransient: true,
    method: 'GET',
    url: 'https://registry-1.docker.io/v2/library/nginx/manifests/latest',
    reason: 'HTTP 429 Too Many Requests',
    attempts: 3,
    status: 429,
    ...(body === undefined ? {} : { body }),
  });
const PULL_LIMIT = JSON.stringify({
  errors: [{ code: 'TOOMANYREQUESTS', message: 'You have reached your pull rate limit.' }],
});

describe('describeFailure', () => {
  it('says which 429 it was', () => {
    expect(describeFailure(http429(PULL_LIMIT))).toMatch(
      /^GET https:\/\/registry-1\.docker\.io\/v2\/library\/nginx\/manifests\/latest: Docker Hub's pull limit is used up \(429 TOOMANYREQUESTS\)/,
    );
    expect(describeFailure(http429('Too Many Requests (HAP429).'))).toMatch(/anti-abuse protection/);
    expect(describeFailure(http429())).toMatch(/anti-abuse protection/);
  });

  it('keeps the words of other failures', () => {
    const refused = new RegistryAuthError('the registry refused the credentials: HTTP 401', {
      reason: 'refused',
    });

    expect(describeFailure(refused)).toBe('the registry refused the credentials: HTTP 401');
    expect(describeFailure('plain')).toBe('plain');
  });
});

describe('rateLimited', () => {
  it('turns a 429 into a transient error naming the limit, and lets others through', async () => {
    const limited = await rateLimited(() => Promise.reject(http429(PULL_LIMIT))).catch(
      (error: unknown) => error,
    );
    const abused = await rateLimited(() => Promise.reject(http429('nope'))).catch((error: unknown) => error);
    const other = new RegistryAuthError('x', { reason: 'refused' });

    expect(limited).toBeInstanceOf(DockerHubRateLimitError);
    expect(limited).toMatchObject({ kind: 'pull_limit', isTransient: true, code: 'registry_rate_limited' });
    expect((limited as Error).cause).toBeInstanceOf(HttpError);
    expect(abused).toMatchObject({ kind: 'anti_abuse' });
    await expect(rateLimited(() => Promise.reject(other))).rejects.toBe(other);
    await expect(rateLimited(async () => 'read')).resolves.toBe('read');
  });
});
