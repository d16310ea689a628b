import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../core/errors.js';
import { HttpError } from '../net/index.js';
import { createAuditTrail } from './audit-trail.js';
import { CredentialRejectedError, isCredentialRejection, withCredentialRetry } from './credential-retry.js';
import { createCredentialsAccessor } from './credentials.js';
import { createFingerprinter } from './crypto/fingerprint.js';
import { createSecretResolver, type ResolveContext } from './resolver.js';
import type { Secret } from './secret.js';
import { fakeStore, memoryAuditRepository, testMasterKeys } from './secrets.test-kit.js';
import { createSecretStoreRegistry } from './stores/registry.js';

const ctx: ResolveContext = {
  tenantId: 'acme',
  actor: 'system',
  integrationId: 'int-1',
  purpose: 'annotate',
};
const REF = 'authref://vault-prod/gitlab#token';

function setup() {
  const vault = fakeStore('vault-prod');
  vault.set('gitlab', { token: 'old-token' });
  const resolver = createSecretResolver({
    stores: createSecretStoreRegistry([{ store: vault.store, tenants: '*' }]),
    audit: createAuditTrail({ repository: memoryAuditRepository() }),
    fingerprints: createFingerprinter(testMasterKeys()),
  });
  return { vault, resolver };
}

const unauthorized = () =>
  new HttpError({
    code: 'http_4xx',
    isTransient: false,
    method: 'GET',
    url: 'https://gitlab.example/api/v4/user',
    reason: 'HTTP 401 Unauthorized',
    attempts: 1,
    status: 401,
  });

describe('withCredentialRetry', () => {
  it('re-resolves once when the outside system refuses the credential, and retries with the new one', async () => {
    const { vault, resolver } = setup();
    await resolver.resolve(REF, ctx);
    vault.set('gitlab', { token: 'rotated-token' }, '2');
    const seen: string[] = [];

    const result = await withCredentialRetry(resolver, REF, ctx, async ({ value }) => {
      const token = (value as Secret).reveal();
      seen.push(token);
      if (token === 'old-token') throw unauthorized();
      return 'ok';
    });

    expect(result).toBe('ok');
    expect(seen).toEqual(['old-token', 'rotated-token']);
  });

  it('does not call again when the store still holds the refused value', async () => {
    const { vault, resolver } = setup();
    let calls = 0;

    const error = await withCredentialRetry(resolver, REF, ctx, async () => {
      calls += 1;
      throw unauthorized();
    }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(HttpError);
    expect(calls).toBe(1);
    expect(vault.reads).toBe(2);
  });

  it('fails after the second refusal and leaves nothing cached', async () => {
    const { vault, resolver } = setup();
    let calls = 0;

    const error = await withCredentialRetry(resolver, REF, ctx, async () => {
      calls += 1;
      vault.set('gitlab', { token: `token-${calls}` }, String(calls + 1));
      throw new CredentialRejectedError();
    }).catch((e: unknown) => e);
    const readsAfter = vault.reads;
    await resolver.resolve(REF, ctx);

    expect(error).toBeInstanceOf(CredentialRejectedError);
    expect(calls).toBe(2);
    expect(vault.reads).toBe(readsAfter + 1);
  });

  it('does not retry other failures', async () => {
    const { vault, resolver } = setup();
    let calls = 0;

    const error = await withCredentialRetry(resolver, REF, ctx, async () => {
      calls += 1;
      throw new UpstreamError('gitlab is down', { isTransient: true });
    }).catch((e: unknown) => e);

    expect((error as Error).message).toBe('gitlab is down');
    expect([calls, vault.reads]).toEqual([1, 1]);
  });

  it('understands results that report a refusal (ScmOperationResult style)', async () => {
    const { vault, resolver } = setup();
    await resolver.resolve(REF, ctx);
    vault.set('gitlab', { token: 'rotated-token' }, '2');

    const result = await withCredentialRetry(
      resolver,
      REF,
      ctx,
      async ({ value }) => ({ success: (value as Secret).reveal() === 'rotated-token', status: 401 }),
      { rejectedResult: (r) => !r.success && r.status === 401 },
    );

    expect(result.success).toBe(true);
  });

  it('knows a refusal when it sees one', () => {
    expect(isCredentialRejection(unauthorized())).toBe(true);
    expect(isCredentialRejection(new CredentialRejectedError())).toBe(true);
    expect(isCredentialRejection(new UpstreamError('x', { isTransient: false }))).toBe(false);
    expect(isCredentialRejection(new Error('401'))).toBe(false);
  });
});

describe('credentials accessor', () => {
  it('gives a plugin its credential, a field of it, or a clear error', async () => {
    const { vault, resolver } = setup();
    vault.set('app', { appId: '7', privateKey: 'pem' });
    const whole = createCredentialsAccessor(resolver, 'authref://vault-prod/app', ctx);
    const none = createCredentialsAccessor(resolver, null, ctx);

    expect((await whole.secret('appId')).reveal()).toBe('7');
    expect((await whole.bundle()).names()).toEqual(['appId', 'privateKey']);
    await expect(whole.secret()).rejects.toThrow(/object of named fields/);
    expect(none.configured).toBe(false);
    await expect(none.get()).rejects.toThrow(/no credential reference/);
  });
});
