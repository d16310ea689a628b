import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ApiDeps } from '../server.js';

/** Liveness, readiness, metrics and the OpenAPI document; no token needed. */
export function systemRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/healthz',
      {
        schema: {
          tags: ['system'],
          summary: 'Liveness: the process is up',
          response: { 200: Type.Object({ status: Type.Literal('ok') }) },
        },
      },
      async () => ({ status: 'ok' as const }),
    );

    app.get(
      '/readyz',
      {
        schema: {
          tags: ['system'],
          summary: 'Readiness: the database answers and migrations are done',
          response: {
            200: ReadinessSchema,
            503: ReadinessSchema,
          },
        },
      },
      async (_request, reply) => {
        const readiness = await deps.readiness();
        return reply
          .code(readiness.ready ? 200 : 503)
          .send({ status: readiness.ready ? 'ready' : 'not_ready', checks: readiness.checks });
      },
    );

    app.get(
      '/metrics',
      { schema: { tags: ['system'], summary: 'Prometheus metrics (text exposition format)' } },
      async (_request, reply) => {
        const body = await deps.metrics.registry.metrics();
        return reply.type(deps.metrics.registry.contentType).send(body);
      },
    );

    app.get('/openapi.json', { schema: { tags: ['system'], summary: 'This OpenAPI 3 document' } }, async () =>
      app.swagger(),
    );
  };
}

const ReadinessSchema = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), message: Type.String() })),
});
