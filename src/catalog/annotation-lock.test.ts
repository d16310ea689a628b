import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase, testDatabaseTargets } from '../../test/support/databases.js';
import { ConflictError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { createStore, type Store } from '../store/store.js';
import { createAnnotationLock, lockKeyOf } from './annotation-lock.js';

const targets = await testDatabaseTargets();
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

describe.each(targets)('annotation lock on $dialect', (target) => {
  let store: Store;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    if (!target.available) return;
    const opened = await openTestDatabase(target);
    store = createStore(opened.database);
    dispose = opened.dispose;
  });
  afterAll(async () => dispose?.());
  const test = it.skipIf(!target.available);
  const lockFor = (instanceId: string, options: { waitMs?: number; leaseMs?: number } = {}) =>
    createAnnotationLock({
      locks: store.annotationLocks,
      logger: silentLogger,
      now: () => new Date(),
      instanceId,
      ...options,
    });

  test('holders in two instances never overlap on one key', async () => {
    const [a, b] = [lockFor('a'), lockFor('b')];
    let inside = 0;
    let most = 0;
    const work = async () => {
      inside += 1;
      most = Math.max(most, inside);
      await sleep(15);
      inside -= 1;
    };

    await Promise.all(
      Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? a : b).withLock('k-overlap', 't', work)),
    );

    expect(most).toBe(1);
  });

  test('a key held past the wait limit gives a conflict; other keys are free', async () => {
    const holder = lockFor('a');
    const impatient = lockFor('b', { waitMs: 100 });
    let release!: () => void;
    const held = holder.withLock('k-busy', 't', () => new Promise<void>((done) => (release = done)));
    await sleep(20);

    const waited = impatient.withLock('k-busy', 't', async () => 'never');
    const other = await impatient.withLock('k-free', 't', async () => 'free');

    await expect(waited).rejects.toBeInstanceOf(ConflictError);
    expect(other).toBe('free');
    release();
    await held;
    expect(await impatient.withLock('k-busy', 't', async () => 'now')).toBe('now');
  });

  test('the lease of a holder that died is taken over once it runs out', async () => {
    const past = new Date(Date.now() - 60_000);
    const key = 'f'.repeat(64);
    await store.annotationLocks.tryAcquire({
      key,
      tenantId: 't',
      holder: 'dead',
      now: past.toISOString(),
      leaseUntil: new Date(past.getTime() + 1_000).toISOString(),
    });
    const live = await store.annotationLocks.tryAcquire({
      key,
      tenantId: 't',
      holder: 'other',
      now: new Date().toISOString(),
      leaseUntil: new Date(Date.now() + 30_000).toISOString(),
    });
    const blocked = await store.annotationLocks.tryAcquire({
      key,
      tenantId: 't',
      holder: 'third',
      now: new Date().toISOString(),
      leaseUntil: new Date(Date.now() + 30_000).toISOString(),
    });

    expect([live, blocked]).toEqual([true, false]);
  });

  test('the lease is renewed while the work runs and the row is gone afterwards', async () => {
    const lock = lockFor('a', { leaseMs: 90 });
    const rival = lockFor('b', { waitMs: 50 });

    const result = await lock.withLock('k-renew', 't', async () => {
      await sleep(250);
      return rival.withLock('k-renew', 't', async () => 'stolen').catch((error: unknown) => error);
    });

    expect(result).toBeInstanceOf(ConflictError);
    expect(await rival.withLock('k-renew', 't', async () => 'after')).toBe('after');
  });

  test('keys name tenant, integration, repository and pull request or commit', () => {
    expect(
      lockKeyOf('t', 'i', { owner: 'Acme', repository: 'App', pullRequestNumber: 3, commitSha: 'AB' }),
    ).toBe('t\ni\nacme/app#3');
    expect(lockKeyOf('t', 'i', { owner: 'a', repository: 'b', commitSha: 'AB' })).toBe('t\ni\na/b@ab');
  });
});
