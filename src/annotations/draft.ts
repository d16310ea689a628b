import type { FindingPackage, OutsideRepositoryFinding, ReadFinding } from './findings.js';
import { contentOf, identityOf, withOccurrences } from './fingerprint.js';
import type { OutsideReason } from './paths.js';
import type { Severity } from './severity.js';

/**
 * A finding under construction. Every property exists from the start (absent ones hold `undefined`), so
 * that all findings share one object shape: with 100,000 findings, mixed shapes make every later
 * property read slow and every copy a garbage-collector's meal.
 */
export interface DraftFinding {
  ruleId: string;
  severity: Severity;
  title: string;
  message: string;
  path: string | undefined;
  startLine: number | undefined;
  endLine: number | undefined;
  startColumn: number | undefined;
  endColumn: number | undefined;
  helpUrl: string | undefined;
  package: FindingPackage | undefined;
  snippet: string | undefined;
  fingerprint: string;
}

export function newFinding(ruleId: string, severity: Severity, title: string, message: string): DraftFinding {
  return {
    ruleId,
    severity,
    title,
    message,
    path: undefined,
    startLine: undefined,
    endLine: undefined,
    startColumn: undefined,
    endColumn: undefined,
    helpUrl: undefined,
    package: undefined,
    snippet: undefined,
    fingerprint: '',
  };
}

/** Where a draft's location is, when it is not a file in the repository. */
export interface OutsidePlace {
  readonly location: string;
  readonly reason: OutsideReason;
  readonly detail: string;
}

/** A reader's output for one finding, before fingerprints are assigned across the whole report. */
export interface Draft {
  readonly finding: DraftFinding;
  /** SARIF `partialFingerprints` as written (only string values count). */
  readonly partialFingerprints: { readonly [key: string]: unknown } | undefined;
  readonly outside: OutsidePlace | undefined;
}

/**
 * Assigns fingerprints (a caller-given one is kept; others are computed over the whole report so that
 * occurrence indexes count every finding) and splits off the findings outside the repository.
 */
export function finishDrafts(drafts: readonly Draft[]): {
  findings: ReadFinding[];
  outsideRepository: OutsideRepositoryFinding[];
} {
  const identities = drafts.map(({ finding, partialFingerprints, outside }) =>
    identityOf(
      finding.ruleId,
      outside === undefined ? finding.path : outside.location,
      contentOf(finding.message, finding.snippet, partialFingerprints),
    ),
  );
  const computed = withOccurrences(identities, (a, b) => {
    const x = (drafts[a] as Draft).finding;
    const y = (drafts[b] as Draft).finding;
    return (x.startLine ?? 0) - (y.startLine ?? 0) || (x.startColumn ?? 0) - (y.startColumn ?? 0);
  });
  const findings: ReadFinding[] = [];
  const outsideRepository: OutsideRepositoryFinding[] = [];
  for (let index = 0; index < drafts.length; index++) {
    const { finding, outside } = drafts[index] as Draft;
    if (finding.fingerprint === '') finding.fingerprint = computed[index] as string;
    if (outside === undefined) findings.push(finding);
    else
      outsideRepository.push({
        finding,
        location: outside.location,
        reason: outside.reason,
        detail: outside.detail,
      });
  }
  return { findings, outsideRepository };
}
