import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FindingsReadResult, OutsideRepositoryFinding, ReadFinding } from './findings.js';

/** Shared by the tests of this folder: the SARIF fixtures and small builders. */

export const FIXTURE_DIR = fileURLToPath(new URL('../../test/fixtures/sarif/', import.meta.url));
export const GOLDEN_DIR = fileURLToPath(new URL('./__golden__/', import.meta.url));

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((name) => name.endsWith('.sarif'))
    .sort();
}

export function readFixture(name: string): string {
  return readFileSync(`${FIXTURE_DIR}${name}`, 'utf8');
}

/** The number of results in a SARIF text, counted straight from the JSON. */
export function countResults(text: string): number {
  const log = JSON.parse(text) as { runs: { results?: unknown[] | null }[] };
  return log.runs.reduce((sum, run) => sum + (Array.isArray(run.results) ? run.results.length : 0), 0);
}

let counter = 0;

/** A read finding with sensible defaults. */
export function aFinding(overrides: Partial<ReadFinding> = {}): ReadFinding {
  counter += 1;
  return {
    ruleId: 'rule-1',
    severity: 'high',
    title: 'A title',
    message: 'A message',
    path: 'src/app.ts',
    startLine: 10,
    endLine: 10,
    fingerprint: `fp${String(counter).padStart(6, '0')}`,
    ...overrides,
  };
}

export function aReport(
  findings: readonly ReadFinding[],
  extra: Partial<Omit<FindingsReadResult, 'findings'>> = {},
): FindingsReadResult {
  return {
    format: 'native',
    findings,
    outsideRepository: [] as OutsideRepositoryFinding[],
    skipped: [],
    scannerErrors: [],
    ...extra,
  };
}
