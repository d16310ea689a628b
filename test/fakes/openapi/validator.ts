import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { HTTP_METHODS, type OpenApiDocument, pointer, resolveLocal } from './document.js';

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/**
 * Checks HTTP requests and responses against an OpenAPI 3.0 description: the operation is found by method
 * and path template, then path and query parameters and the JSON body are validated with ajv against the
 * operation's own schemas. Schemas are compiled on first use, so a large description costs only what a
 * test touches.
 */

/** An operation of the description that a request matched. */
export interface MatchedOperation {
  readonly method: string;
  /** The path template, e.g. `/repos/{owner}/{repo}/check-runs`. */
  readonly template: string;
  readonly operationId: string;
  /** Path parameters, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface RequestToCheck {
  readonly method: string;
  /** Path below the API root (any base path already removed), not decoded. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly contentType: string | undefined;
  /** The parsed JSON body, or undefined when none was sent. */
  readonly body: unknown;
}

export interface OpenApiValidator {
  readonly document: OpenApiDocument;
  match(method: string, path: string): MatchedOperation | undefined;
  /** Problems with a request, in words; empty when it matches the description. */
  checkRequest(request: RequestToCheck): { operation?: MatchedOperation; problems: string[] };
  /** Problems with a JSON response body for `status`; empty when it matches. */
  checkResponse(operation: MatchedOperation, status: number, body: unknown): string[];
  /** The response schema's location for `status`, if the description gives one. */
  responseSchema(operation: MatchedOperation, status: number): string | undefined;
  /** Compiles (once) the schema at a JSON pointer of the document. */
  schemaAt(at: string): ValidateFunction;
}

interface Route {
  readonly method: string;
  readonly template: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** More literal segments win: `/issues/comments/{id}` before `/issues/{number}/comments`. */
  readonly literals: number;
}

interface Parameter {
  readonly name: string;
  readonly in: string;
  readonly required?: boolean;
  readonly schema?: unknown;
  readonly at: string;
}

/** Formats the descriptions use that ajv-formats does not know; accepted as they come. */
const EXTRA_FORMATS = ['int32', 'int64', 'double', 'float', 'binary', 'byte', 'repo.nwo', 'timestamp'];

/**
 * @example
 * const validator = createOpenApiValidator(loadOpenApiDocument(file));
 * validator.checkRequest({ method: 'POST', path: '/repos/o/r/check-runs', query, contentType, body });
 */
export function createOpenApiValidator(document: OpenApiDocument, key = 'openapi'): OpenApiValidator {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats(ajv);
  for (const format of EXTRA_FORMATS) ajv.addFormat(format, true);
  ajv.addSchema(document as object, key);
  const compiled = new Map<string, ValidateFunction>();
  const schemaAt = (at: string): ValidateFunction => {
    let validate = compiled.get(at);
    if (!validate) {
      validate = ajv.compile({ $ref: `${key}#${at}` });
      compiled.set(at, validate);
    }
    return validate;
  };

  const routes: Route[] = [];
  for (const [template, item] of Object.entries(document.paths)) {
    for (const method of HTTP_METHODS) {
      if (!item[method]) continue;
      const names: string[] = [];
      const source = template
        .split('/')
        .map((segment) =>
          segment.replace(/\{([^}]+)\}|[^{}]+/g, (part, name?: string) => {
            if (name === undefined) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
            names.push(name);
            return '([^/]+)';
          }),
        )
        .join('/');
      const literals = template.split('/').filter((s) => s !== '' && !s.includes('{')).length;
      routes.push({ method, template, pattern: new RegExp(`^${source}$`), names, literals });
    }
  }
  routes.sort((a, b) => b.literals - a.literals);

  const operationAt = (operation: MatchedOperation) => pointer('paths', operation.template, operation.method);
  const operationOf = (operation: MatchedOperation) =>
    resolveLocal(document, document.paths[operation.template]?.[operation.method], operationAt(operation));

  function match(method: string, path: string): MatchedOperation | undefined {
    const lower = method.toLowerCase();
    for (const route of routes) {
      if (route.method !== lower) continue;
      const found = route.pattern.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = safeDecode(found[index + 1] ?? '');
      });
      const item = document.paths[route.template] ?? {};
      const operationId = String((item[route.method] as { operationId?: string }).operationId ?? '');
      return { method: route.method, template: route.template, operationId, params };
    }
    return undefined;
  }

  function parametersOf(operation: MatchedOperation): Parameter[] {
    const itemAt = pointer('paths', operation.template);
    const item = document.paths[operation.template] ?? {};
    const all = new Map<string, Parameter>();
    const collect = (list: unknown, at: string) => {
      if (!Array.isArray(list)) return;
      list.forEach((entry, index) => {
        const { value, at: where } = resolveLocal(document, entry, `${at}/parameters/${index}`);
        const parameter = { ...(value as Omit<Parameter, 'at'>), at: where };
        all.set(`${parameter.in}:${parameter.name}`, parameter);
      });
    };
    collect(item.parameters, itemAt);
    collect(operationOf(operation).value.parameters, operationAt(operation));
    return [...all.values()];
  }

  function checkParameter(parameter: Parameter, raw: string | string[], problems: string[]): void {
    if (parameter.schema === undefined) return;
    const { value: schema } = resolveLocal(document, parameter.schema, `${parameter.at}/schema`);
    const value = coerce(raw, schema);
    const validate = schemaAt(`${parameter.at}/schema`);
    if (!validate(value)) {
      problems.push(`${parameter.in} parameter '${parameter.name}' ${describe(validate.errors)}`);
    }
  }

  function checkRequest(request: RequestToCheck): { operation?: MatchedOperation; problems: string[] } {
    const operation = match(request.method, request.path);
    if (!operation) {
      return {
        problems: [`no operation ${request.method.toUpperCase()} ${request.path} in the description`],
      };
    }
    const problems: string[] = [];
    const parameters = parametersOf(operation);
    for (const parameter of parameters.filter((p) => p.in === 'path')) {
      checkParameter(parameter, operation.params[parameter.name] ?? '', problems);
    }
    const queryParameters = parameters.filter((p) => p.in === 'query');
    for (const parameter of queryParameters) {
      const values = request.query.getAll(parameter.name);
      if (values.length === 0) {
        if (parameter.required) problems.push(`query parameter '${parameter.name}' is required`);
        continue;
      }
      checkParameter(parameter, values.length === 1 ? (values[0] ?? '') : values, problems);
    }
    const known = new Set(queryParameters.map((p) => p.name));
    for (const name of new Set(request.query.keys())) {
      if (!known.has(name)) problems.push(`query parameter '${name}' is not in the description`);
    }

    const operationNode = operationOf(operation).value;
    const requestBody = operationNode.requestBody
      ? resolveLocal(document, operationNode.requestBody, `${operationAt(operation)}/requestBody`)
      : undefined;
    if (request.body === undefined) {
      if ((requestBody?.value as { required?: boolean } | undefined)?.required) {
        problems.push('a request body is required');
      }
    } else if (!requestBody) {
      problems.push('the operation takes no request body');
    } else {
      const content = (requestBody.value.content ?? {}) as Record<string, unknown>;
      const media = Object.keys(content).find((type) => /json/i.test(type));
      if (media === undefined) {
        problems.push(`the operation takes ${Object.keys(content).join(', ')}, not JSON`);
      } else {
        if (!/^application\/([\w.+-]+\+)?json\b/i.test(request.contentType ?? '')) {
          problems.push(`content-type must be JSON, not '${request.contentType ?? 'none'}'`);
        }
        const validate = schemaAt(`${requestBody.at}${pointer('content', media, 'schema')}`);
        if (!validate(request.body)) problems.push(`body ${describe(validate.errors)}`);
      }
    }
    return { operation, problems };
  }

  function responseSchema(operation: MatchedOperation, status: number): string | undefined {
    const responses = (operationOf(operation).value.responses ?? {}) as Record<string, unknown>;
    const code = [String(status), `${String(status)[0]}XX`, 'default'].find((c) => responses[c]);
    if (code === undefined) return undefined;
    const { value, at } = resolveLocal(
      document,
      responses[code],
      `${operationAt(operation)}${pointer('responses', code)}`,
    );
    const content = (value.content ?? {}) as Record<string, { schema?: unknown }>;
    const media = Object.keys(content).find((type) => /json/i.test(type));
    if (media === undefined || content[media]?.schema === undefined) return undefined;
    return `${at}${pointer('content', media, 'schema')}`;
  }

  function checkResponse(operation: MatchedOperation, status: number, body: unknown): string[] {
    const responses = (operationOf(operation).value.responses ?? {}) as Record<string, unknown>;
    if (!responses[String(status)] && !responses.default && status < 400) {
      return [`status ${status} is not a documented response (${Object.keys(responses).join(', ')})`];
    }
    const at = responseSchema(operation, status);
    if (at === undefined || body === undefined) return [];
    const validate = schemaAt(at);
    return validate(body) ? [] : [`response ${status} ${describe(validate.errors)}`];
  }

  return { document, match, checkRequest, checkResponse, responseSchema, schemaAt };
}

/** Query and path values arrive as text; the schema says what they are. */
function coerce(raw: string | string[], schema: Record<string, unknown>): unknown {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === 'array') {
    const list = Array.isArray(raw) ? raw : raw.split(',');
    const items = (schema.items ?? {}) as Record<string, unknown>;
    return list.map((item) => coerce(item, items));
  }
  const text = Array.isArray(raw) ? (raw[0] ?? '') : raw;
  if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
  if (type === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** ajv's errors in one line, at most five. */
export function describe(errors: readonly ErrorObject[] | null | undefined): string {
  const list = (errors ?? []).filter((error) => error.keyword !== 'anyOf' && error.keyword !== 'oneOf');
  const shown = (list.length > 0 ? list : (errors ?? [])).slice(0, 5).map((error) => {
    const extra =
      error.keyword === 'additionalProperties'
        ? ` '${(error.params as { additionalProperty: string }).additionalProperty}'`
        : error.keyword === 'enum'
          ? ` ${JSON.stringify((error.params as { allowedValues: unknown[] }).allowedValues)}`
          : '';
    return `${error.instancePath || '(root)'} ${error.message ?? 'is invalid'}${extra}`;
  });
  return shown.join('; ');
}
