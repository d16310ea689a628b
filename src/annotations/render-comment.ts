import { InvalidInputError } from '../core/errors.js';
import { createBudget, measure } from './budget.js';
import { appendFindingTables, type FileUrl } from './findings-table.js';
import { evidenceLine, omittedNote, type ReportSummary, renderHeadline } from './headline.js';
import { commentMarker } from './markdown.js';
import type { ReportEntry } from './order.js';

/**
 * The pull-request comment: a hidden marker line, the headline, a table of the most severe findings (the
 * first `maxTableRows` in the open, the rest folded in `<details>`), a note for rows that did not fit, and
 * the evidence link. Cut to `maxLength` UTF-16 code units and `maxBytes` UTF-8 bytes by dropping whole
 * rows: never inside a markdown construct, never an unclosed `<details>`, never half a surrogate pair.
 */

/** Smaller limits cannot hold the headline, the notes and a link; every platform allows far more. */
export const MIN_COMMENT_LENGTH = 8192;

export interface CommentOptions {
  /** Written into the marker line; letters, digits and `. _ : / = + -`. */
  readonly markerKey: string;
  readonly maxLength: number;
  /** Defaults to `maxLength`. */
  readonly maxBytes?: number;
  readonly asciiOnly?: boolean;
  /** Rows in the open table (default 20). */
  readonly maxTableRows?: number;
  readonly fileUrl?: FileUrl;
  /** Default `Security scan`. */
  readonly heading?: string;
}

export const DEFAULT_MAX_TABLE_ROWS = 20;
export const DEFAULT_HEADING = 'Security scan';

/**
 * Renders the comment body for `entries` (in scope, in display order; see `toEntries`).
 *
 * @example
 * const body = renderComment(toEntries(report), summary, { markerKey: 'trivy', maxLength: 65_536 });
 */
export function renderComment(
  entries: readonly ReportEntry[],
  summary: ReportSummary,
  options: CommentOptions,
): string {
  const maxLength = options.maxLength;
  const maxBytes = options.maxBytes ?? maxLength;
  for (const [field, value] of [
    ['maxLength', maxLength],
    ['maxBytes', maxBytes],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < MIN_COMMENT_LENGTH) {
      throw InvalidInputError.field(field, `must be an integer of at least ${MIN_COMMENT_LENGTH}`);
    }
  }
  const asciiOnly = options.asciiOnly ?? false;
  const budget = createBudget({ chars: maxLength, bytes: maxBytes });
  const head = `${commentMarker(options.markerKey)}\n${renderHeadline(summary, {
    heading: options.heading ?? DEFAULT_HEADING,
    asciiOnly,
  })}`;
  const evidence = evidenceLine(summary.evidenceUrl);
  const reserve = measure(omittedNote(entries.length, 'the comment') + evidence);
  if (!budget.tryAdd(head, reserve)) {
    throw InvalidInputError.field('maxLength', 'is too small for the headline of this report');
  }
  const layout = appendFindingTables(
    budget,
    entries,
    {
      asciiOnly,
      maxTableRows: options.maxTableRows ?? DEFAULT_MAX_TABLE_ROWS,
      ...(options.fileUrl === undefined ? {} : { fileUrl: options.fileUrl }),
    },
    reserve,
  );
  budget.add(omittedNote(layout.omitted, 'the comment'));
  budget.add(evidence);
  return budget.text();
}
