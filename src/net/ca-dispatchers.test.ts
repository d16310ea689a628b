import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { CaDispatchers } from './ca-dispatchers.js';

/** One pool per distinct CA, reused, least recently used closed past the limit and all on close. */

function counting(max?: number) {
  const made: { ca: string; closed: boolean }[] = [];
  const pools = new CaDispatchers((ca) => {
    const entry = { ca, closed: false };
    made.push(entry);
    // Only `close` is called by the cache; the real pools are exercised in http-client.tls.test.ts.
    const pool = {
      close: async () => {
        entry.closed = true;
      },
    };
    return pool as unknown as Dispatcher;
  }, max);
  return { pools, made };
}

describe('CaDispatchers', () => {
  it('makes one pool per distinct CA and hands the same one back for the same PEM', async () => {
    const { pools, made } = counting();

    const first = pools.for('CA one');
    const again = pools.for('CA one');
    const other = pools.for('CA two');

    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(made.map((entry) => entry.ca)).toEqual(['CA one', 'CA two']);
    expect(pools.size).toBe(2);
    await pools.close();
  });

  it('closes the least recently used pool past the limit, and every pool on close', async () => {
    const { pools, made } = counting(2);
    pools.for('a');
    pools.for('b');
    pools.for('a');

    pools.for('c');

    expect(pools.size).toBe(2);
    expect(made.filter((entry) => entry.closed).map((entry) => entry.ca)).toEqual(['b']);
    pools.for('b');
    expect(made.map((entry) => entry.ca)).toEqual(['a', 'b', 'c', 'b']);
    await pools.close();
    expect(made.every((entry) => entry.closed)).toBe(true);
    expect(pools.size).toBe(0);
  });
});
