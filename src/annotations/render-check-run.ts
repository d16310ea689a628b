import type { ScmCheckRunAnnotation } from '../plugins/contracts.js';
import { createBudget, measure } from './budget.js';
import { appendFindingTables, type FileUrl } from './findings-table.js';
import { evidenceLine, omittedNote, type ReportSummary, renderHeadline } from './headline.js';
import type { PlatformLimits } from './limits.js';
import type { ReportEntry } from './order.js';
import { type CheckRunConclusion, type LevelMapping, plural } from './policy.js';
import { ASCII_ELLIPSIS, cleanToolText, cutText, ELLIPSIS, stripBidiControls, toAscii } from './text.js';

/**
 * The check run: one annotation per finding with a path and a line (most severe first, up to
 * `maxAnnotations`), every other finding listed in `text`. Titles and messages are cut to GitHub's
 * annotation limits; summary and text to 65,535 characters, by whole rows.
 */

/** A check-run annotation; columns only when the annotation starts and ends on one line (GitHub). */
export interface CheckRunAnnotation extends ScmCheckRunAnnotation {
  readonly startColumn?: number;
  readonly endColumn?: number;
}

export interface CheckRunPayload {
  readonly name: string;
  readonly status: 'completed';
  readonly conclusion: CheckRunConclusion;
  readonly summary: string;
  readonly text: string;
  readonly annotations: CheckRunAnnotation[];
}

export interface CheckRunOptions {
  readonly name: string;
  readonly limits: PlatformLimits;
  readonly levelMapping: LevelMapping;
  readonly asciiOnly?: boolean;
  /** At most this many annotations (default 1,000: 20 requests of 50); the rest are listed in `text`. */
  readonly maxAnnotations?: number;
  readonly maxTableRows?: number;
  readonly fileUrl?: FileUrl;
  readonly heading: string;
}

export const DEFAULT_CHECK_RUN_NAME = 'Security scan';
export const DEFAULT_MAX_ANNOTATIONS = 1000;

/**
 * @example
 * const run = renderCheckRun(entries, summary, { name: 'Security scan', limits, levelMapping, heading });
 * run.annotations[0]; // { path, startLine, endLine, annotationLevel: 'failure', title, message }
 */
export function renderCheckRun(
  entries: readonly ReportEntry[],
  summary: ReportSummary,
  options: CheckRunOptions,
): CheckRunPayload {
  const asciiOnly = options.asciiOnly ?? false;
  const maxAnnotations = Math.max(0, Math.floor(options.maxAnnotations ?? DEFAULT_MAX_ANNOTATIONS));
  const annotations: CheckRunAnnotation[] = [];
  const listed: ReportEntry[] = [];
  for (const entry of entries) {
    const { finding } = entry;
    if (entry.outside === undefined && finding.path !== undefined && finding.startLine !== undefined) {
      if (annotations.length < maxAnnotations) {
        annotations.push(toAnnotation(entry, options, asciiOnly));
        continue;
      }
    }
    listed.push(entry);
  }

  const evidence = evidenceLine(summary.evidenceUrl);
  const summaryBudget = createBudget({
    chars: options.limits.checkRunSummaryLength,
    bytes: options.limits.checkRunSummaryLength,
  });
  summaryBudget.tryAdd(renderHeadline(summary, { heading: options.heading, asciiOnly }), measure(evidence));
  summaryBudget.tryAdd(
    `\n${plural(annotations.length, 'finding')} annotated on ${annotations.length === 1 ? 'its line' : 'their lines'}` +
      `${listed.length > 0 ? `; ${plural(listed.length, 'other finding')} listed in the details` : ''}.\n`,
    measure(evidence),
  );
  summaryBudget.add(evidence);

  return {
    name: options.name,
    status: 'completed',
    conclusion: summary.decision.conclusion,
    summary: summaryBudget.text(),
    text: renderText(listed, annotations.length, options, asciiOnly),
    annotations,
  };
}

function renderText(
  listed: readonly ReportEntry[],
  annotated: number,
  options: CheckRunOptions,
  asciiOnly: boolean,
): string {
  if (listed.length === 0) {
    return annotated === 0
      ? 'No findings.\n'
      : `All ${plural(annotated, 'finding')} are annotated on their lines.\n`;
  }
  const limit = options.limits.checkRunTextLength;
  const budget = createBudget({ chars: limit, bytes: limit });
  const intro = `Findings without a line annotation: no file or line, outside the repository, or past the limit of annotations.\n`;
  const reserve = measure(omittedNote(listed.length, 'the text'));
  budget.tryAdd(intro, reserve);
  const layout = appendFindingTables(
    budget,
    listed,
    {
      asciiOnly,
      maxTableRows: options.maxTableRows ?? Number.POSITIVE_INFINITY,
      ...(options.fileUrl === undefined ? {} : { fileUrl: options.fileUrl }),
    },
    reserve,
  );
  budget.add(omittedNote(layout.omitted, 'the text'));
  return budget.text();
}

function toAnnotation(entry: ReportEntry, options: CheckRunOptions, asciiOnly: boolean): CheckRunAnnotation {
  const { finding } = entry;
  const path = finding.path as string;
  const startLine = finding.startLine as number;
  const endLine = Math.max(finding.endLine ?? startLine, startLine);
  const ellipsis = asciiOnly ? ASCII_ELLIPSIS : ELLIPSIS;
  const plain = (text: string) => {
    const clean = stripBidiControls(cleanToolText(text));
    return asciiOnly ? toAscii(clean) : clean;
  };
  const heading = finding.title === finding.ruleId ? finding.ruleId : `${finding.ruleId}: ${finding.title}`;
  const title = cutText(
    plain(`[${finding.severity}] ${heading}`).replace(/\s+/g, ' '),
    {
      chars: options.limits.annotationTitleLength,
    },
    ellipsis,
  );
  const body = finding.message.trim() === '' ? finding.title : finding.message;
  const message = cutText(
    plain(body),
    {
      chars: options.limits.annotationMessageBytes,
      bytes: options.limits.annotationMessageBytes,
    },
    ellipsis,
  );
  const sameLine = startLine === endLine;
  return {
    path,
    startLine,
    endLine,
    annotationLevel: options.levelMapping[finding.severity],
    title,
    message,
    ...(sameLine && finding.startColumn !== undefined ? { startColumn: finding.startColumn } : {}),
    ...(sameLine && finding.endColumn !== undefined ? { endColumn: finding.endColumn } : {}),
  };
}
