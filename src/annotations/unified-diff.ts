import { InvalidInputError } from '../core/errors.js';
import { type ChangedLines, type LineRange, mergeRanges, normaliseDiffPath } from './diff.js';

/**
 * Reads unified diffs (`git diff`, GitHub's `.diff` media type, GitLab's `diff` fields) into the added
 * lines per new-side path. Handles `diff --git` headers with or without `a/`/`b/` prefixes, quoted paths
 * with C escapes, renames and copies (`rename to`), new and deleted files (`/dev/null`), binary files,
 * several hunks per file, hunk lengths omitted (`@@ -1 +1 @@`), `\ No newline at end of file`, and CRLF.
 * A renamed, binary or mode-only file counts as changed with no changed line; a deleted file is absent.
 */

/** Larger diffs are refused; GitHub itself stops at 20,000 lines (reference §1.5). */
export const MAX_DIFF_LENGTH = 64 * 1024 * 1024;

const HUNK = /^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export interface ParseDiffOptions {
  /** The file a hunk-only patch belongs to (GitHub's pull request files API gives `patch` per file). */
  readonly path?: string;
}

/**
 * @example
 * parseUnifiedDiff('diff --git a/x.ts b/x.ts\n--- a/x.ts\n+++ b/x.ts\n@@ -1,0 +1,2 @@\n+a\n+b\n');
 * // Map { 'x.ts' => [{ start: 1, end: 2 }] }
 */
export function parseUnifiedDiff(text: string, options: ParseDiffOptions = {}): ChangedLines {
  if (typeof text !== 'string') throw InvalidInputError.field('diff', 'must be text');
  if (text.length > MAX_DIFF_LENGTH)
    throw InvalidInputError.field('diff', `is longer than ${MAX_DIFF_LENGTH}`);
  const files = new Map<string, { start: number; end: number }[]>();
  const ensure = (path: string | undefined) => {
    if (path !== undefined && path !== '' && !files.has(path)) files.set(path, []);
  };
  const addLine = (path: string | undefined, line: number) => {
    if (path === undefined || path === '') return;
    const ranges = files.get(path) ?? [];
    files.set(path, ranges);
    const last = ranges[ranges.length - 1];
    if (last !== undefined && last.end + 1 === line) last.end = line;
    else ranges.push({ start: line, end: line });
  };

  let path = options.path === undefined ? undefined : normaliseDiffPath(options.path);
  ensure(path);
  let git: { path: string | undefined; prefixed: boolean; deleted: boolean } | undefined;
  let oldPath: string | undefined;
  let oldLeft = 0;
  let newLeft = 0;
  let newLine = 0;
  const finishGitHeader = () => {
    if (git !== undefined && !git.deleted) ensure(path);
    git = undefined;
  };

  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (oldLeft > 0 || newLeft > 0) {
      const marker = line[0];
      if (marker === '+') {
        addLine(path, newLine++);
        newLeft--;
        continue;
      }
      if (marker === '-') {
        oldLeft--;
        continue;
      }
      if (marker === ' ' || line === '') {
        newLine++;
        newLeft--;
        oldLeft--;
        continue;
      }
      if (marker === '\\') continue;
      oldLeft = 0; // the hunk was shorter than its header said; read the line as a header
      newLeft = 0;
    }
    if (line.startsWith('\\')) continue;
    if (line.startsWith('diff --git ')) {
      finishGitHeader();
      const headerPath = gitHeaderPath(line.slice('diff --git '.length));
      git = { path: headerPath, prefixed: line.includes(' a/') || line.includes(' "a/'), deleted: false };
      path = headerPath === undefined ? undefined : normaliseDiffPath(headerPath);
      oldPath = undefined;
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLeft = hunk[1] === undefined ? 1 : Number(hunk[1]);
      newLine = Number(hunk[2]);
      newLeft = hunk[3] === undefined ? 1 : Number(hunk[3]);
      ensure(path);
      continue;
    }
    if (line.startsWith('--- ')) {
      oldPath = unquote(line.slice(4));
      continue;
    }
    if (line.startsWith('+++ ')) {
      const target = unquote(line.slice(4));
      if (target === '/dev/null') {
        path = undefined;
        if (git !== undefined) git.deleted = true;
        continue;
      }
      const stripB =
        target.startsWith('b/') &&
        (git?.prefixed === true || oldPath === '/dev/null' || !!oldPath?.startsWith('a/'));
      path = normaliseDiffPath(stripB ? target.slice(2) : target);
      ensure(path);
      continue;
    }
    if (git === undefined) continue;
    if (line.startsWith('rename to ') || line.startsWith('copy to ')) {
      path = normaliseDiffPath(unquote(line.slice(line.indexOf(' to ') + 4)));
    } else if (line.startsWith('deleted file mode')) {
      git.deleted = true;
    }
  }
  finishGitHeader();

  const out = new Map<string, LineRange[]>();
  for (const [file, ranges] of files) out.set(file, mergeRanges(ranges));
  return out;
}

/**
 * Changed lines from per-file patches (GitHub's `GET /pulls/{n}/files`: `filename` and `patch`, the patch
 * missing for very large or binary files, which still count as changed files).
 */
export function changedLinesFromPatches(
  files: readonly { readonly path: string; readonly patch?: string | null }[],
): ChangedLines {
  const out = new Map<string, LineRange[]>();
  for (const file of files) {
    const parsed = parseUnifiedDiff(file.patch ?? '', { path: file.path });
    for (const [path, ranges] of parsed) out.set(path, mergeRanges([...(out.get(path) ?? []), ...ranges]));
  }
  return out;
}

/** The new-side path of a `diff --git` line: `a/x b/x`, quoted names, or names with spaces. */
function gitHeaderPath(rest: string): string | undefined {
  if (rest.includes('"')) {
    const tokens = quotedTokens(rest);
    const target = tokens[1];
    return target === undefined ? undefined : target.startsWith('b/') ? target.slice(2) : target;
  }
  // Unrenamed files: "a/<p> b/<p>", so the halves are equal whatever spaces <p> holds.
  if ((rest.length - 1) % 2 === 0) {
    const half = (rest.length - 1) / 2;
    const left = rest.slice(0, half);
    const right = rest.slice(half + 1);
    if (left.startsWith('a/') && right.startsWith('b/') && left.slice(2) === right.slice(2))
      return right.slice(2);
    if (left === right) return right;
  }
  const split = rest.lastIndexOf(' b/');
  return split === -1 ? undefined : rest.slice(split + 3);
}

function quotedTokens(text: string): string[] {
  const tokens: string[] = [];
  let index = 0;
  while (index < text.length) {
    if (text[index] === ' ') {
      index++;
    } else if (text[index] === '"') {
      const end = closingQuote(text, index);
      tokens.push(unquote(text.slice(index, end + 1)));
      index = end + 1;
    } else {
      const end = text.indexOf(' ', index);
      tokens.push(text.slice(index, end === -1 ? text.length : end));
      index = end === -1 ? text.length : end;
    }
  }
  return tokens;
}

function closingQuote(text: string, open: number): number {
  for (let index = open + 1; index < text.length; index++) {
    if (text[index] === '\\') index++;
    else if (text[index] === '"') return index;
  }
  return text.length - 1;
}

const ESCAPES: Readonly<Record<string, number>> = {
  n: 10,
  t: 9,
  r: 13,
  a: 7,
  b: 8,
  f: 12,
  v: 11,
  '"': 34,
  '\\': 92,
};

/** A path as git writes it: C-quoted with octal bytes when unusual, else plain up to a tab (timestamps). */
export function unquote(text: string): string {
  if (!text.startsWith('"')) {
    const tab = text.indexOf('\t');
    return tab === -1 ? text : text.slice(0, tab);
  }
  const bytes: number[] = [];
  for (let index = 1; index < text.length; index++) {
    const char = String.fromCodePoint(text.codePointAt(index) ?? 0xfffd);
    if (char === '"') break;
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      index += char.length - 1;
      continue;
    }
    const next = text[index + 1] ?? '';
    const octal = /^[0-7]{3}/.exec(text.slice(index + 1, index + 4));
    if (octal) {
      bytes.push(Number.parseInt(octal[0], 8) & 0xff);
      index += 3;
    } else {
      bytes.push(ESCAPES[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
