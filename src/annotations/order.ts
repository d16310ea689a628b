import type { OutsideRepositoryFinding, ReadFinding } from './findings.js';
import { severityRank } from './severity.js';

/**
 * One line of a report: a finding, and where it is outside the repository when it is. Renderers take
 * entries so that findings outside the repository are listed with the others, in severity order.
 */
export interface ReportEntry {
  readonly finding: ReadFinding;
  readonly outside?: OutsideRepositoryFinding | undefined;
}

/** Every finding of a read report as entries, in the stable order of `compareEntries`. */
export function toEntries(report: {
  readonly findings: readonly ReadFinding[];
  readonly outsideRepository: readonly OutsideRepositoryFinding[];
}): ReportEntry[] {
  const entries: ReportEntry[] = [];
  for (const finding of report.findings) entries.push({ finding, outside: undefined });
  for (const outside of report.outsideRepository) entries.push({ finding: outside.finding, outside });
  return sortEntries(entries);
}

/**
 * Sorts entries as `compareEntries` does, in linear time for the common case: paths are ranked once
 * (there are far fewer of them than findings), entries are counted into one bucket per severity and path
 * (a stable counting sort), and only the few entries sharing a bucket are compared by line, rule id and
 * fingerprint. A test holds this order and `compareEntries` together.
 */
export function sortEntries(entries: readonly ReportEntry[]): ReportEntry[] {
  const pathRank = rank(entries);
  const paths = pathRank.size + 1; // the last rank is "no path", which sorts after every path
  const bucketOf = new Uint32Array(entries.length);
  const starts = new Uint32Array(5 * paths + 1);
  for (let index = 0; index < entries.length; index++) {
    const { finding } = entries[index] as ReportEntry;
    const path = finding.path === undefined ? paths - 1 : (pathRank.get(finding.path) as number);
    const bucket = (4 - severityRank(finding.severity)) * paths + path;
    bucketOf[index] = bucket;
    starts[bucket + 1] = (starts[bucket + 1] as number) + 1;
  }
  for (let bucket = 1; bucket < starts.length; bucket++) {
    starts[bucket] = (starts[bucket] as number) + (starts[bucket - 1] as number);
  }
  const order = new Uint32Array(entries.length);
  const next = starts.slice(0, starts.length - 1);
  for (let index = 0; index < entries.length; index++) {
    const bucket = bucketOf[index] as number;
    order[next[bucket] as number] = index;
    next[bucket] = (next[bucket] as number) + 1;
  }
  const byRest = (a: number, b: number) => {
    const x = (entries[a] as ReportEntry).finding;
    const y = (entries[b] as ReportEntry).finding;
    return (
      compareOptional(x.startLine, y.startLine) ||
      compareText(x.ruleId, y.ruleId) ||
      compareText(x.fingerprint, y.fingerprint) ||
      a - b
    );
  };
  for (let bucket = 0; bucket + 1 < starts.length; bucket++) {
    const start = starts[bucket] as number;
    const end = starts[bucket + 1] as number;
    if (end - start > 1) order.subarray(start, end).sort(byRest);
  }
  const sorted: ReportEntry[] = new Array(entries.length);
  for (let position = 0; position < order.length; position++) {
    sorted[position] = entries[order[position] as number] as ReportEntry;
  }
  return sorted;
}

/** Each distinct path's position in code-unit order. */
function rank(entries: readonly ReportEntry[]): Map<string, number> {
  const distinct = new Set<string>();
  for (const entry of entries) {
    if (entry.finding.path !== undefined) distinct.add(entry.finding.path);
  }
  const ranks = new Map<string, number>();
  for (const path of [...distinct].sort()) ranks.set(path, ranks.size);
  return ranks;
}

/**
 * Severity (most severe first), then path (findings without one last), line (without one last), rule
 * id, fingerprint. Strings compare by code unit, never by locale, so every machine sorts alike.
 */
export function compareEntries(a: ReportEntry, b: ReportEntry): number {
  return compareFindings(a.finding, b.finding);
}

export function compareFindings(a: ReadFinding, b: ReadFinding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareOptional(a.path, b.path) ||
    compareOptional(a.startLine, b.startLine) ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.fingerprint, b.fingerprint)
  );
}

function compareOptional<T extends string | number>(a: T | undefined, b: T | undefined): number {
  if (a === undefined) return b === undefined ? 0 : 1;
  if (b === undefined) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
