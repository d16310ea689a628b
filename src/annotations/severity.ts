/**
 * The five severities of a finding, most severe first, and the small helpers every renderer shares.
 */

/** Most severe first: the order of tables, counts and headlines. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** How many findings of each severity. */
export type SeverityCounts = Record<Severity, number>;

const RANK: Readonly<Record<Severity, number>> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** 4 for critical down to 0 for info. */
export function severityRank(severity: Severity): number {
  return RANK[severity];
}

export function isSeverity(value: unknown): value is Severity {
  return typeof value === 'string' && (SEVERITIES as readonly string[]).includes(value);
}

/** A fresh record with every severity at zero. */
export function zeroCounts(): SeverityCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
}

/**
 * Counts findings by severity.
 *
 * @example
 * countBySeverity([{ severity: 'high' }, { severity: 'high' }]).high; // 2
 */
export function countBySeverity(findings: Iterable<{ readonly severity: Severity }>): SeverityCounts {
  const counts = zeroCounts();
  for (const finding of findings) counts[finding.severity] += 1;
  return counts;
}

/** The sum over all severities. */
export function totalCount(counts: SeverityCounts): number {
  return counts.critical + counts.high + counts.medium + counts.low + counts.info;
}
