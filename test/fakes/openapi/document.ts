import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { convertSwagger2, isSwagger2 } from './swagger2.js';

/**
 * Loading a vendor's OpenAPI 3.0 description and turning its schema dialect into JSON Schema that ajv
 * (draft-07 mode) reads: `nullable` without a `type` becomes `anyOf: [null, …]`, and request bodies may be
 * made strict (no property the description does not name). Works on the `$ref` form: ajv resolves
 * `#/components/...` against the whole document, so no dereferenced copy is needed.
 */

/** The parts of an OpenAPI 3.0 document the fakes read. */
export interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Readonly<Record<string, PathItem>>;
  readonly components?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly [key: string]: unknown;
}

export type PathItem = Readonly<Record<string, unknown>>;

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

export interface LoadOptions {
  /**
   * Refuse request-body properties the description does not name (GitHub ignores them, but sending one
   * means the client believes in a field that does not exist). Default true.
   */
  readonly strictRequestBodies?: boolean;
}

/**
 * Reads a JSON or YAML OpenAPI 3.0 document and normalises it in place for ajv. A Swagger 2.0
 * document (Harbor's) is converted to OpenAPI 3.0 first (`swagger2.ts`).
 *
 * @example
 * const doc = loadOpenApiDocument(require.resolve('@octokit/openapi/generated/api.github.com.json'));
 */
export function loadOpenApiDocument(file: string, options: LoadOptions = {}): OpenApiDocument {
  const text = readFileSync(file, 'utf8');
  const read = /\.ya?ml$/i.test(file) ? parseYaml(text, { maxAliasCount: -1 }) : JSON.parse(text);
  return prepareOpenApiDocument(read, options, file);
}

/**
 * The same for a document already parsed (converted first when it is Swagger 2.0); `source` names it
 * in errors.
 *
 * @example
 * const doc = prepareOpenApiDocument(parseYaml(text), {}, 'harbor-v2.0-swagger.yaml'); // 2.0 or 3.0
 */
export function prepareOpenApiDocument(
  read: unknown,
  options: LoadOptions = {},
  source = 'the document',
): OpenApiDocument {
  const parsed = (isSwagger2(read) ? convertSwagger2(read as Record<string, unknown>) : read) as Record<
    string,
    unknown
  > | null;
  if (!parsed || typeof parsed !== 'object' || typeof parsed.openapi !== 'string') {
    throw new Error(`${source} is not an OpenAPI document`);
  }
  if (!parsed.openapi.startsWith('3.')) throw new Error(`${source}: OpenAPI ${parsed.openapi} is not 3.x`);
  normaliseSchemas(parsed);
  if (options.strictRequestBodies ?? true) closeRequestBodies(parsed);
  return parsed as unknown as OpenApiDocument;
}

/** Keys under which a document holds sample data, not schemas. */
const NOT_SCHEMA = new Set(['example', 'examples', 'x-github']);

/** OpenAPI 3.0's `nullable` → JSON Schema, everywhere in the document. */
function normaliseSchemas(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) normaliseSchemas(item);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const record = node as Record<string, unknown>;
  for (const [key, value] of Object.entries(record)) {
    if (!NOT_SCHEMA.has(key)) normaliseSchemas(value);
  }
  if (record.nullable === true && Array.isArray(record.enum) && !record.enum.includes(null)) {
    // OpenAPI 3.0 lets `nullable` admit null past an `enum`; JSON Schema needs null in the list.
    record.enum = [...record.enum, null];
  }
  if (record.nullable === true && record.type === undefined) {
    // ajv refuses `nullable` without `type`; the equivalent is "null, or what the rest says".
    const rest: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(record)) {
      if (key !== 'nullable' && key !== 'description') rest[key] = value;
      if (key !== 'description') delete record[key];
    }
    record.anyOf = [{ type: 'null' }, rest];
  }
}

/** Adds `additionalProperties: false` to the inline object schemas of every request body. */
function closeRequestBodies(document: Record<string, unknown>): void {
  const paths = (document.paths ?? {}) as Record<string, Record<string, unknown>>;
  for (const item of Object.values(paths)) {
    for (const method of HTTP_METHODS) {
      const operation = item[method] as { requestBody?: { content?: Record<string, { schema?: unknown }> } };
      for (const media of Object.values(operation?.requestBody?.content ?? {})) close(media.schema);
    }
  }
}

function close(schema: unknown): void {
  if (!schema || typeof schema !== 'object' || Array.isArray(schema)) return;
  const record = schema as Record<string, unknown>;
  if (record.$ref !== undefined) return; // shared components are left as the vendor wrote them
  const properties = record.properties as Record<string, unknown> | undefined;
  // A branch of a composition may name properties of its own: close only when every one is named here.
  const branchNames = (['anyOf', 'oneOf', 'allOf'] as const).flatMap((key) =>
    Array.isArray(record[key])
      ? (record[key] as { properties?: object; $ref?: string }[]).flatMap((branch) =>
          branch.$ref !== undefined ? ['$ref'] : Object.keys(branch.properties ?? {}),
        )
      : [],
  );
  const closable = properties !== undefined && branchNames.every((name) => Object.hasOwn(properties, name));
  if (closable && record.additionalProperties === undefined) record.additionalProperties = false;
  for (const value of Object.values(properties ?? {})) close(value);
  if (record.items) close(record.items);
}

/**
 * A JSON pointer as a URI fragment ajv resolves: `~` and `/` escaped (RFC 6901), then percent-encoded
 * (`{owner}` in path templates).
 *
 * @example
 * pointer('paths', '/app', 'get'); // '/paths/~1app/get'
 */
export function pointer(...segments: readonly (string | number)[]): string {
  return segments
    .map((segment) => encodeURIComponent(String(segment).replace(/~/g, '~0').replace(/\//g, '~1')))
    .map((segment) => `/${segment}`)
    .join('');
}

/** Follows a local `$ref` (`#/components/...`) to its target, and says where that is. */
export function resolveLocal(
  document: OpenApiDocument,
  node: unknown,
  at: string,
): { readonly value: Record<string, unknown>; readonly at: string } {
  let current = node as Record<string, unknown>;
  let where = at;
  for (let hops = 0; typeof current?.$ref === 'string' && hops < 10; hops++) {
    const ref = current.$ref as string;
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, not ${ref}`);
    const parts = ref
      .slice(2)
      .split('/')
      .map((part) => decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~'));
    let target: unknown = document;
    for (const part of parts) target = (target as Record<string, unknown> | undefined)?.[part];
    if (!target || typeof target !== 'object') throw new Error(`unresolvable $ref ${ref}`);
    current = target as Record<string, unknown>;
    where = pointer(...parts);
  }
  return { value: current, at: where };
}
