import { fitMarkdown } from './fit-markdown.js';
import { commentMarker, MARKER_KEY_PATTERN } from './markdown.js';
import type { TextLimit } from './text.js';

/**
 * The summary comment every SCM provider keeps one of per pull request: a hidden marker line first
 * (`<!-- integrations-catalog:annotation key=… -->`), by which the provider finds its own comment
 * again, then the body, cut to the platform's limit without breaking its markdown.
 */

/** The marker key of a body that arrives without one. */
export const DEFAULT_MARKER_KEY = 'default';

const MARKER_LINE = /^<!-- integrations-catalog:annotation key=([^\s]+) -->\r?$/;

/** The marker key on the first line of `body`, if it has one. */
export function markerKeyOf(body: string): string | undefined {
  const end = body.indexOf('\n');
  const key = MARKER_LINE.exec((end === -1 ? body : body.slice(0, end)).trim())?.[1];
  return key !== undefined && MARKER_KEY_PATTERN.test(key) ? key : undefined;
}

/**
 * The body as it will be sent: marker first (the default key when it has none), cut to `limit`.
 *
 * @example
 * markedComment(body, { chars: 65_536, bytes: 65_536 }, "GitHub's limit of 65,536 characters for a comment");
 */
export function markedComment(
  body: string,
  limit: TextLimit,
  limitName: string,
): { readonly key: string; readonly body: string } {
  const found = markerKeyOf(body);
  const key = found ?? DEFAULT_MARKER_KEY;
  const marked = found === undefined ? `${commentMarker(key)}\n${body}` : body;
  return { key, body: fitMarkdown(marked, limit, limitName) };
}

/** Whether two comment bodies are the same text, line endings aside (platforms store CRLF or LF). */
export function sameCommentText(a: string | undefined | null, b: string): boolean {
  return (a ?? '').replace(/\r\n/g, '\n') === b.replace(/\r\n/g, '\n');
}
