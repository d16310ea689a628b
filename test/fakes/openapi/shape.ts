import type { OpenApiDocument } from './document.js';

/**
 * Builds response bodies that satisfy the description: every required field the fake does not set gets
 * a small valid value (first enum member, `null` where allowed, a date, an example URL), and the fake's own
 * fields are laid over it. So a fake states only what a test cares about and still answers like the vendor.
 */

type Schema = Readonly<Record<string, unknown>>;

const MAX_DEPTH = 40;

/**
 * The value at a JSON pointer (as `pointer()` makes it) of the document.
 *
 * @example
 * nodeAt(doc, '/components/schemas/simple-user');
 */
export function nodeAt(document: OpenApiDocument, at: string): Schema {
  let node: unknown = document;
  for (const raw of at.split('/').slice(1)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = (node as Record<string, unknown> | undefined)?.[part];
  }
  if (!node || typeof node !== 'object') throw new Error(`nothing at ${at}`);
  return node as Schema;
}

/**
 * A value of `schema` (found at `at`) with `overlay` laid over it.
 *
 * @example
 * shape(doc, responseAt, { id: 5, body: 'hi' }); // an issue-comment with every required field
 */
export function shape(document: OpenApiDocument, at: string, overlay?: unknown): unknown {
  return build(document, nodeAt(document, at), overlay, 0);
}

function resolve(document: OpenApiDocument, schema: Schema): Schema {
  let current = schema;
  for (let hops = 0; typeof current.$ref === 'string' && hops < 10; hops++) {
    current = nodeAt(document, String(current.$ref).slice(1));
  }
  return current;
}

function isNullable(schema: Schema): boolean {
  if (schema.nullable === true) return true;
  if (Array.isArray(schema.type) && schema.type.includes('null')) return true;
  return schema.type === 'null';
}

function build(document: OpenApiDocument, raw: Schema, overlay: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) return overlay ?? null;
  const schema = resolve(document, raw);
  const branches = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (branches) {
    const resolved = branches.map((branch) => resolve(document, branch));
    if (overlay === null || (overlay === undefined && resolved.some(isNullable))) return null;
    const chosen = pickBranch(resolved, overlay);
    return build(document, chosen, overlay, depth + 1);
  }
  if (Array.isArray(schema.allOf)) {
    const parts = (schema.allOf as Schema[]).map((part) => build(document, part, overlay, depth + 1));
    return parts.every(isPlainObject) ? Object.assign({}, ...parts) : (parts[0] ?? overlay);
  }
  if (overlay === null) return null;
  if (overlay === undefined && isNullable(schema) && schema.type !== 'object') return null;
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (type === 'object' || (type === undefined && schema.properties)) {
    if (overlay === undefined && isNullable(schema)) return null;
    return buildObject(document, schema, overlay, depth);
  }
  if (type === 'array') {
    const items = (schema.items ?? {}) as Schema;
    if (Array.isArray(overlay)) return overlay.map((item) => build(document, items, item, depth + 1));
    if (overlay !== undefined) return overlay;
    const count = Number(schema.minItems ?? 0);
    return Array.from({ length: count }, () => build(document, items, undefined, depth + 1));
  }
  if (overlay !== undefined) return overlay;
  return scalar(schema, type);
}

function buildObject(document: OpenApiDocument, schema: Schema, overlay: unknown, depth: number): unknown {
  const given = isPlainObject(overlay) ? overlay : {};
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const out: Record<string, unknown> = {};
  for (const name of (schema.required ?? []) as string[]) {
    const property = properties[name] ?? {};
    out[name] = build(document, property, given[name], depth + 1);
  }
  for (const [name, value] of Object.entries(given)) {
    const property = properties[name];
    out[name] = property ? build(document, property, value, depth + 1) : value;
  }
  return out;
}

function pickBranch(branches: readonly Schema[], overlay: unknown): Schema {
  const candidates = branches.filter((branch) => !(branch.type === 'null'));
  if (overlay === undefined) return candidates[0] ?? branches[0] ?? {};
  const kind = Array.isArray(overlay) ? 'array' : typeof overlay === 'object' ? 'object' : typeof overlay;
  const sameKind = candidates.find((branch) => {
    const type = Array.isArray(branch.type) ? branch.type[0] : branch.type;
    if (type === undefined) return kind === 'object' && branch.properties !== undefined;
    return type === kind || (kind === 'number' && type === 'integer');
  });
  return sameKind ?? candidates[0] ?? {};
}

function scalar(schema: Schema, type: unknown): unknown {
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  switch (type) {
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return false;
    case 'string':
      return sampleString(schema);
    default:
      return null;
  }
}

function sampleString(schema: Schema): string {
  switch (schema.format) {
    case 'date-time':
      return '2026-01-01T00:00:00Z';
    case 'date':
      return '2026-01-01';
    case 'uri':
    case 'url':
      return 'https://example.invalid/';
    case 'uri-template':
      return 'https://example.invalid/{id}';
    case 'email':
      return 'someone@example.invalid';
    default:
      return 'x'.repeat(Math.max(1, Number(schema.minLength ?? 1)));
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
