import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreateIntegrationBody, errorResponses, HealthSchema, IdParams } from '../schemas.js';
import type { ApiDeps } from '../server.js';

const security = [{ bearerToken: [] }];

const CheckSchema = Type.Object({ name: Type.String(), ok: Type.Boolean(), message: Type.String() });
const TestResultSchema = Type.Object({
  success: Type.Boolean(),
  message: Type.String(),
  latencyMs: Type.Integer(),
  checkedAt: Type.String({ format: 'date-time' }),
  checks: Type.Array(CheckSchema, { description: 'Each step, so a failure says what to fix.' }),
  skippedOffline: Type.Boolean({ description: 'True when the service runs offline and tried nothing.' }),
});
const HealthReportSchema = Type.Object({
  integrationId: Type.String(),
  status: Type.String(),
  health: HealthSchema,
  nextCheckAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  consecutiveFailures: Type.Integer(),
  consecutiveSuccesses: Type.Integer(),
  history: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String({ description: '`health` (poller) or `test` (connection test).' }),
      status: Type.String(),
      message: Type.String(),
      latencyMs: Type.Integer(),
      checks: Type.Union([Type.Array(CheckSchema), Type.Null()]),
      checkedAt: Type.String({ format: 'date-time' }),
      instance: Type.String(),
    }),
  ),
});

/** Connection tests and health: /api/v1/integrations/test, /{id}/test, /{id}/health. */
export function checkRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/integrations/test',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['integrations'],
          summary: 'Test a registration before saving it',
          description: 'Same body as create. Nothing is stored; the answer says which step failed.',
          security,
          body: CreateIntegrationBody,
          response: { 200: TestResultSchema, ...errorResponses(400, 401, 403, 413, 415) },
        },
      },
      async (request) => deps.tester.testUnsaved(request.principal, request.body),
    );

    app.post(
      '/integrations/:id/test',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['integrations'],
          summary: 'Test the connection of an integration',
          description: 'Recorded in its health history and as an `integration.test_completed` event.',
          security,
          params: IdParams,
          response: { 200: TestResultSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => deps.tester.testSaved(request.principal, request.params.id),
    );

    app.get(
      '/integrations/:id/health',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags: ['integrations'],
          summary: 'Current health and recent checks',
          security,
          params: IdParams,
          querystring: Type.Object(
            { limit: Type.Integer({ minimum: 1, maximum: 1000, default: 20 }) },
            { additionalProperties: false },
          ),
          response: { 200: HealthReportSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request) => deps.healthReports.get(request.principal, request.params.id, request.query.limit),
    );
  };
}
