import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses, IdParams, SecretValueSchema } from '../schemas.js';
import type { ApiDeps } from '../server.js';

const security = [{ bearerToken: [] }];

const SecretRefSchema = Type.Object({
  authRef: Type.String({
    description: 'Use this as an integration’s authRef; it names the current version.',
  }),
  id: Type.String(),
  version: Type.Integer(),
});

const AuditRecordSchema = Type.Object({
  id: Type.String(),
  at: Type.String({ format: 'date-time' }),
  tenantId: Type.String(),
  actor: Type.String(),
  integrationId: Type.Union([Type.String(), Type.Null()]),
  purpose: Type.String(),
  action: Type.String({ description: '`resolve`, `create`, `replace`, `delete`, `rotate_master_key`, …' }),
  store: Type.Union([Type.String(), Type.Null()]),
  reference: Type.Union([Type.String(), Type.Null()]),
  version: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String(),
  cache: Type.Union([Type.String(), Type.Null()]),
  latencyMs: Type.Number(),
  fingerprint: Type.Union([Type.String(), Type.Null()], {
    description: 'Keyed HMAC of the value: equal fingerprints, equal values. Never the value.',
  }),
  detail: Type.Union([Type.String(), Type.Null()]),
});

const text = (description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength: 2048, description }));

/** Secrets handed to us (write-only) and the credential audit trail. */
export function secretRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { credentials } = deps;
  return async (app) => {
    app.post(
      '/secrets',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['secrets'],
          summary: 'Store a secret',
          description:
            'Stores a string or an object of named strings (e.g. `{ "appId": "…", "privateKey": "…" }`), ' +
            'encrypted, in the `local` store, and returns its `authref://local/<id>`. No API ever returns the value.',
          security,
          body: Type.Object(
            {
              value: SecretValueSchema,
              name: Type.Optional(
                Type.String({ minLength: 1, maxLength: 200, description: 'A label for people.' }),
              ),
            },
            { additionalProperties: false },
          ),
          response: { 201: SecretRefSchema, ...errorResponses(400, 401, 403, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const ref = await credentials.create(
          request.principal,
          request.body.name ?? null,
          request.body.value,
        );
        return reply.code(201).send(ref);
      },
    );

    app.put(
      '/secrets/:id',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['secrets'],
          summary: 'Replace a secret (a new version)',
          description:
            'Integrations that reference it use the new version from now on; older versions stay for a while for rotation.',
          security,
          params: IdParams,
          body: Type.Object({ value: SecretValueSchema }, { additionalProperties: false }),
          response: { 200: SecretRefSchema, ...errorResponses(400, 401, 403, 404, 413, 415) },
        },
      },
      async (request) => credentials.replace(request.principal, request.params.id, request.body.value),
    );

    app.delete(
      '/secrets/:id',
      {
        config: { scope: 'integrations:write' },
        schema: {
          tags: ['secrets'],
          summary: 'Delete a secret',
          security,
          params: IdParams,
          response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses(400, 401, 403, 404) },
        },
      },
      async (request, reply) => {
        await credentials.delete(request.principal, request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/audit',
      {
        config: { scope: 'integrations:admin' },
        schema: {
          tags: ['secrets'],
          summary: 'Credential audit trail',
          description:
            'Every resolution, write and delete of a credential in the caller’s tenant, newest first. Append-only: no API changes it.',
          security,
          querystring: Type.Object(
            {
              action: text('e.g. resolve, create, replace, delete'),
              outcome: text('e.g. success, denied, not_found, error'),
              store: text('store name'),
              reference: text('canonical authref'),
              integrationId: Type.Optional(Type.String({ format: 'uuid' })),
              actor: text('token:<name> or system'),
              purpose: text('test, health, annotate, registry, events, api'),
              since: Type.Optional(Type.String({ format: 'date-time' })),
              until: Type.Optional(Type.String({ format: 'date-time' })),
              pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
              pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              items: Type.Array(AuditRecordSchema),
              nextPageToken: Type.Union([Type.String(), Type.Null()]),
            }),
            ...errorResponses(400, 401, 403),
          },
        },
      },
      async (request) => {
        const { pageSize, pageToken, since, until, ...filter } = request.query;
        return credentials.audit(
          request.principal,
          {
            ...filter,
            since: since && new Date(since).toISOString(),
            until: until && new Date(until).toISOString(),
          },
          { pageSize, pageToken },
        );
      },
    );
  };
}
