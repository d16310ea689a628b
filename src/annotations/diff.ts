import { InvalidInputError } from '../core/errors.js';

/**
 * Diff awareness: which lines a pull request changed, and where each finding belongs — on a changed line
 * (`inline`), in a changed file but not on a changed line (`fileLevel`), or elsewhere (`summaryOnly`).
 * The scope of a request then decides which of those are reported; the rest are counted as `excluded`,
 * never dropped silently (reference §7.4).
 */

/** Inclusive range of 1-based line numbers on the new side of the diff. */
export interface LineRange {
  readonly start: number;
  readonly end: number;
}

/** Changed (added) lines per repository-relative path; a changed file may have no changed line. */
export type ChangedLines = ReadonlyMap<string, readonly LineRange[]>;

/** The list form callers may send instead of a map. */
export interface ChangedFile {
  readonly path: string;
  readonly lines: readonly number[];
}

export type ChangedLinesInput = ReadonlyMap<string, readonly (LineRange | number)[]> | readonly ChangedFile[];

export const SCOPES = ['all', 'changed-files', 'changed-lines'] as const;
export type Scope = (typeof SCOPES)[number];

/** Where a finding sits relative to the diff. */
export type Placement = 'inline' | 'fileLevel' | 'summaryOnly';

export interface DiffSplit<T> {
  readonly inline: T[];
  readonly fileLevel: T[];
  readonly summaryOnly: T[];
  /** Findings the scope leaves out of the report (counted, not listed). */
  readonly excluded: T[];
}

/** What `splitByDiff` needs of a finding. */
export interface Placeable {
  readonly path?: string;
  readonly startLine?: number;
  readonly endLine?: number;
}

/**
 * Normalises either input form: paths cleaned like finding paths (`./a` → `a`, `\` → `/`), lines merged
 * into sorted ranges. Throws `InvalidInputError` for lines that are not positive integers.
 *
 * @example
 * toChangedLines([{ path: 'src/a.ts', lines: [3, 4, 5, 9] }]).get('src/a.ts'); // [{1:3..5}, {9..9}]
 */
export function toChangedLines(input: ChangedLinesInput): ChangedLines {
  const collected = new Map<string, LineRange[]>();
  const add = (path: unknown, entries: readonly unknown[], field: string) => {
    if (typeof path !== 'string' || path === '')
      throw InvalidInputError.field(`${field}/path`, 'must be a path');
    const key = normaliseDiffPath(path);
    const ranges = collected.get(key) ?? [];
    collected.set(key, ranges);
    for (let index = 0; index < entries.length; index++) {
      ranges.push(toRange(entries[index], `${field}/lines/${index}`));
    }
  };
  if (input instanceof Map) {
    let index = 0;
    for (const [path, entries] of input) add(path, entries, `changedLines/${index++}`);
  } else if (Array.isArray(input)) {
    input.forEach((file: ChangedFile, index) => {
      if (!Array.isArray(file?.lines))
        throw InvalidInputError.field(`changedLines/${index}/lines`, 'must be a list');
      add(file.path, file.lines, `changedLines/${index}`);
    });
  } else {
    throw InvalidInputError.field(
      'changedLines',
      'must be a map of path to ranges or a list of { path, lines }',
    );
  }
  const out = new Map<string, LineRange[]>();
  for (const [path, ranges] of collected) out.set(path, mergeRanges(ranges));
  return out;
}

/** Sorts and merges overlapping or adjacent ranges. */
export function mergeRanges(ranges: readonly LineRange[]): LineRange[] {
  const sorted = [...ranges].sort((a, b) => a.start - b.start || a.end - b.end);
  const out: LineRange[] = [];
  for (const range of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && range.start <= last.end + 1) {
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, range.end) };
    } else {
      out.push(range);
    }
  }
  return out;
}

/** True when any line of `start..end` is in the sorted, merged `ranges` (binary search). */
export function touchesChangedLines(
  ranges: readonly LineRange[],
  start: number,
  end: number = start,
): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    const range = ranges[middle] as LineRange;
    if (range.end < start) low = middle + 1;
    else if (range.start > end) high = middle - 1;
    else return true;
  }
  return false;
}

/**
 * Where one finding sits. Without `changed` (no diff known) every finding with a path and line is
 * `inline`, with a path only `fileLevel`, without a path `summaryOnly`.
 */
export function placeFinding(finding: Placeable, changed: ChangedLines | undefined): Placement {
  if (finding.path === undefined) return 'summaryOnly';
  if (changed === undefined) return finding.startLine === undefined ? 'fileLevel' : 'inline';
  const ranges = changed.get(finding.path);
  if (ranges === undefined) return 'summaryOnly';
  if (finding.startLine === undefined) return 'fileLevel';
  return touchesChangedLines(ranges, finding.startLine, finding.endLine ?? finding.startLine)
    ? 'inline'
    : 'fileLevel';
}

/**
 * Splits findings by placement and applies the scope: `all` keeps everything, `changed-files` moves
 * `summaryOnly` to `excluded`, `changed-lines` moves `fileLevel` and `summaryOnly` there. Order is kept.
 * A scope other than `all` needs `changed`.
 */
export function splitByDiff<T>(
  items: readonly T[],
  changed: ChangedLines | undefined,
  scope: Scope,
  view: (item: T) => Placeable,
): DiffSplit<T> {
  if (!(SCOPES as readonly string[]).includes(scope)) {
    throw InvalidInputError.field('scope', `must be one of ${SCOPES.join(', ')}`);
  }
  if (scope !== 'all' && changed === undefined) {
    throw InvalidInputError.field('changedLines', `is required for scope ${scope}`);
  }
  const split: DiffSplit<T> = { inline: [], fileLevel: [], summaryOnly: [], excluded: [] };
  for (const item of items) {
    const placement = placeFinding(view(item), changed);
    const kept =
      scope === 'all' || placement === 'inline' || (scope === 'changed-files' && placement === 'fileLevel');
    split[kept ? placement : 'excluded'].push(item);
  }
  return split;
}

/** `./src\\a.ts` → `src/a.ts`: the form finding paths take after reading. */
export function normaliseDiffPath(path: string): string {
  return path
    .replaceAll('\\', '/')
    .split('/')
    .filter((segment) => segment !== '' && segment !== '.')
    .join('/');
}

function toRange(entry: unknown, field: string): LineRange {
  if (isLine(entry)) return { start: entry, end: entry };
  if (typeof entry === 'object' && entry !== null) {
    const { start, end } = entry as { start?: unknown; end?: unknown };
    if (isLine(start) && isLine(end) && end >= start) return { start, end };
  }
  throw InvalidInputError.field(field, 'must be a positive line number or a { start, end } range');
}

function isLine(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}
