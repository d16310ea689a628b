import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { QueueEntrySchema, QueueQuery, ReplayOutcomeSchema } from '../annotate-schemas.js';
import { errorResponses, IdParams } from '../schemas.js';
import type { ApiDeps } from '../server.js';

const security = [{ bearerToken: [] }];
const tags = ['annotations'];

/** The offline queue: `/offline-queue`, `/offline-queue/{id}`, `/offline-queue/{id}/replay`. */
export function offlineQueueRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { offlineQueue } = deps;
  return async (app) => {
    app.get(
      '/offline-queue',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'Payloads that were not posted',
          description:
            'The caller’s tenant’s kept SCM payloads, oldest first (the order to replay in), with why each was ' +
            'kept: `offline`, `permanent: …` or `retries exhausted: …`. Filters combine with AND.',
          security,
          querystring: QueueQuery,
          response: {
            200: Type.Object({
              items: Type.Array(QueueEntrySchema),
              nextPageToken: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => offlineQueue.list(request.principal, request.query),
    );

    app.get(
      '/offline-queue/:id',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'One kept payload',
          security,
          params: IdParams,
          response: { 200: QueueEntrySchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => offlineQueue.get(request.principal, request.params.id),
    );

    app.post(
      '/offline-queue/:id/replay',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags,
          summary: 'Post a kept payload now',
          description:
            'Idempotent: an entry replayed before is not posted again (its stored result comes back with ' +
            '`alreadySettled`), and neither is one superseded by a later payload for the same target. A replay ' +
            'that fails leaves the entry pending.',
          security,
          params: IdParams,
          response: { 200: ReplayOutcomeSchema, ...errorResponses(400, 401, 403, 404, 409) },
        },
      },
      async (request) => offlineQueue.replay(request.principal, request.params.id),
    );
  };
}
