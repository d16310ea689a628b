import type { Principal } from '../core/scopes.js';
import { type Html, html, type Interpolation } from './html.js';
import { CSRF_FIELD } from './session.js';
import { STYLESHEET_URL } from './stylesheet.js';

/** The content type of every page. */
export const HTML = 'text/html; charset=utf-8';

/** Who is looking at a page, as the pages need it; never the token itself. */
export interface ViewSession {
  readonly principal: Principal;
  /** The CSRF token the page's POST forms carry. */
  readonly csrf: string;
}

/**
 * A whole page: head, the header with the tenant and a logout button (when logged in), the content.
 *
 * @example
 * page({ title: 'Providers', session, body: html`<h1>Providers</h1>` });
 */
export function page(options: { title: string; session: ViewSession | null; body: Interpolation }): string {
  const { title, session, body } = options;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Integrations console</title>
<link rel="stylesheet" href="${STYLESHEET_URL}">
</head>
<body>
<header>
<strong>Integrations console</strong>
${session ? nav(session) : null}
</header>
<main>
${body}
</main>
</body>
</html>
`.toString();
}

function nav(session: ViewSession): Html {
  return html`<nav aria-label="Console"><a href="/console">Integrations</a> · <a href="/console/providers">Providers</a></nav>
<span class="tenant">Tenant: <strong>${session.principal.tenantId}</strong></span>
<form method="post" action="/console/logout">${csrfField(session)}<button type="submit">Log out</button></form>`;
}

/** The hidden CSRF field of a POST form. */
export function csrfField(session: ViewSession): Html {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${session.csrf}">`;
}

/** A page that says what went wrong: the status and a message, never a stack or an error object. */
export function errorPage(status: number, message: string, session: ViewSession | null): string {
  return page({
    title: `Error ${status}`,
    session,
    body: html`<h1>Error ${status}</h1>
${errorPanel(message)}
<p><a href="/console">Back to the integrations</a></p>`,
  });
}

/** A panel with an error message in it. */
export function errorPanel(message: string): Html {
  return html`<div class="panel error" role="alert"><p>${message}</p></div>`;
}

/** A status in text with a colour beside it; the text alone says it all. */
export function badge(status: string): Html {
  return html`<span class="badge badge-${status.replace(/[^a-z]/g, '')}">${status}</span>`;
}

/** A timestamp as it is stored (ISO 8601, UTC), or a dash. */
export function when(iso: string | null | undefined): Html {
  return iso
    ? html`<time datetime="${iso}">${iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC')}</time>`
    : html`—`;
}

/** A latency in milliseconds, or a dash. */
export function latency(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '—' : `${ms} ms`;
}

/** `?a=1&b=2` from the given pairs, leaving out empty ones (escape it where it is used). */
export function query(pairs: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(pairs)) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** An empty field of a GET form means "any": it is left out before the query is checked. */
export async function dropEmptyFields(request: { query: unknown }): Promise<void> {
  const fields = request.query as Record<string, unknown>;
  for (const key of Object.keys(fields)) if (fields[key] === '') delete fields[key];
}
