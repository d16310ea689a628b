import { createIdGenerator } from '../core/ids.js';
import { type Logger, silentLogger } from '../core/logger.js';
import type { AuditRecord, AuditRepository } from '../store/audit-repository.js';

/** An audit entry as callers give it; the trail adds the id and, unless given, the time. */
export type AuditEntry = Omit<AuditRecord, 'id' | 'at'> & { readonly at?: string };

/**
 * The credential audit trail. Resolutions are queued and written in batches, so resolving from the
 * cache never waits on a database write (best effort, with an error log and a `dropped` count when
 * the database is down: §1.4 "background use: best-effort + alert"). Writes of secrets go through
 * `write` with the transaction's repository, so their audit record commits with them or not at all.
 */
export interface AuditTrail {
  record(entry: AuditEntry): void;
  /** Writes entries now, through `repository` (a transaction's, to commit with the change). */
  write(entries: readonly AuditEntry[], repository: AuditRepository): Promise<void>;
  /** Writes everything queued so far. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is queued. */
  close(): Promise<void>;
  /** Entries given up on because the queue overflowed while the database failed. */
  dropped(): number;
}

export interface AuditTrailDeps {
  readonly repository: AuditRepository;
  readonly logger?: Logger;
  readonly now?: () => Date;
  /** Default 200 entries per insert. */
  readonly batchSize?: number;
  /** Longest an entry waits in the queue (default 100 ms). */
  readonly flushIntervalMs?: number;
  /** Entries kept while the database fails (default 10,000); beyond that the oldest are dropped. */
  readonly maxQueued?: number;
}

/**
 * @example
 * const audit = createAuditTrail({ repository: store.audit, logger });
 * audit.record({ tenantId, actor, action: 'resolve', outcome: 'success', … });
 * await audit.close(); // on shutdown
 */
export function createAuditTrail(deps: AuditTrailDeps): AuditTrail {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const newId = createIdGenerator(() => now().getTime());
  const batchSize = deps.batchSize ?? 200;
  const intervalMs = deps.flushIntervalMs ?? 100;
  const maxQueued = deps.maxQueued ?? 10_000;
  let queue: AuditRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  let dropped = 0;
  let failing = false;

  const complete = (entry: AuditEntry): AuditRecord => ({
    ...entry,
    id: newId(),
    at: entry.at ?? now().toISOString(),
  });

  async function writeQueued(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.slice(0, batchSize);
      queue = queue.slice(batch.length);
      try {
        await deps.repository.append(batch);
        if (failing) logger.info({ queued: queue.length }, 'audit trail writes work again');
        failing = false;
      } catch (error) {
        queue = [...batch, ...queue];
        const overflow = queue.length - maxQueued;
        if (overflow > 0) {
          queue = queue.slice(overflow);
          dropped += overflow;
        }
        if (!failing) {
          logger.error(
            { err: error, queued: queue.length, dropped },
            'cannot write the credential audit trail; entries are queued and retried',
          );
        }
        failing = true;
        schedule(Math.min(intervalMs * 20, 5_000));
        return;
      }
    }
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    running = running.then(writeQueued);
    return running;
  }

  function schedule(delayMs: number): void {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, delayMs);
    timer.unref();
  }

  return {
    record(entry) {
      queue.push(complete(entry));
      if (queue.length > maxQueued) {
        queue.shift();
        dropped += 1;
      }
      if (queue.length >= batchSize && !failing) void flush();
      else schedule(intervalMs);
    },

    async write(entries, repository) {
      await repository.append(entries.map(complete));
    },

    flush,

    async close() {
      await flush();
      if (timer) clearTimeout(timer);
      timer = undefined;
    },

    dropped: () => dropped,
  };
}
