import type { FastifyInstance } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';
import type { ConsoleContext } from './console.js';
import { html } from './html.js';
import { errorPanel, HTML, page } from './layout.js';
import { createLoginLimiter } from './login-limit.js';
import { clearedSessionCookie, isSecure, sessionCookie } from './session.js';

/** The login form; the token field is always empty (nothing typed is ever sent back). */
function loginPage(message: string | null): string {
  return page({
    title: 'Log in',
    session: null,
    body: html`<h1>Log in</h1>
<p>Paste an API token of your tenant. The console sees what the token may see: its tenant, its scopes.</p>
${message ? errorPanel(message) : null}
<form method="post" action="/console/login">
<label for="token">API token <input id="token" name="token" type="password" autocomplete="off" required></label>
<p><button type="submit">Log in</button></p>
</form>`,
  });
}

/** `GET /console/login`, `POST /console/login`, `POST /console/logout`. */
export function loginPages(app: FastifyInstance, context: ConsoleContext): void {
  const { tokens } = context.deps;
  const limiter = createLoginLimiter();

  app.get('/login', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(HTML).send(loginPage(null)),
  );

  app.post('/login', { schema: { hide: true } }, async (request, reply) => {
    const wait = limiter.blockedFor(request.ip);
    if (wait > 0) {
      const minutes = Math.ceil(wait / 60_000);
      return reply
        .code(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .type(HTML)
        .send(
          loginPage(
            `Too many failed logins from this address: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
          ),
        );
    }
    const body = request.body as Record<string, unknown> | undefined;
    const token = typeof body?.token === 'string' ? body.token.trim() : '';
    if (!token) return reply.code(400).type(HTML).send(loginPage('Enter an API token.'));
    let tenantId: string;
    try {
      // Exactly what the API's bearer auth does with the same token.
      tenantId = (await tokens.authenticate(`Bearer ${token}`)).tenantId;
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      limiter.failed(request.ip);
      return reply.code(401).type(HTML).send(loginPage('The token is not valid or was revoked.'));
    }
    request.log.info({ tenantId }, 'console login');
    return reply.header('set-cookie', sessionCookie(token, isSecure(request))).redirect('/console', 303);
  });

  app.post(
    '/logout',
    { schema: { hide: true }, config: { scope: 'integrations:read' } },
    async (request, reply) =>
      reply.header('set-cookie', clearedSessionCookie(isSecure(request))).redirect('/console/login', 303),
  );
}
