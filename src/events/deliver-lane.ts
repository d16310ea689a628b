import type { ClaimedDelivery, ClaimedLane } from '../store/outbox-delivery-repository.js';
import type { EncodedEvent } from './cloud-event.js';
import { asDeliveryError, type EventSink, failureReason } from './sinks/sink.js';

/** What happened to one claimed lane in one round. */
export interface LaneResult {
  readonly sink: string;
  readonly delivered: string[];
  readonly parked: { eventId: string; reason: string }[];
  /** The delivery that failed transiently; the lane waits behind it. */
  failed?: { delivery: ClaimedDelivery; reason: string };
  /** Claimed but not tried (after a failure, near the lease's end, on shutdown): released. */
  readonly leftover: string[];
}

export interface LaneContext {
  readonly sink: EventSink;
  readonly event: (eventId: string) => EncodedEvent | undefined;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** No publish starts after `leaseUntilMs - sink.timeoutMs - marginMs`. */
  readonly leaseUntilMs: number;
  readonly marginMs: number;
  readonly stopping: () => boolean;
  readonly signal: AbortSignal;
}

/**
 * Delivers a lane's events to its sink one after another, in position order: each waits for the
 * previous one's acknowledgement, so a sink never sees event N+1 of a subject before event N.
 * A permanent failure parks that event and the lane goes on; a transient one stops the lane.
 */
export async function deliverLane(lane: ClaimedLane, context: LaneContext): Promise<LaneResult> {
  const result: LaneResult = { sink: lane.sink, delivered: [], parked: [], leftover: [] };
  const { sink } = context;
  for (let index = 0; index < lane.deliveries.length; index++) {
    const delivery = lane.deliveries[index]!;
    const rest = () => lane.deliveries.slice(index).map((d) => d.eventId);
    if (context.stopping() || context.clock() + sink.timeoutMs + context.marginMs > context.leaseUntilMs) {
      result.leftover.push(...rest());
      break;
    }
    const event = context.event(delivery.eventId);
    if (!event) {
      // Cannot happen (only delivered rows are pruned); leave it for the next round rather than guess.
      result.leftover.push(...rest());
      break;
    }
    try {
      await sink.publish(event, context.signal);
      result.delivered.push(delivery.eventId);
    } catch (thrown) {
      if (context.signal.aborted) {
        // Shutdown cut it short: it may or may not have arrived; it will be delivered again.
        result.leftover.push(...rest());
        break;
      }
      const error = asDeliveryError(thrown, sink.name);
      if (!error.isTransient) {
        result.parked.push({ eventId: delivery.eventId, reason: failureReason(error) });
        continue;
      }
      result.failed = { delivery, reason: failureReason(error) };
      result.leftover.push(...rest().slice(1));
      break;
    }
  }
  return result;
}
