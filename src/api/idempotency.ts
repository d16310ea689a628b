import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IdempotencyService } from '../catalog/idempotency-service.js';
import { InvalidInputError } from '../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on POST: the first request with a key runs and its response is kept; a repeat
 * with the same body gets the same response (marked `Idempotent-Replayed: true`); a repeat with a
 * different body is a 422. Responses of 5xx are not kept, so a retry runs again.
 */
export function registerIdempotency(app: FastifyInstance, idempotency: IdempotencyService): void {
  // Only POST routes carry the hooks, so reads pay nothing for them.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (!methods.includes('POST')) return;
    route.preHandler = [...asArray(route.preHandler), claimKey];
    route.onSend = [...asArray(route.onSend), keepResponse];
  });

  async function claimKey(request: FastifyRequest, reply: FastifyReply) {
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header)) {
      throw InvalidInputError.field('/headers/idempotency-key', 'must be 1 to 255 visible ASCII characters');
    }
    const stored = await idempotency.begin(request.principal.tenantId, header, {
      method: request.method,
      url: request.url,
      body: request.body,
    });
    if (stored) {
      return reply
        .code(stored.statusCode)
        .header('idempotent-replayed', 'true')
        .type('application/json; charset=utf-8')
        .send(stored.body);
    }
    request.idempotencyKey = header;
  }

  async function keepResponse(request: FastifyRequest, reply: FastifyReply, payload: unknown) {
    const key = request.idempotencyKey;
    if (!key) return payload;
    request.idempotencyKey = undefined;
    if (reply.statusCode >= 500 || typeof payload !== 'string') {
      await idempotency.abandon(request.principal.tenantId, key);
    } else {
      await idempotency.finish(request.principal.tenantId, key, {
        statusCode: reply.statusCode,
        body: payload,
      });
    }
    return payload;
  }
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
