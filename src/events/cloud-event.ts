import type { Static } from '@sinclair/typebox';
import type { StoredEvent } from '../store/event-log-repository.js';
import type { CloudEventSchema } from './schemas.js';

/** A CloudEvents 1.0 event in structured JSON mode. */
export type CloudEvent = Static<typeof CloudEventSchema>;

/** An event ready for a sink: the envelope, and its JSON text (signed and sent byte for byte). */
export interface EncodedEvent {
  readonly event: CloudEvent;
  readonly body: string;
}

/** The media type of a structured-mode CloudEvent in JSON (CloudEvents JSON format §3). */
export const CLOUDEVENTS_JSON = 'application/cloudevents+json';

/**
 * The envelope of a stored event. The same row always gives the same envelope: `source` was stamped
 * when the event got its position, `time` is when it was written, so redeliveries are identical.
 *
 * @example
 * const event = toCloudEvent(stored); // { specversion: '1.0', id, source, type, subject, time, … }
 */
export function toCloudEvent(stored: StoredEvent): CloudEvent {
  return {
    specversion: '1.0',
    id: stored.id,
    source: stored.source,
    type: stored.type as CloudEvent['type'],
    subject: stored.subject,
    time: stored.createdAt,
    datacontenttype: 'application/json',
    tenantid: stored.tenantId,
    data: { ...stored.data },
  };
}

export function encodeEvent(stored: StoredEvent): EncodedEvent {
  const event = toCloudEvent(stored);
  return { event, body: JSON.stringify(event) };
}

/** The default CloudEvents source of an instance: a URI-reference naming the service and instance. */
export function defaultEventSource(instanceId: string): string {
  return `/integrations-catalog/${encodeURIComponent(instanceId)}`;
}
