import { describe, expect, it } from 'vitest';
import { type OpenApiDocument, prepareOpenApiDocument } from './document.js';
import { basePathOf, convertSwagger2 } from './swagger2.js';
import { createOpenApiValidator } from './validator.js';

/** The Swagger 2.0 → OpenAPI 3.0 conversion, on a small description using every part Harbor's uses. */

const SWAGGER = {
  swagger: '2.0',
  info: { title: 'T', version: '1' },
  basePath: '/api/v2.0',
  produces: ['application/json'],
  consumes: ['application/json'],
  securityDefinitions: { basic: { type: 'basic' } },
  parameters: {
    requestId: { name: 'X-Request-Id', in: 'header', type: 'string', minLength: 1 },
    page: { name: 'page', in: 'query', type: 'integer', format: 'int64', default: 1 },
    projectName: { name: 'project_name', in: 'path', required: true, type: 'string' },
  },
  responses: { '404': { description: 'Not found', schema: { $ref: '#/definitions/Errors' } } },
  paths: {
    '/ping': {
      get: {
        operationId: 'getPing',
        produces: ['text/plain'],
        responses: { '200': { description: 'ok', schema: { type: 'string' } } },
      },
    },
    '/projects/{project_name}': {
      parameters: [{ $ref: '#/parameters/projectName' }],
      get: {
        operationId: 'getProject',
        parameters: [{ $ref: '#/parameters/requestId' }, { $ref: '#/parameters/page' }],
        responses: {
          '200': {
            description: 'ok',
            headers: { 'X-Total-Count': { description: 'total', type: 'integer' } },
            schema: { $ref: '#/definitions/Project' },
          },
          '404': { $ref: '#/responses/404' },
        },
      },
      put: {
        operationId: 'updateProject',
        parameters: [
          { name: 'project', in: 'body', required: true, schema: { $ref: '#/definitions/Project' } },
        ],
        responses: { '200': { description: 'ok' } },
      },
    },
  },
  definitions: {
    Project: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        owner: { $ref: '#/definitions/Owner', 'x-nullable': true },
        note: { type: 'string', 'x-nullable': true, example: { 'x-nullable': 'kept' } },
        icon: { type: 'file' },
      },
    },
    Owner: { type: 'object', properties: { id: { type: 'integer' } } },
    Errors: { type: 'object', properties: { errors: { type: 'array', items: { type: 'object' } } } },
  },
};

describe('convertSwagger2', () => {
  const converted = convertSwagger2(structuredClone(SWAGGER)) as unknown as OpenApiDocument;

  it('moves definitions, parameters and responses to components, and every $ref with them', () => {
    const text = JSON.stringify(converted);

    expect(converted.openapi).toBe('3.0.3');
    expect(text).not.toMatch(/#\/definitions\/|"#\/parameters\/|"#\/responses\//);
    expect(converted.components?.schemas).toHaveProperty('Project');
    expect(converted.components?.parameters?.page).toEqual({
      name: 'page',
      in: 'query',
      schema: { type: 'integer', format: 'int64', default: 1 },
    });
    expect(converted.components?.responses?.['404']).toEqual({
      description: 'Not found',
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Errors' } } },
    });
    expect(converted.components?.securitySchemes).toEqual({ basic: { type: 'http', scheme: 'basic' } });
  });

  it('turns a body parameter into the request body, and response schemas into content', () => {
    const item = converted.paths['/projects/{project_name}'] as Record<string, Record<string, unknown>>;

    expect(item.put?.requestBody).toEqual({
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Project' } } },
    });
    expect(item.put?.parameters).toBeUndefined();
    expect(item.parameters).toEqual([{ $ref: '#/components/parameters/projectName' }]);
    expect((item.get!.responses as Record<string, unknown>)['200']).toEqual({
      description: 'ok',
      headers: { 'X-Total-Count': { description: 'total', schema: { type: 'integer' } } },
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Project' } } },
    });
    expect(
      (converted.paths['/ping'] as Record<string, { responses: Record<string, unknown> }>).get?.responses[
        '200'
      ],
    ).toEqual({
      description: 'ok',
      content: { 'text/plain': { schema: { type: 'string' } } },
    });
  });

  it('maps basePath, x-nullable and type file; leaves examples alone; does not change its input', () => {
    const project = (converted.components!.schemas as Record<string, { properties: Record<string, unknown> }>)
      .Project!;

    expect(basePathOf(converted)).toBe('/api/v2.0');
    expect(project.properties.owner).toEqual({ $ref: '#/components/schemas/Owner', nullable: true });
    expect(project.properties.note).toEqual({
      type: 'string',
      nullable: true,
      example: { 'x-nullable': 'kept' },
    });
    expect(project.properties.icon).toEqual({ type: 'string', format: 'binary' });
    expect(JSON.stringify(SWAGGER)).toContain('#/definitions/Project');
  });

  it('validates requests and answers with the converted description', () => {
    // As the loader prepares it: converted, then `nullable` turned into JSON Schema.
    const validator = createOpenApiValidator(
      prepareOpenApiDocument(structuredClone(SWAGGER)),
      'swagger2-test',
    );
    const check = (path: string, query: string) =>
      validator.checkRequest({
        method: 'GET',
        path,
        query: new URLSearchParams(query),
        contentType: undefined,
        body: undefined,
      });
    const operation = validator.match('GET', '/projects/acme')!;

    expect(check('/projects/acme', 'page=2').problems).toEqual([]);
    expect(check('/projects/acme', 'page=two&q=1').problems).toEqual([
      "query parameter 'page' (root) must be integer",
      "query parameter 'q' is not in the description",
    ]);
    expect(validator.checkResponse(operation, 200, { name: 'acme', owner: null })).toEqual([]);
    expect(validator.checkResponse(operation, 200, { name: 7 })).toEqual([
      'response 200 /name must be string',
    ]);
  });

  it('refuses what it does not convert', () => {
    const form = structuredClone(SWAGGER) as Record<string, unknown>;
    (form.paths as Record<string, unknown>)['/upload'] = {
      post: { parameters: [{ name: 'f', in: 'formData', type: 'file' }], responses: {} },
    };

    expect(() => convertSwagger2(form)).toThrow(/formData/);
    expect(() => convertSwagger2({ openapi: '3.0.0' })).toThrow(/not a Swagger 2\.0/);
  });
});
