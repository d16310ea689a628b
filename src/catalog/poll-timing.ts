import { createHash } from 'node:crypto';

/**
 * When health checks run. Integrations are spread over the interval by a hash of their id, and each
 * next run is jittered by ±10%, so thousands of integrations never fall due in the same second.
 */

/** A stable offset in [0, periodMs) derived from the id. */
export function phaseMs(id: string, periodMs: number): number {
  if (periodMs <= 0) return 0;
  return createHash('sha256').update(id).digest().readUInt32BE(0) % periodMs;
}

/** The first check of a new integration: soon, spread over at most a minute. */
export function firstRunAt(id: string, now: Date, intervalMs: number): Date {
  return new Date(now.getTime() + phaseMs(id, Math.min(intervalMs, 60_000)));
}

/** The run after one that just finished: one interval later, ±10%. */
export function nextRunAt(now: Date, intervalMs: number, random: () => number = Math.random): Date {
  return new Date(now.getTime() + Math.round(intervalMs * (0.9 + 0.2 * random())));
}
