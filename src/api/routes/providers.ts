import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { errorResponses, ProviderSchema } from '../schemas.js';
import type { ApiDeps } from '../server.js';

/** The loaded provider plugins: GET /api/v1/providers. */
export function providerRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/providers',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags: ['providers'],
          summary: 'List provider plugins',
          description:
            'Every loaded plugin with its availability and config schema, and plugins that failed to load.',
          security: [{ bearerToken: [] }],
          response: {
            200: Type.Object({
              items: Type.Array(ProviderSchema),
              loadFailures: Type.Array(Type.Object({ source: Type.String(), reason: Type.String() })),
            }),
            ...errorResponses(401, 403),
          },
        },
      },
      async () => ({
        items: deps.plugins.list().map(({ plugin, availability, source }) => ({
          provider: plugin.provider,
          displayName: plugin.displayName,
          types: [...plugin.types],
          capabilities: [...plugin.capabilities],
          available: availability.available,
          unavailableReason: availability.available ? null : (availability.reason ?? 'no reason given'),
          source,
          configSchema: plugin.configSchema as Record<string, unknown>,
        })),
        loadFailures: [...deps.plugins.failures()],
      }),
    );
  };
}
