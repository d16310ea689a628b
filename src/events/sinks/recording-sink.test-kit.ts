import { UpstreamError } from '../../core/errors.js';
import type { CloudEvent, EncodedEvent } from '../cloud-event.js';
import type { EventSink } from './sink.js';

/** What a recording sink does with one publish. */
export type Answer = 'ok' | 'transient' | 'permanent';

export interface RecordingSink extends EventSink {
  /** Events accepted, in the order they were published. */
  readonly accepted: CloudEvent[];
  /** Every publish, accepted or not. */
  readonly tried: CloudEvent[];
  /** Decides each publish (default: accept). */
  answer(decide: (event: CloudEvent, tries: number) => Answer): void;
  readonly closed: () => boolean;
}

/**
 * An honest in-memory sink for relay tests: it records what it accepts and can fail on demand.
 *
 * @example
 * const sink = recordingSink('fake');
 * sink.answer((event) => (event.subject === blocked ? 'transient' : 'ok'));
 */
export function recordingSink(name: string, options: { delayMs?: number } = {}): RecordingSink {
  const accepted: CloudEvent[] = [];
  const tried: CloudEvent[] = [];
  let decide: (event: CloudEvent, tries: number) => Answer = () => 'ok';
  let closed = false;
  return {
    name,
    kind: 'webhook',
    timeoutMs: 1_000,
    accepted,
    tried,
    answer(next) {
      decide = next;
    },
    closed: () => closed,
    async publish({ event, body }: EncodedEvent) {
      if (options.delayMs) await new Promise((done) => setTimeout(done, options.delayMs));
      tried.push(JSON.parse(body) as CloudEvent);
      const answer = decide(event, tried.filter((e) => e.id === event.id).length);
      if (answer === 'transient') throw new UpstreamError(`${name}: HTTP 503 (test)`, { isTransient: true });
      if (answer === 'permanent') throw new UpstreamError(`${name}: HTTP 400 (test)`, { isTransient: false });
      accepted.push(JSON.parse(body) as CloudEvent);
    },
    async close() {
      closed = true;
    },
  };
}
