import { createHash, randomUUID } from 'node:crypto';
import { ConflictError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { AnnotationLockRepository } from '../store/annotation-lock-repository.js';

/**
 * One annotate at a time per pull request (or commit), in this instance and across instances.
 *
 * Two layers, taken in order:
 * 1. An in-process mutex per key: callers in this instance queue in arrival order without touching
 *    the database or polling.
 * 2. A lock row with a lease (`annotation_locks`), the same on SQLite and PostgreSQL: whoever inserts
 *    the row (or takes over one whose lease ran out) holds the key; others poll with jittered backoff.
 *    The lease is renewed while the work runs, so a slow SCM does not lose it, and a holder that dies
 *    blocks the key for one lease at most.
 *
 * Why not `pg_advisory_xact_lock`: it holds a pooled connection and an open transaction for as long as
 * the SCM takes to answer, and every waiter holds one more; with a pool of 10, ten waiters on one busy
 * pull request would starve the whole service. A lease row costs a few short statements instead.
 * On SQLite one instance serves the database, so layer 1 already serialises everything and the row is
 * uncontended; it still makes a second process on the same file (not a supported deployment) safe.
 */
export interface AnnotationLock {
  /**
   * Runs `work` while holding `key`. Throws `ConflictError` when the key stays taken for longer than
   * the wait limit (the caller may try again).
   */
  withLock<T>(key: string, tenantId: string, work: () => Promise<T>): Promise<T>;
}

export interface AnnotationLockDeps {
  readonly locks: AnnotationLockRepository;
  readonly logger: Logger;
  readonly now: () => Date;
  /** Names this instance in the lock rows. */
  readonly instanceId: string;
  /** How long a lease lasts without renewal. Default 30 s. */
  readonly leaseMs?: number;
  /** How long a caller waits for the key before giving up with 409. Default 20 s. */
  readonly waitMs?: number;
}

const DEFAULT_LEASE_MS = 30_000;
const DEFAULT_WAIT_MS = 20_000;
const POLL_MIN_MS = 20;
const POLL_MAX_MS = 500;

/**
 * @example
 * const lock = createAnnotationLock({ locks: store.annotationLocks, logger, now, instanceId });
 * await lock.withLock(`${tenant}|${integrationId}|acme/app#7`, tenant, () => postEverything());
 */
export function createAnnotationLock(deps: AnnotationLockDeps): AnnotationLock {
  const leaseMs = deps.leaseMs ?? DEFAULT_LEASE_MS;
  const waitMs = deps.waitMs ?? DEFAULT_WAIT_MS;
  const tails = new Map<string, Promise<void>>();
  const busy = () =>
    new ConflictError('another annotate of this pull request or commit is running; try again');

  /** Waits for the callers ahead in this instance; the returned function lets the next one in. */
  async function enterLocal(key: string, deadline: number): Promise<() => void> {
    const previous = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((done) => {
      release = done;
    });
    const tail = previous.then(() => mine);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    const waited = await withTimeout(previous, deadline - performance.now());
    if (!waited) {
      // Give our turn away the moment it comes, so the queue behind us keeps moving.
      void previous.then(release);
      throw busy();
    }
    return release;
  }

  async function acquireRow(key: string, tenantId: string, holder: string, deadline: number) {
    for (let attempt = 0; ; attempt += 1) {
      const now = deps.now();
      const acquired = await deps.locks.tryAcquire({
        key,
        tenantId,
        holder,
        now: now.toISOString(),
        leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      });
      if (acquired) return;
      const left = deadline - performance.now();
      if (left <= 0) throw busy();
      const backoff = Math.min(POLL_MAX_MS, POLL_MIN_MS * 2 ** Math.min(attempt, 5));
      await sleep(Math.min(left, backoff / 2 + Math.random() * (backoff / 2)));
    }
  }

  return {
    async withLock(key, tenantId, work) {
      const deadline = performance.now() + waitMs;
      const hashed = createHash('sha256').update(key).digest('hex');
      const leave = await enterLocal(hashed, deadline);
      try {
        const holder = `${deps.instanceId}:${randomUUID()}`;
        await acquireRow(hashed, tenantId, holder, deadline);
        const renewal = setInterval(() => {
          const until = new Date(deps.now().getTime() + leaseMs).toISOString();
          deps.locks.renew(hashed, holder, until).then(
            (held) => {
              if (!held) deps.logger.warn({ lock: hashed }, 'annotate lock lease lost while working');
            },
            (error: unknown) =>
              deps.logger.warn({ err: error, lock: hashed }, 'annotate lock renewal failed'),
          );
        }, leaseMs / 3);
        renewal.unref();
        try {
          return await work();
        } finally {
          clearInterval(renewal);
          await deps.locks.release(hashed, holder).catch((error: unknown) => {
            // The lease runs out on its own; others wait at most that long.
            deps.logger.warn({ err: error, lock: hashed }, 'annotate lock release failed');
          });
        }
      } finally {
        leave();
      }
    },
  };
}

/** Resolves true when `promise` settles within `ms`, false otherwise. */
async function withTimeout(promise: Promise<void>, ms: number): Promise<boolean> {
  if (ms <= 0) return Promise.race([promise.then(() => true), Promise.resolve(false)]);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((done) => {
    timer = setTimeout(() => done(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}

/**
 * The per-PR lock key: tenant, integration, repository and pull request, or the commit when there is
 * no pull request. Owner and repository in lower case, as GitHub and GitLab treat them.
 */
export function lockKeyOf(
  tenantId: string,
  integrationId: string,
  where: { owner: string; repository: string; pullRequestNumber?: number; commitSha: string },
): string {
  const repo = `${where.owner}/${where.repository}`.toLowerCase();
  const ref =
    where.pullRequestNumber === undefined
      ? `@${where.commitSha.toLowerCase()}`
      : `#${where.pullRequestNumber}`;
  return `${tenantId}\n${integrationId}\n${repo}${ref}`;
}
