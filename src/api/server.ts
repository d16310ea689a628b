import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import AjvModule from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { type FastifyBaseLogger, type FastifySchemaCompiler, LogController } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import type { ConnectionTester } from '../catalog/connection-tester.js';
import type { CredentialsService } from '../catalog/credentials-service.js';
import type { HealthReports } from '../catalog/health-report.js';
import type { IdempotencyService } from '../catalog/idempotency-service.js';
import type { IntegrationService } from '../catalog/integration-service.js';
import type { Readiness } from '../catalog/readiness.js';
import type { RegistryReadService } from '../catalog/registry-service.js';
import type { TokenService } from '../catalog/token-service.js';
import { NotFoundError } from '../core/errors.js';
import type { Metrics } from '../observability/metrics.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { consolePlugin } from '../web/console.js';
import { registerAuth } from './auth.js';
import { handleError } from './error-handler.js';
import { registerIdempotency } from './idempotency.js';
import { registerJsonBodyParser } from './json-body.js';
import { openApiDocument } from './openapi.js';
import { annotateRoutes } from './routes/annotate.js';
import { checkRoutes } from './routes/checks.js';
import { eventRoutes } from './routes/events.js';
import { integrationRoutes } from './routes/integrations.js';
import { providerRoutes } from './routes/providers.js';
import { registryRoutes } from './routes/registry.js';
import { secretRoutes } from './routes/secrets.js';
import { systemRoutes } from './routes/system.js';
import { tokenRoutes } from './routes/tokens.js';
import { ErrorSchema } from './schemas.js';
import { newTraceId } from './trace-id.js';

/** What the HTTP layer needs; it calls the catalog and nothing below it. */
export interface ApiDeps {
  readonly integrations: IntegrationService;
  readonly tester: ConnectionTester;
  /** Reading container registries through their integrations. */
  readonly registryReads: RegistryReadService;
  readonly credentials: CredentialsService;
  readonly healthReports: HealthReports;
  readonly tokens: TokenService;
  readonly idempotency: IdempotencyService;
  readonly plugins: PluginRegistry;
  readonly readiness: () => Promise<Readiness>;
  readonly metrics: Metrics;
  readonly logger: PinoLogger;
  readonly version: string;
}

/** The built server; `inject` for tests, `listen` to serve. */
export type Api = Awaited<ReturnType<typeof createFastify>>;

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

const BODY_LIMIT = 1024 * 1024;
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

function createFastify(deps: ApiDeps) {
  return Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'traceId' }),
    bodyLimit: BODY_LIMIT,
    genReqId: (request) => {
      const header = request.headers.traceparent;
      const match = typeof header === 'string' ? TRACEPARENT.exec(header) : null;
      return match?.[1] && !/^0+$/.test(match[1]) ? match[1] : newTraceId();
    },
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // Errors the router raises before any hook runs (bad percent-encoding, an over-long path
    // parameter) get the envelope and trace id too.
    frameworkErrors: (error, request, reply) => {
      reply.header('x-trace-id', request.id);
      handleError(error, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
}

/**
 * Query strings, path parameters and headers are text, so their values are coerced to the declared
 * types (`?pageSize=10`). A JSON body already carries its types: nothing in it is coerced, so
 * `"name": 123` or `"enabled": "false"` is refused instead of being stored as something else.
 */
function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const options = { removeAdditional: false, useDefaults: true, allErrors: false } as const;
  const text = new Ajv({ ...options, coerceTypes: 'array' });
  const json = new Ajv({ ...options, coerceTypes: false });
  addFormats(text);
  addFormats(json);
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? json : text;
    const id = (schema as { $id?: string }).$id;
    return (id ? ajv.getSchema(id) : undefined) ?? ajv.compile(schema as object);
  };
}

/**
 * Builds the HTTP API: JSON Schema validation, bearer-token auth with tenants and scopes, the error
 * envelope, idempotency keys, metrics, and the OpenAPI document at /openapi.json with a reference at /docs.
 *
 * @example
 * const api = await buildApi(deps);
 * await api.listen({ host: '127.0.0.1', port: 8080 });
 */
export async function buildApi(deps: ApiDeps): Promise<Api> {
  const app = createFastify(deps);
  app.setErrorHandler(handleError);
  app.setValidatorCompiler(validatorCompiler());
  app.setNotFoundHandler((request, reply) =>
    handleError(new NotFoundError('route', `${request.method} ${request.url.split('?')[0]}`), request, reply),
  );
  registerJsonBodyParser(app);
  app.addSchema(ErrorSchema);

  // Callback-style hooks: every request runs them, and they need no promise.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-trace-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    const seconds = reply.elapsedTime / 1000;
    deps.metrics.httpRequests.inc(labels);
    deps.metrics.httpRequestDuration.observe(labels, seconds);
    request.log.info(
      {
        method: request.method,
        route,
        statusCode: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request served',
    );
    done();
  });

  await app.register(swagger, openApiDocument(deps.version));
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { deepLinking: true } });

  await app.register(systemRoutes(deps));
  await app.register(
    async (v1) => {
      registerAuth(v1, deps.tokens);
      registerIdempotency(v1, deps.idempotency);
      await v1.register(integrationRoutes(deps));
      await v1.register(checkRoutes(deps));
      await v1.register(registryRoutes(deps));
      await v1.register(secretRoutes(deps));
      await v1.register(providerRoutes(deps));
      await v1.register(tokenRoutes(deps));
      await v1.register(eventRoutes(deps));
      await v1.register(annotateRoutes(deps));
    },
    { prefix: '/api/v1' },
  );
  // The console: its own cookie auth and CSRF tokens, outside the bearer-token hook and the OpenAPI document.
  await app.register(consolePlugin(deps), { prefix: '/console' });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console', 302));
  await app.ready();
  return app;
}
