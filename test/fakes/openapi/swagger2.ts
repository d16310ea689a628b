/**
 * Swagger 2.0 → OpenAPI 3.0, for what vendors' 2.0 descriptions use (Harbor's `api/v2.0/swagger.yaml`):
 * `definitions`, shared `parameters` and `responses` become `components`, every `$ref` follows them;
 * non-body parameters (path, query, header) get a `schema`; a `body` parameter becomes the
 * `requestBody`; a response's `schema` becomes its `content` under the operation's `produces` (else the
 * document's); `basePath` becomes the one server URL; `x-nullable: true` becomes `nullable: true` (which
 * `document.ts` then turns into JSON Schema); `type: file` becomes a binary string. `formData`
 * parameters are refused: no description we hold has them.
 * https://swagger.io/specification/v2/ and https://spec.openapis.org/oas/v3.0.3
 */

type Node = Record<string, unknown>;

/** Keys of a 2.0 parameter that belong to its schema in 3.0. */
const SCHEMA_KEYS = [
  'type',
  'format',
  'items',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
  'uniqueItems',
  'multipleOf',
] as const;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch'] as const;

/** Keys under which a description holds sample data, never schemas. */
const SAMPLES = new Set(['example', 'examples', 'x-example']);

/** Whether `document` is a Swagger 2.0 description. */
export function isSwagger2(document: unknown): boolean {
  return (document as Node | null)?.swagger === '2.0';
}

/**
 * Converts a parsed Swagger 2.0 document to OpenAPI 3.0.3 (a new object; the input is not changed).
 *
 * @example
 * const openapi = convertSwagger2(parseYaml(readFileSync('harbor-v2.0-swagger.yaml', 'utf8')));
 * openapi.servers; // [{ url: '/api/v2.0' }]
 */
export function convertSwagger2(source: Node): Node {
  if (!isSwagger2(source)) throw new Error(`not a Swagger 2.0 document (swagger: ${String(source.swagger)})`);
  const swagger = rewrite(structuredClone(source)) as Node;
  const produces = (swagger.produces as string[] | undefined) ?? ['application/json'];
  const consumes = (swagger.consumes as string[] | undefined) ?? ['application/json'];
  const sharedParameters = (swagger.parameters ?? {}) as Record<string, Node>;
  const lookup = (parameter: Node): Node => {
    const ref = parameter.$ref;
    if (typeof ref !== 'string') return parameter;
    return sharedParameters[ref.split('/').pop() ?? ''] ?? parameter;
  };

  const paths: Record<string, Node> = {};
  for (const [template, item] of Object.entries((swagger.paths ?? {}) as Record<string, Node>)) {
    const converted: Node = {};
    const pathParameters = (item.parameters ?? []) as Node[];
    for (const [key, value] of Object.entries(item)) {
      if (!(METHODS as readonly string[]).includes(key)) continue;
      const operation = value as Node;
      const own = (operation.parameters ?? []) as Node[];
      const body = [...pathParameters, ...own].find((parameter) => lookup(parameter).in === 'body');
      const { parameters: _parameters, consumes: opConsumes, produces: opProduces, ...rest } = operation;
      const out: Node = { ...rest };
      const plain = own.filter((parameter) => lookup(parameter).in !== 'body').map(parameterOf);
      if (plain.length > 0) out.parameters = plain;
      if (body) out.requestBody = requestBodyOf(lookup(body), (opConsumes as string[]) ?? consumes);
      out.responses = responsesOf(
        (operation.responses ?? {}) as Record<string, Node>,
        (opProduces as string[]) ?? produces,
      );
      converted[key] = out;
    }
    const plainShared = pathParameters.filter((parameter) => lookup(parameter).in !== 'body');
    if (plainShared.length > 0) converted.parameters = plainShared.map(parameterOf);
    paths[template] = converted;
  }

  const components: Node = {
    schemas: swagger.definitions ?? {},
    parameters: Object.fromEntries(
      Object.entries(sharedParameters)
        .filter(([, parameter]) => parameter.in !== 'body')
        .map(([name, parameter]) => [name, parameterOf(parameter)]),
    ),
    responses: responsesOf((swagger.responses ?? {}) as Record<string, Node>, produces),
    securitySchemes: securitySchemesOf((swagger.securityDefinitions ?? {}) as Record<string, Node>),
  };
  return {
    openapi: '3.0.3',
    info: swagger.info,
    servers: [{ url: String(swagger.basePath ?? '/').replace(/\/+$/, '') || '/' }],
    ...(swagger.security ? { security: swagger.security } : {}),
    ...(swagger.tags ? { tags: swagger.tags } : {}),
    paths,
    components,
  };
}

/** The base path a converted (or 3.0) document serves under: its first server's path, '' for `/`. */
export function basePathOf(document: Readonly<Record<string, unknown>>): string {
  const url = (document.servers as { url?: string }[] | undefined)?.[0]?.url ?? '/';
  return new URL(url, 'http://base.invalid').pathname.replace(/\/+$/, '');
}

/** `$ref`s to the 3.0 places, `x-nullable` to `nullable`, `type: file` to a binary string. */
function rewrite(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewrite);
  if (!node || typeof node !== 'object') return node;
  const out: Node = {};
  for (const [key, value] of Object.entries(node as Node)) {
    if (SAMPLES.has(key)) out[key] = value;
    else if (key === '$ref' && typeof value === 'string') out[key] = refOf(value);
    else if (key === 'x-nullable') {
      if (value === true) out.nullable = true;
    } else out[key] = rewrite(value);
  }
  if (out.type === 'file') Object.assign(out, { type: 'string', format: 'binary' });
  if (typeof out.discriminator === 'string') out.discriminator = { propertyName: out.discriminator };
  return out;
}

function refOf(ref: string): string {
  return ref
    .replace(/^#\/definitions\//, '#/components/schemas/')
    .replace(/^#\/parameters\//, '#/components/parameters/')
    .replace(/^#\/responses\//, '#/components/responses/');
}

function parameterOf(parameter: Node): Node {
  if (typeof parameter.$ref === 'string') return { $ref: parameter.$ref };
  if (parameter.in === 'formData')
    throw new Error(`formData parameter '${String(parameter.name)}' is not supported by the conversion`);
  const schema: Node = {};
  const out: Node = {};
  for (const [key, value] of Object.entries(parameter)) {
    if ((SCHEMA_KEYS as readonly string[]).includes(key)) schema[key] = value;
    else if (key !== 'collectionFormat' && key !== 'allowEmptyValue') out[key] = value;
  }
  if (parameter.in === 'path') out.required = true;
  return { ...out, schema };
}

function requestBodyOf(parameter: Node, consumes: readonly string[]): Node {
  const schema = parameter.schema ?? {};
  return {
    ...(parameter.description ? { description: parameter.description } : {}),
    required: parameter.required === true,
    content: Object.fromEntries(consumes.map((type) => [type, { schema }])),
  };
}

function responsesOf(responses: Record<string, Node>, produces: readonly string[]): Record<string, Node> {
  const out: Record<string, Node> = {};
  for (const [code, response] of Object.entries(responses)) {
    if (typeof response.$ref === 'string') {
      out[code] = { $ref: response.$ref };
      continue;
    }
    const { schema, headers, examples: _examples, ...rest } = response;
    const converted: Node = { description: '', ...rest };
    if (headers) {
      converted.headers = Object.fromEntries(
        Object.entries(headers as Record<string, Node>).map(([name, header]) => {
          const { description, ...headerSchema } = header;
          return [name, { ...(description ? { description } : {}), schema: headerSchema }];
        }),
      );
    }
    if (schema !== undefined)
      converted.content = Object.fromEntries(produces.map((type) => [type, { schema }]));
    out[code] = converted;
  }
  return out;
}

function securitySchemesOf(definitions: Record<string, Node>): Record<string, Node> {
  const out: Record<string, Node> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    if (definition.type === 'basic') out[name] = { type: 'http', scheme: 'basic' };
    else if (definition.type === 'apiKey')
      out[name] = { type: 'apiKey', name: definition.name, in: definition.in };
    else out[name] = { type: 'oauth2', flows: {} };
  }
  return out;
}
