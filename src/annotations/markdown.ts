import { InvalidInputError } from '../core/errors.js';
import {
  ASCII_ELLIPSIS,
  cleanToolText,
  collapseWhitespace,
  ELLIPSIS,
  isHttpUrl,
  replaceLoneSurrogates,
  stripBidiControls,
  toAscii,
} from './text.js';

/**
 * Markdown building blocks that GitHub and GitLab both render the same way. Untrusted text only ever
 * enters through `inlineText` (one line, escaped, cut) and URLs only through `safeUrl`.
 */

/** Characters that would start HTML, break a table cell or a code span: HTML entities. */
const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '|': '&#124;',
  '\\': '&#92;',
  '`': '&#96;',
};
/** Inline markdown punctuation: backslash escapes (CommonMark §2.4). */
const BACKSLASHED = new Set(['*', '_', '~', '[', ']', '$']);

export interface InlineOptions {
  readonly asciiOnly: boolean;
  /** The most UTF-16 code units the escaped result may take, ellipsis included. */
  readonly maxChars: number;
}

/**
 * Untrusted text as one line of inline markdown: control and bidi characters removed, whitespace (line
 * breaks included) collapsed, transliterated when ASCII is asked for, HTML and markdown escaped, and cut
 * to `maxChars` on a code point boundary, never inside an escape.
 *
 * @example
 * inlineText('a | <b>\n`c`', { asciiOnly: false, maxChars: 100 }); // 'a &#124; &lt;b&gt; &#96;c&#96;'
 */
export function inlineText(raw: string, options: InlineOptions): string {
  // Escaping never shortens text and whitespace collapsing rarely shrinks it 4×: look at a bounded prefix.
  const prefix = raw.length > options.maxChars * 4 ? raw.slice(0, options.maxChars * 4) : raw;
  let text = collapseWhitespace(
    stripBidiControls(cleanToolText(prefix)).replace(/[\u2028\u2029\u0085]/g, ' '),
  );
  if (options.asciiOnly) text = toAscii(text);
  const whole = escapeUpTo(text, options.maxChars);
  if (whole.complete && prefix.length === raw.length) return whole.out;
  const ellipsis = options.asciiOnly ? ASCII_ELLIPSIS : ELLIPSIS;
  if (options.maxChars < ellipsis.length) return '';
  return escapeUpTo(text, options.maxChars - ellipsis.length).out + ellipsis;
}

/** Escapes `text` piece by piece while the output stays within `limit` code units. */
function escapeUpTo(text: string, limit: number): { out: string; complete: boolean } {
  let out = '';
  for (const char of text) {
    const piece = ENTITIES[char] ?? (BACKSLASHED.has(char) ? `\\${char}` : char);
    if (out.length + piece.length > limit) return { out, complete: false };
    out += piece;
  }
  return { out, complete: true };
}

/**
 * An http(s) URL made safe for a markdown link destination and a table cell: refused (undefined) when it
 * is not http(s), holds whitespace or control characters, or is longer than 2,048 characters; otherwise
 * parentheses, brackets, pipes, quotes, backslashes and non-ASCII characters are percent-encoded (and
 * the result must still be at most 2,048 characters).
 */
export function safeUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || url.length > 2048) return undefined;
  if (!isHttpUrl(url)) return undefined;
  if (replaceLoneSurrogates(url) !== url) return undefined;
  // The URL holds no whitespace or control character here, so outside printable ASCII is non-ASCII.
  const encoded = url.replace(/[()[\]<>|\\"'`]|[^ -~]/gu, (char) =>
    char.charCodeAt(0) < 0x80
      ? `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`
      : encodeURI(char),
  );
  return encoded.length > 2048 ? undefined : encoded;
}

/** `[text](url)` when the URL is safe, else the text alone. `text` must already be escaped. */
export function link(text: string, url: string | undefined): string {
  const safe = safeUrl(url);
  return safe === undefined ? text : `[${text}](${safe})`;
}

export function tableHeader(cells: readonly string[]): string {
  return `| ${cells.join(' | ')} |\n| ${cells.map(() => '---').join(' | ')} |\n`;
}

export function tableRow(cells: readonly string[]): string {
  return `| ${cells.map((cell) => (cell === '' ? ' ' : cell)).join(' | ')} |\n`;
}

/** Letters, digits and `. _ : / = + -`, 1 to 128 of them: nothing that could end an HTML comment. */
export const MARKER_KEY_PATTERN = /^[A-Za-z0-9._:/=+-]{1,128}$/;

/**
 * The hidden first line by which a provider finds its own comment again (reference §7.3).
 *
 * @example
 * commentMarker('scanner:trivy'); // '<!-- integrations-catalog:annotation key=scanner:trivy -->'
 */
export function commentMarker(key: string): string {
  if (typeof key !== 'string' || !MARKER_KEY_PATTERN.test(key)) {
    throw InvalidInputError.field(
      'markerKey',
      'must be 1 to 128 letters, digits or . _ : / = + - (it is written into an HTML comment)',
    );
  }
  return `<!-- integrations-catalog:annotation key=${key} -->`;
}

/**
 * True when `body` is ours for `key`: the marker must be its first line (CRLF tolerated). Matching the
 * first line only means a finding that quotes a marker in its message can never make a comment look ours.
 */
export function hasCommentMarker(body: string, key: string): boolean {
  const end = body.indexOf('\n');
  const first = (end === -1 ? body : body.slice(0, end)).replace(/\r$/, '').trim();
  return first === commentMarker(key);
}
