import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../core/errors.js';

/** Media types a body may have; anything else is a 415. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/merge-patch+json'];

/**
 * Replaces Fastify's body parsers with one strict JSON parser: the bytes must be valid UTF-8 (so a
 * broken string is refused, not silently turned into U+FFFD), and keys that could pollute prototypes
 * are refused.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0)
      return done(new InvalidInputError('the body is empty; send a JSON object'), undefined);
    if (!isUtf8(bytes)) return done(new InvalidInputError('the body is not valid UTF-8'), undefined);
    try {
      done(null, JSON.parse(bytes.toString('utf8'), refusePrototypeKeys));
    } catch (error) {
      if (error instanceof InvalidInputError) return done(error, undefined);
      done(new InvalidInputError(`the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}

function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
    throw InvalidInputError.field(`/body/${key}`, 'is not an allowed key');
  }
  return value;
}
