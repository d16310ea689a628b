import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorResponse } from '../api/error-handler.js';
import type { ConnectionTester } from '../catalog/connection-tester.js';
import type { HealthReports } from '../catalog/health-report.js';
import type { IntegrationService } from '../catalog/integration-service.js';
import type { RegistryReadService } from '../catalog/registry-service.js';
import type { TokenService } from '../catalog/token-service.js';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import { hasScope, type Principal } from '../core/scopes.js';
import type { PluginRegistry } from '../plugins/registry.js';
import { integrationPages } from './integration-pages.js';
import { errorPage, HTML, type ViewSession } from './layout.js';
import { loginPages } from './login-pages.js';
import { providerPages } from './provider-pages.js';
import { registryPages } from './registry-pages.js';
import {
  CSRF_FIELD,
  type CsrfTokens,
  clearedSessionCookie,
  createCsrfTokens,
  isSecure,
  readSessionToken,
} from './session.js';
import { STYLESHEET } from './stylesheet.js';

/** What the console needs: the same catalog services the API calls. */
export interface ConsoleDeps {
  readonly tokens: TokenService;
  readonly integrations: IntegrationService;
  readonly tester: ConnectionTester;
  readonly healthReports: HealthReports;
  readonly registryReads: RegistryReadService;
  readonly plugins: PluginRegistry;
}

/** What the pages of the console get besides the request. */
export interface ConsoleContext {
  readonly deps: ConsoleDeps;
  readonly csrf: CsrfTokens;
  /** The session of an authenticated request (every route with a scope has one). */
  session(request: FastifyRequest): ViewSession;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const FORM_BODY_LIMIT = 16 * 1024;

/**
 * The console: server-rendered pages under `/console` with no client-side script, authenticated by a
 * cookie holding an API token, with CSRF tokens on every form. Register it with `{ prefix: '/console' }`.
 *
 * @example
 * await app.register(consolePlugin(deps), { prefix: '/console' });
 */
export function consolePlugin(deps: ConsoleDeps): FastifyPluginAsync {
  return async (app) => {
    const csrf = createCsrfTokens();
    // The session token is kept beside the request, never on it, so nothing that logs or serialises
    // the request can carry it.
    const tokens = new WeakMap<FastifyRequest, string>();
    const sessions = new WeakMap<FastifyRequest, ViewSession>();
    const context: ConsoleContext = {
      deps,
      csrf,
      session(request) {
        const session = sessions.get(request);
        if (!session) throw new UnauthenticatedError('log in first');
        return session;
      },
    };

    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
      (_request, body, done) => {
        const fields: Record<string, string> = Object.create(null);
        for (const [key, value] of new URLSearchParams(body as string)) fields[key] = value;
        done(null, fields);
      },
    );

    app.addHook('onRequest', async (request, reply) => {
      if (request.method === 'POST') refuseCrossSite(request);
      const required = request.routeOptions.config.scope;
      if (!required) return; // the login page and the stylesheet
      const token = readSessionToken(request);
      const principal = token ? await authenticate(deps.tokens, token) : undefined;
      if (!token || !principal) {
        if (token) reply.header('set-cookie', clearedSessionCookie(isSecure(request)));
        if (request.method !== 'GET' && request.method !== 'HEAD') {
          throw new UnauthenticatedError('the session has ended; log in again');
        }
        return reply.redirect('/console/login', 303);
      }
      tokens.set(request, token);
      sessions.set(request, { principal, csrf: csrf.issue(token) });
      if (!hasScope(principal.scopes, required)) {
        throw new ForbiddenError(`this needs the ${required} scope, which the token does not have`);
      }
    });

    app.addHook('preHandler', async (request) => {
      const token = tokens.get(request);
      if (request.method !== 'POST' || token === undefined) return;
      const body = request.body as Record<string, unknown> | undefined;
      const candidate = typeof body === 'object' && body !== null ? body[CSRF_FIELD] : undefined;
      if (!csrf.verify(token, candidate)) {
        throw new ForbiddenError(
          'the form is missing its CSRF token or it is wrong; reload the page and try again',
        );
      }
    });

    app.addHook('onSend', (_request, reply, payload, done) => {
      reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'no-referrer');
      reply.header('x-frame-options', 'DENY');
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      done(null, payload);
    });

    app.setErrorHandler((error, request, reply) => renderError(error, request, reply, sessions.get(request)));
    app.setNotFoundHandler((request, reply) =>
      reply
        .code(404)
        .type(HTML)
        .send(errorPage(404, `there is no page at ${request.url.split('?')[0]}`, null)),
    );

    app.get('/console.css', { schema: { hide: true } }, async (_request, reply) =>
      reply
        .type('text/css; charset=utf-8')
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(STYLESHEET),
    );
    registerPages(app, context);
  };
}

function registerPages(app: FastifyInstance, context: ConsoleContext): void {
  loginPages(app, context);
  integrationPages(app, context);
  registryPages(app, context);
  providerPages(app, context);
}

/** Resolves the token as the API's bearer auth does; undefined when it is unknown or revoked. */
async function authenticate(tokens: TokenService, token: string): Promise<Principal | undefined> {
  try {
    return await tokens.authenticate(`Bearer ${token}`);
  } catch (error) {
    if (error instanceof UnauthenticatedError) return undefined;
    throw error;
  }
}

/**
 * A third wall behind SameSite=Strict and the CSRF token: a browser says where a form came from, and
 * a POST from another site is refused before anything else happens (the login form has no session yet).
 */
function refuseCrossSite(request: FastifyRequest): void {
  const site = request.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') {
    throw new ForbiddenError('forms of the console can only be sent from the console itself');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== request.host)
    throw new ForbiddenError('forms of the console can only be sent from the console itself');
}

/** The error page: the status and the message the API would give, never a stack or an error object. */
export function renderError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  session: ViewSession | undefined,
): FastifyReply {
  const { status, body } = errorResponse(error, request);
  const message = (body as { error: { message: string } }).error.message;
  return reply
    .code(status)
    .type(HTML)
    .send(
      errorPage(status, status >= 500 ? `${message} (trace id ${request.id})` : message, session ?? null),
    );
}
