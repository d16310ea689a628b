import type { Scope } from './diff.js';
import type { ToolInfo } from './findings.js';
import { inlineText, link } from './markdown.js';
import { type Outcome, type PolicyDecision, plural } from './policy.js';
import { SEVERITIES, type SeverityCounts, totalCount } from './severity.js';

/**
 * The top of the comment and of the check run's summary: verdict, counts by severity, why, what the scope
 * left out, what lies outside the repository, and errors the scanner reported. Bounded in size whatever
 * the input (each untrusted part is cut), so a renderer can reserve room for it.
 */

export interface ReportSummary {
  readonly decision: PolicyDecision;
  readonly scope: Scope;
  /** Findings the scope left out, by severity. */
  readonly excluded: SeverityCounts;
  /** Findings in scope whose location is outside the repository. */
  readonly outsideCount: number;
  readonly tool?: ToolInfo;
  readonly scannerErrors: readonly string[];
  readonly evidenceUrl?: string;
}

export interface HeadlineOptions {
  readonly heading: string;
  readonly asciiOnly: boolean;
}

const ICONS: Readonly<Record<Outcome, string>> = { fail: '\u274c', warn: '\u26a0\ufe0f', pass: '\u2705' };
const ASCII_ICONS: Readonly<Record<Outcome, string>> = { fail: '[FAIL]', warn: '[WARN]', pass: '[PASS]' };
const WORDS: Readonly<Record<Outcome, string>> = {
  fail: 'failed',
  warn: 'passed with warnings',
  pass: 'passed',
};
const SCOPE_WORDS: Readonly<Record<Scope, string>> = {
  all: '',
  'changed-files': 'in the changed files',
  'changed-lines': 'on the changed lines',
};
const MAX_SCANNER_ERRORS = 3;

/** `2 critical, 1 high, 0 medium, 0 low, 0 info`. */
export function countsText(counts: SeverityCounts): string {
  return SEVERITIES.map((severity) => `${counts[severity]} ${severity}`).join(', ');
}

/** Only the severities present: `2 critical, 1 high`; `no findings` when there are none. */
export function presentCountsText(counts: SeverityCounts): string {
  const parts = SEVERITIES.filter((severity) => counts[severity] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length === 0 ? 'no findings' : parts.join(', ');
}

/** The headline block, ending with a newline. */
export function renderHeadline(summary: ReportSummary, options: HeadlineOptions): string {
  const { decision, scope } = summary;
  const { asciiOnly } = options;
  const icon = (asciiOnly ? ASCII_ICONS : ICONS)[decision.outcome];
  const heading = inlineText(options.heading, { asciiOnly, maxChars: 100 });
  const total = totalCount(decision.counts);
  const lines = [`### ${icon} ${heading}: ${WORDS[decision.outcome]}`];

  let counts = `**${plural(total, 'finding')}**${scope === 'all' ? '' : ` ${SCOPE_WORDS[scope]}`}`;
  if (total > 0) counts += `: ${countsText(decision.counts)}`;
  if (summary.tool !== undefined) {
    const version = summary.tool.version === undefined ? '' : ` ${summary.tool.version}`;
    counts += `. Reported by ${inlineText(`${summary.tool.name}${version}`, { asciiOnly, maxChars: 150 })}`;
  }
  lines.push(`${counts}.`);
  lines.push(
    `Outcome: **${decision.outcome}** (${inlineText(decision.reason, { asciiOnly, maxChars: 120 })}).`,
  );

  const excluded = totalCount(summary.excluded);
  if (excluded > 0) {
    lines.push(
      `Only findings ${SCOPE_WORDS[scope]} are listed; ${plural(excluded, 'other finding')} ` +
        `(${presentCountsText(summary.excluded)}) ${excluded === 1 ? 'is' : 'are'} not.`,
    );
  }
  if (summary.outsideCount > 0) {
    lines.push(
      `${plural(summary.outsideCount, 'finding')} ${summary.outsideCount === 1 ? 'lies' : 'lie'} outside the ` +
        'repository and cannot be shown on a line.',
    );
  }
  if (summary.scannerErrors.length > 0) {
    const shown = summary.scannerErrors
      .slice(0, MAX_SCANNER_ERRORS)
      .map((error) => inlineText(error, { asciiOnly, maxChars: 200 }));
    const more = summary.scannerErrors.length - shown.length;
    lines.push(
      `> **The scanner reported ${plural(summary.scannerErrors.length, 'error')}:** ${shown.join('; ')}` +
        `${more > 0 ? `; and ${more} more` : ''}.`,
    );
  }
  if (total === 0) lines.push('No findings to list.');
  return `${lines.join('\n\n')}\n`;
}

/** `\n[Full report](url)\n`, or '' without a safe URL. */
export function evidenceLine(url: string | undefined): string {
  if (url === undefined) return '';
  const text = link('Full report', url);
  return text === 'Full report' ? '' : `\n${text}\n`;
}

/** `\n_3 more findings not shown: ..._\n`, or '' for none. */
export function omittedNote(count: number, where: string): string {
  return count === 0
    ? ''
    : `\n_${plural(count, 'more finding')} not shown: ${where} would exceed the size limit._\n`;
}
