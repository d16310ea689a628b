import { describe, expect, it } from 'vitest';
import { type Abortable, CallStop } from './call-stop.js';

/** An exchange that records why it was aborted. */
function exchange(): Abortable & { reasons: unknown[] } {
  const reasons: unknown[] = [];
  return { reasons, abort: (reason) => reasons.push(reason) };
}

describe('CallStop', () => {
  it('times out: aborts the exchange in flight and the waits, says it timed out', async () => {
    const stop = new CallStop(20, undefined);
    const inFlight = exchange();
    stop.watch(inFlight);
    const wait = stop.signal;

    await new Promise((done) => setTimeout(done, 60));

    expect(stop).toMatchObject({ stopped: true, timedOut: true, cancelled: false, timeoutMs: 20 });
    expect((stop.reason as Error).name).toBe('AbortError');
    expect(inFlight.reasons).toEqual([stop.reason]);
    expect(wait.aborted).toBe(true);
    stop.dispose();
  });

  it("is cancelled by the caller's signal, with the caller's reason", () => {
    const caller = new AbortController();
    const stop = new CallStop(60_000, caller.signal);
    const inFlight = exchange();
    stop.watch(inFlight);

    caller.abort(new Error('shutting down'));

    expect(stop).toMatchObject({ stopped: true, timedOut: false, cancelled: true });
    expect(inFlight.reasons).toEqual([caller.signal.reason]);
    expect(stop.signal.aborted).toBe(true);
    stop.dispose();
  });

  it('starts stopped for a caller that has already cancelled', () => {
    const stop = new CallStop(60_000, AbortSignal.abort(new Error('too late')));

    expect(stop).toMatchObject({ stopped: true, cancelled: true });
    expect((stop.reason as Error).message).toBe('too late');
    stop.dispose();
  });

  it('aborts only the exchange in flight, and nothing once disposed', () => {
    const caller = new AbortController();
    const stop = new CallStop(60_000, caller.signal);
    const settled = exchange();
    stop.watch(settled);
    stop.watch(undefined);
    stop.dispose();

    caller.abort();

    expect(settled.reasons).toEqual([]);
    expect(stop.stopped).toBe(false);
  });
});
