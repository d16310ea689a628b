import { expect } from 'vitest';
import type { TestApp } from '../../test/support/app.js';
import { CONTENT_SECURITY_POLICY } from './console.js';

/** A console response: status, headers and the HTML as text. */
export interface Page {
  readonly status: number;
  readonly headers: Record<string, string | string[] | number | undefined>;
  readonly html: string;
}

/** Logs in with `token` and returns the `Cookie` header to send afterwards. */
export async function login(t: TestApp, token: string): Promise<string> {
  const response = await post(t, '/console/login', null, { token });
  expect(response.status).toBe(303);
  const setCookie = String(response.headers['set-cookie']);
  return setCookie.split(';')[0]!;
}

export async function get(t: TestApp, url: string, cookie: string | null): Promise<Page> {
  const response = await t.app.api.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
  return { status: response.statusCode, headers: response.headers, html: response.body };
}

export async function post(
  t: TestApp,
  url: string,
  cookie: string | null,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<Page> {
  const response = await t.app.api.inject({
    method: 'POST',
    url,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(cookie ? { cookie } : {}),
      ...headers,
    },
    payload: new URLSearchParams(fields).toString(),
  });
  return { status: response.statusCode, headers: response.headers, html: response.body };
}

/** The CSRF token of the first form of a page. */
export function csrfOf(html: string): string {
  const match = /<input type="hidden" name="csrf" value="([^"]*)">/.exec(html);
  expect(match, 'a form with a CSRF field').not.toBeNull();
  return match![1]!;
}

const ENTITIES: Record<string, string> = {
  '&lt;': '<',
  '&gt;': '>',
  '&quot;': '"',
  '&#39;': "'",
  '&#96;': '`',
  '&amp;': '&',
};

/** The text of a fragment: tags removed, entities decoded, whitespace collapsed. */
export function textOf(fragment: string): string {
  return fragment
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(?:lt|gt|quot|#39|#96|amp);/g, (entity) => ENTITIES[entity]!)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The body rows of the table whose caption contains `caption`, as the text of their cells. */
export function tableRows(html: string, caption: string): string[][] {
  const table = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)]
    .map((match) => match[1]!)
    .find((body) => textOf(/<caption>([\s\S]*?)<\/caption>/.exec(body)?.[1] ?? '').includes(caption));
  if (table === undefined) return [];
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)?.[1] ?? '';
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((row) =>
    [...row[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((cell) => textOf(cell[1]!)),
  );
}

/** The `href` of every link of a page, entities decoded. */
export function links(html: string): string[] {
  return [...html.matchAll(/<a href="([^"]*)"/g)].map((match) => textOf(match[1]!));
}

/** The headers every console response carries. */
export function expectConsoleHeaders(page: Page, cache: 'no-store' | 'immutable' = 'no-store'): void {
  expect(page.headers['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
  expect(page.headers['x-content-type-options']).toBe('nosniff');
  expect(page.headers['referrer-policy']).toBe('no-referrer');
  if (cache === 'no-store') expect(page.headers['cache-control']).toBe('no-store');
  else expect(page.headers['cache-control']).toContain('immutable');
}
