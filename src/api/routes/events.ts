import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { StringEnum } from '../../core/string-enum.js';
import type { EventFeed } from '../../events/event-feed.js';
import { CloudEventSchema, EVENT_TYPES } from '../../events/schemas.js';
import { errorResponses, IdParams } from '../schemas.js';
import type { ApiDeps } from '../server.js';

declare module '../server.js' {
  interface ApiDeps {
    /** The events API (src/events/event-feed.ts). */
    readonly events: EventFeed;
  }
}

const security = [{ bearerToken: [] }];

/** The envelope as a response schema: without `$id`, so each route serialises it inline. */
const { $id: _id, ...CloudEventResponse } = CloudEventSchema;

const PageToken = Type.String({ minLength: 1, maxLength: 512 });

const ListEventsQuery = Type.Object(
  {
    pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: 100 }),
    pageToken: Type.Optional(PageToken),
    after: Type.Optional(
      Type.String({ format: 'uuid', description: 'Start after this event id (the last one you processed).' }),
    ),
    type: Type.Optional(StringEnum(EVENT_TYPES)),
    subject: Type.Optional(Type.String({ format: 'uuid', description: 'Only events of this integration.' })),
  },
  { additionalProperties: false },
);

const EventPageSchema = Type.Object({
  items: Type.Array(CloudEventResponse),
  nextPageToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as pageToken for the next page; null when there is nothing more now.',
  }),
});

const ParkedPageSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      event: CloudEventResponse,
      deliveries: Type.Array(
        Type.Object({
          sink: Type.String(),
          attempts: Type.Integer(),
          parkedAt: Type.String({ format: 'date-time' }),
          reason: Type.String({ description: 'Why the sink refused it for good, e.g. `HTTP 400 …`.' }),
          lastError: Type.Union([Type.String(), Type.Null()]),
        }),
      ),
    }),
  ),
  nextPageToken: Type.Union([Type.String(), Type.Null()]),
});

/** Lifecycle events: /api/v1/events, /events/parked, /events/{id}/retry. */
export function eventRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { events } = deps;
  return async (app) => {
    app.get(
      '/events',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags: ['events'],
          summary: "The tenant's lifecycle events, in order",
          description:
            'CloudEvents 1.0 (structured JSON), oldest first, in the order they were committed. To catch up ' +
            'without a broker, remember the last `id` you processed and ask again with `after=<id>`. ' +
            'Events are kept for the retention period (eventRetentionDays) after they were delivered.',
          security,
          querystring: ListEventsQuery,
          response: { 200: EventPageSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => events.list(request.principal, request.query),
    );

    app.get(
      '/events/parked',
      {
        config: { scope: 'integrations:admin' },
        schema: {
          tags: ['events'],
          summary: 'Events a sink refused for good',
          description: 'Each with the sinks that parked it and why. Retry one once the cause is fixed.',
          security,
          querystring: Type.Object(
            {
              pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
              pageToken: Type.Optional(PageToken),
            },
            { additionalProperties: false },
          ),
          response: { 200: ParkedPageSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => events.listParked(request.principal, request.query),
    );

    app.post(
      '/events/:id/retry',
      {
        config: { scope: 'integrations:admin' },
        schema: {
          tags: ['events'],
          summary: 'Deliver a parked event again',
          description:
            'Its parked deliveries become due now. It is delivered after the events of its integration ' +
            'still waiting on that sink, and possibly after later ones already delivered.',
          security,
          params: IdParams,
          response: {
            202: Type.Object({ id: Type.String(), sinks: Type.Array(Type.String()) }),
            ...errorResponses(400, 401, 403, 404, 409),
          },
        },
      },
      async (request, reply) =>
        reply.code(202).send(await events.retry(request.principal, request.params.id)),
    );
  };
}
