/**
 * Serialising work per key, in the plugin instance: a keyed mutex (one `ensure` at a time per pull
 * request, so two concurrent calls cannot both create a comment), and per-installation write queues that
 * keep GitHub's advice for content-creating requests: one at a time, at least a second apart ("Best
 * practices for using the REST API": "wait at least one second between each request").
 */

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface KeyedMutex {
  /** Runs `fn` when no other `fn` of the same key runs; keys are dropped once idle. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T>;
  /** Keys with work running or waiting (for tests). */
  size(): number;
}

export function createKeyedMutex(): KeyedMutex {
  const tails = new Map<string, Promise<void>>();
  return {
    async run(key, fn) {
      const previous = tails.get(key) ?? Promise.resolve();
      let release!: () => void;
      const mine = new Promise<void>((resolve) => {
        release = resolve;
      });
      const tail = previous.then(() => mine);
      tails.set(key, tail);
      await previous;
      try {
        return await fn();
      } finally {
        release();
        if (tails.get(key) === tail) tails.delete(key);
      }
    },
    size: () => tails.size,
  };
}

export interface WriteQueueOptions {
  /** Least time between the end of one write and the start of the next (default 1,000 ms). */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
  readonly sleep?: Sleep;
}

export interface WriteQueues {
  /** Runs the write `fn` in `key`'s queue, spaced from the previous write of the same key. */
  run<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

const defaultSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * @example
 * const writes = createWriteQueues({ minIntervalMs: 1000 });
 * await writes.run(`${apiUrl}#${installationId}`, () => postComment(), signal);
 */
export function createWriteQueues(options: WriteQueueOptions = {}): WriteQueues {
  const interval = options.minIntervalMs ?? 1_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const mutex = createKeyedMutex();
  const lastWrite = new Map<string, number>();
  return {
    run(key, fn, signal) {
      return mutex.run(key, async () => {
        signal?.throwIfAborted();
        const last = lastWrite.get(key);
        const wait = last === undefined ? 0 : last + interval - now();
        if (wait > 0) await sleep(wait, signal);
        try {
          return await fn();
        } finally {
          lastWrite.set(key, now());
          // Forget installations that have been quiet for a while, so the map stays small.
          if (lastWrite.size > 1_000) {
            for (const [other, at] of lastWrite) if (now() - at > interval) lastWrite.delete(other);
          }
        }
      });
    },
  };
}
