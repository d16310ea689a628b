import { addSizes, type Budget, measure, type Size } from './budget.js';
import type { ReadFinding } from './findings.js';
import { inlineText, link, tableHeader, tableRow } from './markdown.js';
import type { ReportEntry } from './order.js';
import type { OutsideReason } from './paths.js';
import { plural } from './policy.js';
import { collapseWhitespace } from './text.js';

/**
 * The findings table of the comment and of the check run's text: the first rows in the open, the rest
 * folded in `<details>`, both filled row by row while the budget lasts. A `<details>` is opened only
 * together with its closing tag, so output cut at any row stays balanced.
 */

/** Makes a link to a file (and line) in the repository, e.g. on the pull request's head commit. */
export type FileUrl = (path: string, line?: number) => string | undefined;

export interface TableOptions {
  readonly asciiOnly: boolean;
  /** Rows in the open table; the rest go into `<details>`. */
  readonly maxTableRows: number;
  readonly fileUrl?: FileUrl;
}

export interface TableLayout {
  readonly shown: number;
  readonly omitted: number;
}

const HEADER = `\n${tableHeader(['Severity', 'Rule', 'Finding', 'Location'])}`;
const DETAILS_CLOSE = '\n</details>\n';

const OUTSIDE_WORDS: Readonly<Record<OutsideReason, string>> = {
  'parent-traversal': 'the path climbs out of the repository',
  'outside-root': 'not under the repository root',
  'absolute-without-root': 'absolute path, no repository root given',
  'not-a-file': 'not a file',
  'invalid-path': 'not a usable path',
};

/**
 * Appends the tables for `entries` (already in display order) while they fit with `reserve`, and says
 * how many rows went in and how many did not.
 */
export function appendFindingTables(
  budget: Budget,
  entries: readonly ReportEntry[],
  options: TableOptions,
  reserve: Size,
): TableLayout {
  const total = entries.length;
  const open = Math.min(Math.max(0, Math.floor(options.maxTableRows)), total);
  const row = (index: number) => findingRow(entries[index] as ReportEntry, options);
  let shown = 0;
  if (open > 0) {
    if (!budget.fits(HEADER + row(0), reserve)) return { shown: 0, omitted: total };
    budget.add(HEADER);
    for (; shown < open; shown++) {
      if (!budget.tryAdd(row(shown), reserve)) return { shown, omitted: total - shown };
    }
  }
  if (shown === total) return { shown, omitted: 0 };

  // The summary's count can only shrink from here, and with it the opening tag: reserving for the
  // largest count keeps the final tag within the room measured.
  const frame = addSizes(
    measure(detailsOpen(total - shown)),
    measure(HEADER),
    measure(DETAILS_CLOSE),
    reserve,
  );
  const left = budget.remaining(frame);
  const rows: string[] = [];
  let used: Size = { chars: 0, bytes: 0 };
  for (let index = shown; index < total; index++) {
    const text = row(index);
    const next = addSizes(used, measure(text));
    if (next.chars > left.chars || next.bytes > left.bytes) break;
    rows.push(text);
    used = next;
  }
  if (rows.length === 0) return { shown, omitted: total - shown };
  budget.add(`${detailsOpen(rows.length)}${HEADER}${rows.join('')}${DETAILS_CLOSE}`);
  shown += rows.length;
  return { shown, omitted: total - shown };
}

function detailsOpen(count: number): string {
  return `\n<details><summary>${plural(count, 'more finding')}</summary>\n`;
}

/** One table row: severity, rule (linked to its help), title and details, location (linked to the file). */
export function findingRow(entry: ReportEntry, options: TableOptions): string {
  const { finding } = entry;
  const { asciiOnly } = options;
  const severity =
    finding.severity === 'critical' || finding.severity === 'high'
      ? `**${finding.severity}**`
      : finding.severity;
  const rule = link(inlineText(finding.ruleId, { asciiOnly, maxChars: 120 }), finding.helpUrl);
  const detail = findingDetail(finding);
  const title = inlineText(finding.title, { asciiOnly, maxChars: 200 });
  const more = detail === '' ? '' : inlineText(detail, { asciiOnly, maxChars: 300 });
  // Trivy and CodeQL often title a finding with its rule id: the rule column already says that.
  const body = more === '' ? title : finding.title === finding.ruleId ? more : `${title}<br>${more}`;
  return tableRow([severity, rule, body, locationCell(entry, options)]);
}

/** The message when it says more than the title, and the package with its fix for vulnerabilities. */
export function findingDetail(finding: ReadFinding): string {
  const parts: string[] = [];
  const message = collapseWhitespace(finding.message.slice(0, 2000));
  if (message !== '' && message !== collapseWhitespace(finding.title)) parts.push(message);
  const pkg = finding.package;
  if (pkg !== undefined) {
    parts.push(
      `${pkg.name} ${pkg.version}${pkg.fixedVersion === undefined ? '' : ` (fixed in ${pkg.fixedVersion})`}`,
    );
  }
  return parts.join('. ');
}

function locationCell(entry: ReportEntry, options: TableOptions): string {
  const { finding, outside } = entry;
  const { asciiOnly } = options;
  const line = finding.startLine;
  if (outside !== undefined) {
    const where = inlineText(`${outside.location}${line === undefined ? '' : `:${line}`}`, {
      asciiOnly,
      maxChars: 200,
    });
    return `${where} (outside the repository: ${OUTSIDE_WORDS[outside.reason]})`;
  }
  if (finding.path === undefined) return asciiOnly ? '-' : '\u2014';
  const text = inlineText(`${finding.path}${line === undefined ? '' : `:${line}`}`, {
    asciiOnly,
    maxChars: 200,
  });
  return link(text, options.fileUrl?.(finding.path, line));
}
