import type { ScmCheckRunAnnotation } from '../plugins/contracts.js';
import type { ReadFinding } from './findings.js';
import { findingDetail } from './findings-table.js';
import { inlineText, link } from './markdown.js';
import type { LevelMapping } from './policy.js';

/**
 * Inline review comments for findings on changed lines: the title (rule, linked to its help) and the
 * details, escaped as the comment's table cells are (`inlineText`: one line, HTML and markdown escaped,
 * cut), so a finding's text can never break out into markup. The provider adds the marker line.
 */

export interface InlineCommentOptions {
  readonly levelMapping: LevelMapping;
  readonly asciiOnly?: boolean;
}

/** Longest escaped title and message of one inline comment (UTF-16 code units). */
export const INLINE_TITLE_CHARS = 300;
export const INLINE_MESSAGE_CHARS = 4000;

/**
 * @example
 * renderInlineComments(payloads.inline, { levelMapping: resolveLevelMapping() });
 * // [{ path: 'src/app.ts', startLine: 10, endLine: 10, annotationLevel: 'failure', title: '…', message: '…' }]
 */
export function renderInlineComments(
  findings: readonly ReadFinding[],
  options: InlineCommentOptions,
): ScmCheckRunAnnotation[] {
  const asciiOnly = options.asciiOnly ?? false;
  const comments: ScmCheckRunAnnotation[] = [];
  for (const finding of findings) {
    if (finding.path === undefined || finding.startLine === undefined) continue;
    const startLine = finding.startLine;
    const endLine = Math.max(finding.endLine ?? startLine, startLine);
    const rule = link(inlineText(finding.ruleId, { asciiOnly, maxChars: 120 }), finding.helpUrl);
    const title =
      finding.title === finding.ruleId
        ? rule
        : `${rule}: ${inlineText(finding.title, { asciiOnly, maxChars: INLINE_TITLE_CHARS })}`;
    const detail = findingDetail(finding);
    const message = detail === '' ? title : inlineText(detail, { asciiOnly, maxChars: INLINE_MESSAGE_CHARS });
    comments.push({
      path: finding.path,
      startLine,
      endLine,
      annotationLevel: options.levelMapping[finding.severity],
      title: `[${finding.severity}] ${title}`,
      message,
    });
  }
  return comments;
}
