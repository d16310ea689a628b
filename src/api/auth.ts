import type { FastifyInstance } from 'fastify';
import type { TokenService } from '../catalog/token-service.js';
import { ForbiddenError } from '../core/errors.js';
import { hasScope, type Principal, type Scope } from '../core/scopes.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The scope a route needs; every /api/v1 route names one. */
    scope?: Scope;
  }
  interface FastifyRequest {
    /** Who is calling; set on every /api/v1 request before the handler runs. */
    principal: Principal;
  }
}

/**
 * Authenticates every request of the encapsulating context by bearer token and checks the route's
 * scope. Runs before the body is parsed, so an unauthenticated caller costs no parsing.
 */
export function registerAuth(app: FastifyInstance, tokens: TokenService): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (request) => {
    const principal = await tokens.authenticate(request.headers.authorization);
    const required = request.routeOptions.config.scope;
    if (!required) throw new Error(`route ${request.routeOptions.url} declares no scope`);
    if (!hasScope(principal.scopes, required)) {
      throw new ForbiddenError(`this operation needs the ${required} scope`);
    }
    request.principal = principal;
    request.log = request.log.child({ tenantId: principal.tenantId });
  });
}
