import type { SwaggerOptions } from '@fastify/swagger';
import { EVENT_COMPONENT_SCHEMAS } from '../events/schemas.js';

/** The OpenAPI 3 document's frame; paths come from the route schemas. */
export function openApiDocument(version: string): SwaggerOptions {
  return {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Integrations catalog API',
        version,
        description:
          'Connections to SCM platforms, container registries, CI systems and runtime hosts: registration, ' +
          'credentials by reference, health, lifecycle events and scan annotations. Every /api/v1 request ' +
          'carries `Authorization: Bearer <token>`; each token belongs to one tenant and sees only its data.',
      },
      components: {
        securitySchemes: { bearerToken: { type: 'http', scheme: 'bearer' } },
        schemas: { ...EVENT_COMPONENT_SCHEMAS },
      },
      tags: [
        { name: 'integrations', description: 'Registering and managing connections.' },
        { name: 'providers', description: 'The provider plugins this service runs.' },
        { name: 'secrets', description: 'Secrets handed to us (write-only) and the credential audit trail.' },
        { name: 'tokens', description: 'API tokens of the caller’s tenant (admin scope).' },
        { name: 'events', description: 'Lifecycle events as CloudEvents, and parked deliveries.' },
        { name: 'annotations', description: 'Scan results posted to pull requests, and the offline queue.' },
        { name: 'registry', description: 'Reading container registries: repositories, tags, digests.' },
        { name: 'system', description: 'Liveness, readiness, metrics and this document.' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, index) => String(json.$id ?? `def-${index}`),
    },
  };
}
