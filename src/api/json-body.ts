import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import { InvalidInputError } from '../core/errors.js';

/** Media types a body may have; anything else is a 415. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/merge-patch+json'];

/**
 * How deep objects and arrays may nest. Far more than any body of this API needs, and far less than
 * the recursive steps after parsing (cloning, serialising, schema checks) survive: a few thousand
 * levels overflow the stack there and would end as a 500.
 */
const MAX_JSON_DEPTH = 64;

/** Keys that could pollute prototypes when a body is merged or copied. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Replaces Fastify's body parsers with one strict JSON parser: the bytes must be valid UTF-8 (so a
 * broken string is refused, not silently turned into U+FFFD), keys that could pollute prototypes
 * are refused, and so is nesting deeper than MAX_JSON_DEPTH.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(JSON_MEDIA_TYPES, { parseAs: 'buffer' }, (_request, body, done) => {
    const bytes = body as Buffer;
    if (bytes.length === 0)
      return done(new InvalidInputError('the body is empty; send a JSON object'), undefined);
    if (!isUtf8(bytes)) return done(new InvalidInputError('the body is not valid UTF-8'), undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (error) {
      return done(
        new InvalidInputError(`the body is not valid JSON: ${(error as Error).message}`),
        undefined,
      );
    }
    const problem = structureProblem(parsed);
    if (problem) return done(problem, undefined);
    done(null, parsed);
  });
}

/** Walks the parsed body with a stack rather than recursion, since a hostile body nests deeply. */
function structureProblem(root: unknown): InvalidInputError | undefined {
  const pending: { value: unknown; path: string; depth: number }[] = [
    { value: root, path: '/body', depth: 0 },
  ];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const { value, path, depth } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      return InvalidInputError.field(path, `nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    for (const [key, child] of Object.entries(value)) {
      // JSON Pointer escaping, as the schema validator names fields.
      const childPath = `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
      if (FORBIDDEN_KEYS.has(key)) return InvalidInputError.field(childPath, 'is not an allowed key');
      pending.push({ value: child, path: childPath, depth: depth + 1 });
    }
  }
  return undefined;
}
