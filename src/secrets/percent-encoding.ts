/**
 * Percent-encoding for `authref://` components: decode exactly once, re-encode to one canonical
 * spelling. Kept apart from the parser so the parser reads as the grammar.
 */

/** Characters a component may hold literally: RFC 3986 unreserved plus `: @ + = ,` (§1.2). */
const LITERAL = /^[A-Za-z0-9\-._~:@+=,]$/;

/** Raw characters a component may contain: the literal ones and `%` of a percent-escape. */
export const RAW_COMPONENT_CHAR = /^[A-Za-z0-9\-._~:@+=,%]$/;
const RAW_COMPONENT = /^[A-Za-z0-9\-._~:@+=,%]*$/;

/** The first character a raw component may not contain, or undefined when it has none. */
export function firstBadCharacter(raw: string): string | undefined {
  if (RAW_COMPONENT.test(raw)) return undefined;
  for (const char of raw) if (!RAW_COMPONENT_CHAR.test(char)) return char;
  return undefined;
}

const HEX = '0123456789ABCDEF';
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Why a raw component cannot be decoded, or its decoded text. */
export type Decoded =
  | { readonly ok: true; readonly text: string }
  | { readonly ok: false; readonly why: string };

/**
 * Decodes `%XX` escapes once. Refuses a `%` not followed by two hex digits, `%25` followed by two hex
 * digits (double encoding) and bytes that are not UTF-8.
 */
export function decodeOnce(raw: string): Decoded {
  if (!raw.includes('%')) return { ok: true, text: raw };
  if (/%25[0-9A-Fa-f]{2}/.test(raw)) {
    return { ok: false, why: 'is percent-encoded twice (%25 followed by hex digits)' };
  }
  const bytes: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i]!;
    if (char !== '%') {
      bytes.push(char.charCodeAt(0));
      continue;
    }
    const hex = raw.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) {
      return { ok: false, why: "has a malformed percent-escape ('%' must be followed by two hex digits)" };
    }
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  try {
    return { ok: true, text: utf8.decode(Uint8Array.from(bytes)) };
  } catch {
    return { ok: false, why: 'decodes to bytes that are not UTF-8' };
  }
}

/** The one canonical spelling of decoded text: literal characters as they are, every other byte `%XX`. */
export function encodeCanonical(text: string): string {
  let out = '';
  for (const char of text) {
    if (LITERAL.test(char)) {
      out += char;
      continue;
    }
    for (const byte of Buffer.from(char, 'utf8')) out += `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

/** Why decoded text is dangerous as a path segment or key, or undefined when it is not. */
export function dangerInDecoded(text: string): string | undefined {
  if (text.includes('/')) return "contains an encoded '/' (%2F)";
  if (text.includes('\\')) return 'contains an encoded backslash (%5C)';
  if (text.includes('\u0000')) return 'contains an encoded NUL (%00)';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text)) {
    return 'contains an encoded control character';
  }
  if (/%[0-9A-Fa-f]{2}/.test(text)) return 'is percent-encoded twice (decodes to another escape)';
  if (text === '.' || text === '..') return "is '.' or '..'";
  if (text.includes('..')) return "contains '..'";
  return undefined;
}
