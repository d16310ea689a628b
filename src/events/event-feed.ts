import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import type { Principal } from '../core/scopes.js';
import type { Database } from '../store/database.js';
import { createEventLogRepository, type ParkedDelivery } from '../store/event-log-repository.js';
import { createOutboxDeliveryRepository } from '../store/outbox-delivery-repository.js';
import { type CloudEvent, toCloudEvent } from './cloud-event.js';

export interface EventPageQuery {
  readonly pageSize: number;
  readonly pageToken?: string;
  /** Start after this event id (instead of a page token). */
  readonly after?: string;
  readonly type?: string;
  readonly subject?: string;
}

export interface EventPage {
  readonly items: CloudEvent[];
  /** Null when there is nothing more now; poll again with `after` set to the last id. */
  readonly nextPageToken: string | null;
}

export interface ParkedEventView {
  readonly event: CloudEvent;
  readonly deliveries: ParkedDelivery[];
}

export interface ParkedPage {
  readonly items: ParkedEventView[];
  readonly nextPageToken: string | null;
}

/** The events API: a tenant's events in order, without any broker, and the parked ones. */
export interface EventFeed {
  list(principal: Principal, query: EventPageQuery): Promise<EventPage>;
  listParked(principal: Principal, query: { pageSize: number; pageToken?: string }): Promise<ParkedPage>;
  /** Makes the event's parked deliveries due again; the sinks it will be retried on. */
  retry(principal: Principal, eventId: string): Promise<{ id: string; sinks: string[] }>;
}

export interface EventFeedDeps {
  readonly database: Database;
  /** Stamped on events this instance gives a position to (see OutboxDeliveryRepository.sequence). */
  readonly source: string;
  readonly now: () => Date;
}

/**
 * Reads first give positions to committed events that have none, so a caller sees its own changes at
 * once and a page never skips an event that committed late.
 *
 * @example
 * const page = await feed.list(principal, { pageSize: 100, after: lastSeenId });
 */
export function createEventFeed(deps: EventFeedDeps): EventFeed {
  const log = createEventLogRepository(deps.database.db);
  const deliveries = createOutboxDeliveryRepository(deps.database.db, deps.database.dialect);

  async function startPosition(principal: Principal, query: { pageToken?: string; after?: string }) {
    if (query.pageToken && query.after) {
      throw InvalidInputError.field('/query/after', 'cannot be combined with pageToken');
    }
    if (query.pageToken) return decodePosition(query.pageToken);
    if (query.after) {
      const position = isUuid(query.after)
        ? await log.positionOf(principal.tenantId, query.after)
        : undefined;
      if (position === undefined) {
        throw InvalidInputError.field(
          '/query/after',
          'is not an event of this tenant (events are kept for the retention period after delivery)',
        );
      }
      return position;
    }
    return 0;
  }

  return {
    async list(principal, query) {
      await deliveries.sequence(deps.source, 10_000);
      const afterPosition = await startPosition(principal, query);
      const rows = await log.list(principal.tenantId, {
        afterPosition,
        limit: query.pageSize + 1,
        type: query.type,
        subject: query.subject,
      });
      const page = rows.slice(0, query.pageSize);
      return {
        items: page.map(toCloudEvent),
        nextPageToken: rows.length > query.pageSize ? encodePosition(page.at(-1)!.position) : null,
      };
    },

    async listParked(principal, query) {
      const afterPosition = query.pageToken ? decodePosition(query.pageToken) : 0;
      const rows = await log.listParked(principal.tenantId, afterPosition, query.pageSize + 1);
      const page = rows.slice(0, query.pageSize);
      return {
        items: page.map((row) => ({ event: toCloudEvent(row.event), deliveries: [...row.deliveries] })),
        nextPageToken: rows.length > query.pageSize ? encodePosition(page.at(-1)!.event.position) : null,
      };
    },

    async retry(principal, eventId) {
      const event = isUuid(eventId) ? await log.find(principal.tenantId, eventId) : undefined;
      if (!event) throw new NotFoundError('event', eventId);
      const sinks = await log.retry(principal.tenantId, eventId, deps.now().toISOString());
      if (sinks.length === 0) throw new ConflictError(`event '${eventId}' has no parked delivery`);
      return { id: eventId, sinks };
    },
  };
}

/** Opaque cursor: the position of the last event of the previous page. */
function encodePosition(position: number): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

function decodePosition(token: string): number {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof decoded.p === 'number' && Number.isSafeInteger(decoded.p) && decoded.p >= 0) return decoded.p;
  } catch {
    // fall through to the error below
  }
  throw InvalidInputError.field('/query/pageToken', 'is not a token this service handed out');
}
