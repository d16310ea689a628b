/**
 * Text helpers for untrusted strings: cleaning, measuring and cutting on code point boundaries, and
 * transliteration to ASCII. Every limit here is counted in UTF-16 code units (what `length` says, never
 * fewer than the platform's "characters") and, where given, in UTF-8 bytes.
 */

/** The ellipsis appended to cut text. */
export const ELLIPSIS = '\u2026';
/** The ellipsis appended to cut text when the output must stay ASCII. */
export const ASCII_ELLIPSIS = '...';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** C0 controls except tab and newline, DEL and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
const CONTROL_GLOBAL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
/** Every control character, tab and line breaks included. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** One scan for everything `cleanToolText` changes: CR, controls, surrogates (paired ones too, cheaply). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
const NEEDS_CLEANING = /[\r\u0000-\u0008\u000b-\u001f\u007f-\u009f\ud800-\udfff]/;
const SURROGATE = /[\ud800-\udfff]/;
/** Bidirectional overrides and isolates ("Trojan Source"): never rendered. */
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/g;
/** Anything but printable ASCII and tab/CR/LF: text without it is already ASCII. */
const NOT_PLAIN_ASCII = /[^\t\n\r -~]/;

/** The number of bytes `text` takes in UTF-8 (a lone surrogate counts as U+FFFD, 3 bytes). */
export function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** True when `text` holds a control character other than `\n` and `\t` (C0, DEL, C1). */
export function hasControlCharacter(text: string): boolean {
  return CONTROL.test(text);
}

/** True when `text` holds any control character, tab and newline included: for one-line names. */
export function hasAnyControlCharacter(text: string): boolean {
  return ANY_CONTROL.test(text);
}

/** True for an absolute http(s) URL without whitespace or control characters. */
export function isHttpUrl(text: string): boolean {
  return /^https?:\/\/\S+$/i.test(text) && !ANY_CONTROL.test(text);
}

/**
 * Makes tool output safe to keep: CRLF and CR become LF, other control characters and lone surrogates
 * become U+FFFD. Used on SARIF strings, which we accept as tools write them.
 */
export function cleanToolText(text: string): string {
  if (!NEEDS_CLEANING.test(text)) return text;
  let out = text;
  if (out.includes('\r')) out = out.replace(/\r\n?/g, '\n');
  if (CONTROL.test(out)) out = out.replace(CONTROL_GLOBAL, '\ufffd');
  return replaceLoneSurrogates(out);
}

/** Replaces unpaired UTF-16 surrogates with U+FFFD, so the text encodes to UTF-8 without loss. */
export function replaceLoneSurrogates(text: string): string {
  if (!SURROGATE.test(text)) return text;
  LONE_SURROGATE.lastIndex = 0;
  return LONE_SURROGATE.test(text) ? text.replace(LONE_SURROGATE, '\ufffd') : text;
}

/** Removes bidirectional override characters, which can make rendered text lie about its order. */
export function stripBidiControls(text: string): string {
  return text.replace(BIDI_CONTROL, '');
}

/** Any run of whitespace (newlines included) becomes one space; the ends are trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** A limit in UTF-16 code units and, optionally, UTF-8 bytes. */
export interface TextLimit {
  readonly chars: number;
  readonly bytes?: number;
}

/** True when `text` is within both parts of `limit`. */
export function fitsLimit(text: string, limit: TextLimit): boolean {
  if (text.length > limit.chars) return false;
  if (limit.bytes === undefined || text.length * 3 <= limit.bytes) return true;
  return utf8Length(text) <= limit.bytes;
}

/**
 * Cuts `text` to `limit`, appending `ellipsis` when it had to cut. Never splits a surrogate pair; the
 * result including the ellipsis fits the limit (an empty string when not even the ellipsis fits).
 *
 * @example
 * cutText('abcdef', { chars: 4 }); // 'abc…'
 */
export function cutText(text: string, limit: TextLimit, ellipsis: string = ELLIPSIS): string {
  if (fitsLimit(text, limit)) return text;
  const roomChars = limit.chars - ellipsis.length;
  const roomBytes = (limit.bytes ?? Number.POSITIVE_INFINITY) - utf8Length(ellipsis);
  if (roomChars < 0 || roomBytes < 0) return '';
  let index = 0;
  let bytes = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    let units = 1;
    let size = 3;
    if (code < 0x80) size = 1;
    else if (code < 0x800) size = 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(index + 1))) {
      units = 2;
      size = 4;
    }
    if (index + units > roomChars || bytes + size > roomBytes) break;
    index += units;
    bytes += size;
  }
  return text.slice(0, index) + ellipsis;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

const ASCII_REPLACEMENTS: ReadonlyMap<string, string> = new Map([
  ['\u2018', "'"],
  ['\u2019', "'"],
  ['\u201a', "'"],
  ['\u201b', "'"],
  ['\u201c', '"'],
  ['\u201d', '"'],
  ['\u201e', '"'],
  ['\u2010', '-'],
  ['\u2011', '-'],
  ['\u2012', '-'],
  ['\u2013', '-'],
  ['\u2014', '-'],
  ['\u2015', '-'],
  ['\u2212', '-'],
  ['\u00a0', ' '],
  ['\u2028', '\n'],
  ['\u2029', '\n'],
  ['\u00df', 'ss'],
  ['\u00e6', 'ae'],
  ['\u00c6', 'AE'],
  ['\u0153', 'oe'],
  ['\u0152', 'OE'],
  ['\u00f8', 'o'],
  ['\u00d8', 'O'],
  ['\u0142', 'l'],
  ['\u0141', 'L'],
  ['\u0111', 'd'],
  ['\u0110', 'D'],
  ['\u00f0', 'd'],
  ['\u00d0', 'D'],
  ['\u00fe', 'th'],
  ['\u00de', 'Th'],
  ['\u0131', 'i'],
  ['\u2022', '*'],
  ['\u00b7', '.'],
  ['\u00ab', '<<'],
  ['\u00bb', '>>'],
  ['\u2190', '<-'],
  ['\u2192', '->'],
  ['\u00d7', 'x'],
  ['\u00a9', '(c)'],
  ['\u00ae', '(R)'],
  ['\u2122', '(TM)'],
]);

/** Marks and invisible joiners dropped in ASCII output instead of becoming `?`. */
function isDroppedInAscii(code: number): boolean {
  return (
    (code >= 0x0300 && code <= 0x036f) ||
    (code >= 0x1ab0 && code <= 0x1aff) ||
    (code >= 0x1dc0 && code <= 0x1dff) ||
    (code >= 0x20d0 && code <= 0x20ff) ||
    (code >= 0xfe20 && code <= 0xfe2f) ||
    (code >= 0xfe00 && code <= 0xfe0f) ||
    (code >= 0x200b && code <= 0x200f) ||
    code === 0x2060 ||
    code === 0xfeff ||
    (code >= 0x1f3fb && code <= 0x1f3ff) ||
    (code >= 0xe0020 && code <= 0xe007f)
  );
}

/**
 * Transliterates to ASCII: accents are dropped (`é` → `e`), compatibility forms folded (`ﬁ` → `fi`),
 * common punctuation replaced (`“` → `"`), anything else becomes one `?` per code point.
 *
 * @example
 * toAscii('Grüße 👍'); // 'Grusse ?'
 */
export function toAscii(text: string): string {
  if (!NOT_PLAIN_ASCII.test(text)) return text;
  let out = '';
  for (const char of text.normalize('NFKD')) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x80) out += char;
    else if (!isDroppedInAscii(code)) out += ASCII_REPLACEMENTS.get(char) ?? '?';
  }
  return out;
}
