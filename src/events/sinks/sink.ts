import { UpstreamError } from '../../core/errors.js';
import type { EncodedEvent } from '../cloud-event.js';

/**
 * Where the relay delivers events. A sink publishes one event and resolves once the other side has
 * accepted it (a 2xx, a JetStream PubAck, an XADD reply). It throws an `UpstreamError`: transient
 * (the relay tries again later, the lane waits) or permanent (the delivery is parked with the message).
 * Messages must hold no secret: they are stored and shown to administrators.
 */
export interface EventSink {
  /** Stable name: the key of this sink's delivery state. */
  readonly name: string;
  readonly kind: 'webhook' | 'nats' | 'redis';
  /** Longest one publish may take; the relay's lease outlasts it. */
  readonly timeoutMs: number;
  publish(event: EncodedEvent, signal: AbortSignal): Promise<void>;
  /** Releases connections; later publishes may reconnect. */
  close(): Promise<void>;
}

/** Longest text of a failure the relay stores. */
const MAX_REASON = 500;

/** Any failure as an `UpstreamError`; unknown errors count as transient. */
export function asDeliveryError(error: unknown, sink: string): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError(`${sink}: ${message}`.slice(0, MAX_REASON), { isTransient: true, cause: error });
}

/** The stored reason of a failure: short, single-line. */
export function failureReason(error: UpstreamError): string {
  return error.message.replace(/\s+/g, ' ').slice(0, MAX_REASON);
}
