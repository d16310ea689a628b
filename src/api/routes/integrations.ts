import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply } from 'fastify';
import type { Integration } from '../../core/integration.js';
import { etagOf, versionFromIfMatch } from '../etag.js';
import {
  CreateIntegrationBody,
  errorResponses,
  IdParams,
  IntegrationPageSchema,
  IntegrationSchema,
  ListIntegrationsQuery,
  UpdateIntegrationBody,
} from '../schemas.js';
import type { ApiDeps } from '../server.js';

const security = [{ bearerToken: [] }];
const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(
    Type.String({ description: 'ETag of the version the change is based on; stale → 412.' }),
  ),
});

const JSON_UTF8 = 'application/json; charset=utf-8';
/** Response bodies of frozen integrations, by object; an integration that changes is a new object. */
const serializedBodies = new WeakMap<Integration, string>();

/** Registration CRUD: /api/v1/integrations. */
export function integrationRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { integrations } = deps;
  return async (app) => {
    app.post(
      '/integrations',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['integrations'],
          summary: 'Register an integration',
          description:
            "Validates `config` against the provider's schema and records an `integration.created` event. " +
            'Send `Idempotency-Key` to make retries safe.',
          security,
          headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
          body: CreateIntegrationBody,
          response: { 201: IntegrationSchema, ...errorResponses(400, 401, 403, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const created = await integrations.create(request.principal, request.body);
        return reply
          .code(201)
          .header('location', `/api/v1/integrations/${created.id}`)
          .header('etag', etagOf(created.version))
          .send(created);
      },
    );

    app.get(
      '/integrations',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags: ['integrations'],
          summary: 'List integrations',
          description:
            'Filters combine with AND. Pages are in creation order; pass `nextPageToken` back as `pageToken`.',
          security,
          querystring: ListIntegrationsQuery,
          response: { 200: IntegrationPageSchema, ...errorResponses(400, 401, 403) },
        },
      },
      async (request) => integrations.list(request.principal, request.query),
    );

    app.get(
      '/integrations/:id',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags: ['integrations'],
          summary: 'Get an integration',
          security,
          params: IdParams,
          response: { 200: IntegrationSchema, ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        const integration = await integrations.get(request.principal, request.params.id);
        reply.header('etag', etagOf(integration.version));
        if (!Object.isFrozen(integration)) return reply.send(integration);
        // A frozen integration is the store's cached one (SQLite): the same object until it changes,
        // so its body is serialized once, by this route's response schema, and reused. (The reply's
        // types want the object the schema describes; the body here is already its JSON.)
        const untyped = reply as FastifyReply;
        let body = serializedBodies.get(integration);
        if (body === undefined) {
          body = String(untyped.serializeInput({ ...integration }, '200'));
          serializedBodies.set(integration, body);
        }
        return untyped.type(JSON_UTF8).send(body);
      },
    );

    app.patch(
      '/integrations/:id',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['integrations'],
          summary: 'Change an integration',
          description:
            'Fields given replace the current ones; `config` is merged (RFC 7396: null removes a key) and ' +
            'validated again. `type` and `provider` cannot change. Send `If-Match` with the ETag you read.',
          security,
          params: IdParams,
          headers: IfMatchHeaders,
          body: UpdateIntegrationBody,
          response: { 200: IntegrationSchema, ...errorResponses(400, 401, 403, 404, 409, 412, 413, 415) },
        },
      },
      async (request, reply) => {
        const expected = versionFromIfMatch(request.headers['if-match']);
        const updated = await integrations.update(
          request.principal,
          request.params.id,
          request.body,
          expected,
        );
        return reply.header('etag', etagOf(updated.version)).send(updated);
      },
    );

    app.delete(
      '/integrations/:id',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['integrations'],
          summary: 'Delete an integration',
          security,
          params: IdParams,
          headers: IfMatchHeaders,
          response: {
            204: Type.Null({ description: 'Deleted.' }),
            ...errorResponses(400, 401, 403, 404, 412),
          },
        },
      },
      async (request, reply) => {
        await integrations.delete(
          request.principal,
          request.params.id,
          versionFromIfMatch(request.headers['if-match']),
        );
        return reply.code(204).send(null);
      },
    );
  };
}
