import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { IdParams, ListIntegrationsQuery } from '../api/schemas.js';
import type { HealthStatus, IntegrationType } from '../core/integration.js';
import type { ConsoleContext } from './console.js';
import { detailPage, type ListFilters, listPage, testResultPage } from './integration-views.js';
import { dropEmptyFields, HTML } from './layout.js';

const DEFAULT_PAGE_SIZE = 50;
const HISTORY_LIMIT = 20;

const { q, type, provider, health, pageSize, pageToken } = ListIntegrationsQuery.properties;
const ListQuery = Type.Object(
  { q, type, provider, health, pageSize, pageToken },
  { additionalProperties: false },
);

/** `GET /console`, `GET /console/integrations/:id`, `POST /console/integrations/:id/test`. */
export function integrationPages(app: FastifyInstance, context: ConsoleContext): void {
  const { integrations, healthReports, tester, plugins } = context.deps;

  app.get(
    '/',
    {
      schema: { hide: true, querystring: ListQuery },
      config: { scope: 'integrations:read' },
      preValidation: dropEmptyFields,
    },
    async (request, reply) => {
      const session = context.session(request);
      const { pageSize, ...filters } = request.query as ListFilters & { pageSize: number };
      const result = await integrations.list(session.principal, {
        pageSize,
        ...filters,
        type: filters.type as IntegrationType | undefined,
        health: filters.health as HealthStatus | undefined,
      });
      const providers = plugins
        .list()
        .map((entry) => entry.plugin.provider)
        .sort();
      const shown = pageSize === DEFAULT_PAGE_SIZE ? filters : { ...filters, pageSize: String(pageSize) };
      return reply.type(HTML).send(listPage(session, result, shown, providers));
    },
  );

  app.get(
    '/integrations/:id',
    { schema: { hide: true, params: IdParams }, config: { scope: 'integrations:read' } },
    async (request, reply) => {
      const session = context.session(request);
      const { id } = request.params as { id: string };
      const integration = await integrations.get(session.principal, id);
      const report = await healthReports.get(session.principal, id, HISTORY_LIMIT);
      const registry =
        integration.type === 'registry' && Boolean(plugins.get(integration.provider)?.plugin.registry);
      return reply.type(HTML).send(detailPage(session, integration, report, registry));
    },
  );

  app.post(
    '/integrations/:id/test',
    { schema: { hide: true, params: IdParams }, config: { scope: 'integrations:write' } },
    async (request, reply) => {
      const session = context.session(request);
      const { id } = request.params as { id: string };
      // The API's test: recorded in the history and as an event, with the token's actor.
      const outcome = await tester.testSaved(session.principal, id);
      const integration = await integrations.get(session.principal, id);
      return reply.type(HTML).send(testResultPage(session, integration, outcome));
    },
  );
}
