import { describe, expect, it } from 'vitest';
import { createKeyedMutex, createWriteQueues } from './serial.js';

describe('write queues', () => {
  it('runs writes of one installation one at a time, at least the interval apart', async () => {
    let clock = 0;
    const waits: number[] = [];
    const queues = createWriteQueues({
      minIntervalMs: 1_000,
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    const order: string[] = [];
    let running = 0;
    const write = (name: string) => async () => {
      running += 1;
      expect(running).toBe(1);
      order.push(`${name}@${clock}`);
      if (name !== 'other') clock += 10;
      running -= 1;
      return name;
    };

    const results = await Promise.all([
      queues.run('api#1', write('a')),
      queues.run('api#1', write('b')),
      queues.run('api#2', write('other')),
      queues.run('api#1', write('c')),
    ]);

    expect(results).toEqual(['a', 'b', 'other', 'c']);
    expect(order.filter((entry) => !entry.startsWith('other'))).toEqual(['a@0', 'b@1010', 'c@2020']);
    // Each write of installation 1 starts a full second after the previous one ended (at +10).
    expect(waits).toEqual([1_000, 1_000]);
  });

  it('keeps going after a failed write', async () => {
    const queues = createWriteQueues({ minIntervalMs: 0 });

    const failed = queues.run('k', async () => {
      throw new Error('boom');
    });
    const next = queues.run('k', async () => 'ok');

    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });

  it('forgets idle keys of the mutex', async () => {
    const mutex = createKeyedMutex();

    await Promise.all([mutex.run('a', async () => 1), mutex.run('a', async () => 2)]);

    expect(mutex.size()).toBe(0);
  });
});
