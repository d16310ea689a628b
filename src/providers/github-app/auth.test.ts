import { afterEach, describe, expect, it } from 'vitest';
import { generateAppKeys } from '../../../test/fakes/github/app-jwt.js';
import type { CredentialsAccessor } from '../../secrets/index.js';
import { SecretBundle } from '../../secrets/index.js';
import { type Harness, startHarness, TARGET } from './github-app.test-kit.js';

const status = {
  owner: TARGET.owner,
  repository: TARGET.repository,
  commitSha: TARGET.commitSha,
  state: 'success' as const,
  context: 'security/scan',
};

let h: Harness | undefined;
afterEach(async () => {
  expect(h?.github.violations).toEqual([]);
  await h?.close();
  h = undefined;
});

function claims(jwt: string): { iat: number; exp: number; iss: unknown } {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
}

describe('github_app authentication', () => {
  it('signs RS256 JWTs back-dated 60 s and valid for at most 10 minutes', async () => {
    h = await startHarness();
    const before = Math.floor(Date.now() / 1000);

    await h.client().postStatus(status);

    const jwts = h.github.state.jwts;
    expect(jwts.length).toBeGreaterThan(0);
    const header = JSON.parse(Buffer.from(jwts[0]?.split('.')[0] ?? '', 'base64url').toString('utf8'));
    const { iat, exp, iss } = claims(jwts[0] ?? '');
    expect(header.alg).toBe('RS256');
    expect(iat).toBeLessThanOrEqual(before - 59);
    expect(iat).toBeGreaterThanOrEqual(before - 62);
    expect(exp - iat).toBe(600);
    expect(iss).toBe(h.github.state.app.id);
  });

  it('uses the client id as issuer when the credential has one', async () => {
    h = await startHarness();
    const credentials = accessor(() => ({
      clientId: h!.github.state.app.clientId,
      privateKey: h!.github.state.keys.privateKeyPem,
    }));

    const result = await h.plugin.scm(h.context({}, { credentials })).postStatus(status);

    expect(result.success).toBe(true);
    expect(claims(h.github.state.jwts[0] ?? '').iss).toBe(h.github.state.app.clientId);
  });

  it('finds the installation from the repository once, and reuses one token across operations', async () => {
    h = await startHarness();

    for (let i = 0; i < 3; i++) await h.client().postStatus({ ...status, context: `c${i}` });
    await h.client().postComment({ ...TARGET, repository: TARGET.repository, body: 'x' });

    expect(h.github.requests('apps/get-repo-installation')).toHaveLength(1);
    expect(h.github.requests('apps/create-installation-access-token')).toHaveLength(1);
    expect(h.github.issuedTokens()).toHaveLength(1);
  });

  it('keeps tokens apart per integration and tenant', async () => {
    h = await startHarness();

    await h.client().postStatus(status);
    await h.client({}, { id: 'int-2' }).postStatus(status);
    await h.client({}, { tenantId: 'other' }).postStatus(status);

    expect(h.github.issuedTokens()).toHaveLength(3);
  });

  it('makes a new token once when GitHub refuses the cached one with 401', async () => {
    h = await startHarness();
    await h.client().postStatus(status);
    h.github.revokeTokens();

    const result = await h.client().postStatus({ ...status, state: 'failure' });

    expect(result.success).toBe(true);
    expect(h.github.issuedTokens()).toHaveLength(2);
  });

  it('fails permanently when the new token is refused too, without a third try', async () => {
    h = await startHarness();
    h.github.inject({
      match: (request) => request.operation.operationId === 'repos/get-combined-status-for-ref',
      response: { status: 401, body: { message: 'Bad credentials' } },
    });

    const result = await h.client().postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: false, skippedOffline: false });
    expect(result.errorMessage).toMatch(/refused the App's credentials \(401\)/);
    expect(h.github.requests('repos/get-combined-status-for-ref')).toHaveLength(2);
    expect(h.github.issuedTokens()).toHaveLength(2);
  });

  it('refreshes a token shortly before it expires', async () => {
    // Tokens that live 4 minutes are used for half their life at most.
    let clock = Date.now();
    h = await startHarness({
      fake: { tokenLifetimeMs: 4 * 60_000, now: () => clock },
      plugin: { now: () => clock },
    });

    await h.client().postStatus(status);
    clock += 60_000;
    await h.client().postStatus({ ...status, context: 'b' });
    clock += 90_000;
    await h.client().postStatus({ ...status, context: 'c' });

    expect(h.github.issuedTokens()).toHaveLength(2);
  });

  it('re-reads a credential GitHub refuses (a rotated key) and tries once more', async () => {
    h = await startHarness();
    const stale = generateAppKeys().privateKeyPem;
    const current = h.github.state.keys.privateKeyPem;
    let reads = 0;
    const credentials = accessor(() => ({
      appId: String(h!.github.state.app.id),
      privateKey: reads++ === 0 ? stale : current,
    }));

    const result = await h.plugin.scm(h.context({}, { credentials })).postStatus(status);

    expect(result.success).toBe(true);
    // The stale key is refused once; every later JWT is signed with the key read again.
    expect(h.github.exchanges.filter((e) => e.status === 401)).toHaveLength(1);
    expect(reads).toBeGreaterThanOrEqual(2);
  });

  it('says so when the credential is not a { appId, privateKey } bundle', async () => {
    h = await startHarness();
    const credentials = accessor(() => ({ token: 'ghp_x' }));

    const result = await h.plugin.scm(h.context({}, { credentials })).postStatus(status);

    expect(result).toMatchObject({ success: false, isTransient: false });
    expect(result.errorMessage).toMatch(/needs appId or clientId/);
    expect(h.github.exchanges).toHaveLength(0);
  });
});

/** An accessor that resolves again on `withRetry`, like the real one after a refusal. */
function accessor(read: () => Record<string, string>): CredentialsAccessor {
  const resolve = () => ({
    ref: 'authref://local/x',
    store: 'local',
    value: SecretBundle.fromStrings(read()),
    version: '1',
    fingerprint: String(Math.random()),
    source: 'store' as const,
  });
  return {
    configured: true,
    get: async () => resolve(),
    secret: async () => {
      throw new Error('not used');
    },
    bundle: async () => resolve().value,
    async withRetry(fn, options) {
      try {
        return await fn(resolve());
      } catch (error) {
        if (!options?.isRejected?.(error)) throw error;
        return fn(resolve());
      }
    },
    invalidate() {},
  };
}
