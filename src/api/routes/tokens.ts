import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CreateTokenBody, errorResponses, IdParams, TokenSchema } from '../schemas.js';
import type { ApiDeps } from '../server.js';

const security = [{ bearerToken: [] }];

/** API tokens of the caller's own tenant: /api/v1/tokens (admin scope). */
export function tokenRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { tokens } = deps;
  return async (app) => {
    app.get(
      '/tokens',
      {
        config: { scope: 'integrations:admin' },
        schema: {
          tags: ['tokens'],
          summary: "List the tenant's tokens",
          description: 'Never returns a token secret or its hash.',
          security,
          response: { 200: Type.Object({ items: Type.Array(TokenSchema) }), ...errorResponses(401, 403) },
        },
      },
      async (request) => ({ items: await tokens.list(request.principal.tenantId) }),
    );

    app.post(
      '/tokens',
      {
        config: { scope: 'integrations:admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Create a token in the caller’s tenant',
          description:
            'The response holds the token secret; it is shown this once and stored only as a hash.',
          security,
          body: CreateTokenBody,
          response: {
            201: Type.Object({ token: Type.String(), tokenInfo: TokenSchema }),
            ...errorResponses(400, 401, 403, 413, 415),
          },
        },
      },
      async (request, reply) => {
        const { token, view } = await tokens.create({
          tenantId: request.principal.tenantId,
          name: request.body.name,
          scopes: request.body.scopes,
          createdBy: request.principal.actor,
        });
        return reply.code(201).header('cache-control', 'no-store').send({ token, tokenInfo: view });
      },
    );

    app.delete(
      '/tokens/:id',
      {
        config: { scope: 'integrations:admin' },
        schema: {
          tags: ['tokens'],
          summary: 'Revoke a token',
          security,
          params: IdParams,
          response: { 204: Type.Null({ description: 'Revoked.' }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await tokens.revoke(request.principal.tenantId, request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
