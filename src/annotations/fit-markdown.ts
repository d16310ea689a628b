import { fitsLimit, type TextLimit, utf8Length } from './text.js';

/**
 * Cutting markdown to a platform limit without breaking it: the cut falls on a line end where it can and
 * never inside a surrogate pair; an open code fence, HTML comment and every open `<details>` are closed;
 * a last line says how much was left out. Limits count UTF-16 code units and UTF-8 bytes, as the
 * annotations module does (`annotations/limits.ts`).
 */

/** Room kept for the closing tags and the note. */
const NOTE_ROOM = 320;

/**
 * `text` when it fits `limit`, else its longest safe prefix plus closers and a note.
 *
 * @example
 * fitMarkdown(body, { chars: 65_536, bytes: 65_536 }, "GitHub's limit of 65,536 characters");
 */
export function fitMarkdown(text: string, limit: TextLimit, limitName: string): string {
  if (fitsLimit(text, limit)) return text;
  let room = {
    chars: Math.max(0, limit.chars - NOTE_ROOM),
    bytes: Math.max(0, (limit.bytes ?? limit.chars) - NOTE_ROOM),
  };
  for (let tries = 0; tries < 8; tries++) {
    const cut = lineBoundary(text, prefixLength(text, room));
    const kept = text.slice(0, cut);
    const rest = text.slice(cut);
    const lines = rest.split('\n').length - (rest.endsWith('\n') ? 1 : 0);
    const note =
      `\n\n---\n_Cut to fit ${limitName}: the last ${rest.length.toLocaleString('en-US')} characters ` +
      `(${lines.toLocaleString('en-US')} ${lines === 1 ? 'line' : 'lines'}) were left out._\n`;
    const result = kept + closers(kept) + note;
    if (fitsLimit(result, limit)) return result;
    const over = Math.max(result.length - limit.chars, utf8Length(result) - (limit.bytes ?? limit.chars), 64);
    room = { chars: Math.max(0, room.chars - over), bytes: Math.max(0, room.bytes - over) };
  }
  return '';
}

/** The longest prefix within `room` (UTF-16 units and UTF-8 bytes) that ends on a code point boundary. */
function prefixLength(text: string, room: { chars: number; bytes: number }): number {
  let index = 0;
  let bytes = 0;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    const pair = code >= 0xd800 && code <= 0xdbff && isLow(text.charCodeAt(index + 1));
    const units = pair ? 2 : 1;
    const size = pair ? 4 : code < 0x80 ? 1 : code < 0x800 ? 2 : 3;
    if (index + units > room.chars || bytes + size > room.bytes) break;
    index += units;
    bytes += size;
  }
  return index;
}

function isLow(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Moves a cut back to just after a line break, unless that loses more than a few thousand characters. */
function lineBoundary(text: string, cut: number): number {
  if (cut >= text.length || text[cut - 1] === '\n') return cut;
  const newline = text.lastIndexOf('\n', cut - 1);
  return newline >= 0 && cut - newline <= 4_000 ? newline + 1 : cut;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

/**
 * What must follow `kept` so it renders as intended: a closing fence, `-->`, and `</details>` for each
 * one still open (GitHub renders a `<details>` without its close as swallowing the rest of the page).
 */
export function closers(kept: string): string {
  let fence: string | undefined;
  let inComment = false;
  let details = 0;
  for (const line of kept.split('\n')) {
    if (fence !== undefined) {
      const close = FENCE.exec(line);
      if (
        close?.[1] &&
        close[1][0] === fence[0] &&
        close[1].length >= fence.length &&
        close[2]?.trim() === ''
      ) {
        fence = undefined;
      }
      continue;
    }
    let rest = line;
    while (rest.length > 0) {
      if (inComment) {
        const end = rest.indexOf('-->');
        if (end === -1) break;
        inComment = false;
        rest = rest.slice(end + 3);
        continue;
      }
      const open = FENCE.exec(rest);
      if (open?.[1] && rest === line && !(open[1][0] === '`' && open[2]?.includes('`'))) {
        fence = open[1];
        break;
      }
      const comment = rest.indexOf('<!--');
      const scan = comment === -1 ? rest : rest.slice(0, comment);
      details += (scan.match(/<details\b/gi) ?? []).length - (scan.match(/<\/details\s*>/gi) ?? []).length;
      if (comment === -1) break;
      inComment = true;
      rest = rest.slice(comment + 4);
    }
  }
  let out = kept.endsWith('\n') || kept === '' ? '' : '\n';
  if (fence !== undefined) out += `${fence}\n`;
  if (inComment) out += '-->\n';
  for (let index = 0; index < Math.max(0, details); index++) out += '\n</details>\n';
  return out;
}
