import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureNames, GOLDEN_DIR, readFixture } from './annotations.test-kit.js';
import { type BuildAnnotationsOptions, buildAnnotations } from './build-annotations.js';
import { type ReadFindingsOptions, readFindings } from './read-findings.js';
import { parseUnifiedDiff } from './unified-diff.js';

/**
 * Golden files: the comment, status and check run for every SARIF fixture, reviewed by eye and committed.
 * `UPDATE_GOLDEN=1 npx vitest run src/annotations/golden.test.ts` rewrites them; review the diff.
 * Comments are stored as `.txt`, not `.md`: Biome formats Markdown and would pad the tables.
 */

const UPDATE = process.env.UPDATE_GOLDEN === '1';

const fileUrl = (path: string, line?: number) =>
  `https://github.example/acme/app/blob/0123abc/${encodeURI(path)}${line === undefined ? '' : `#L${line}`}`;

interface Variant {
  readonly name: string;
  readonly fixture: string;
  readonly read?: ReadFindingsOptions;
  readonly build?: Partial<BuildAnnotationsOptions>;
}

const GOSEC_DIFF = [
  'diff --git a/cmd/setup.go b/cmd/setup.go',
  '--- a/cmd/setup.go',
  '+++ b/cmd/setup.go',
  '@@ -60,2 +60,4 @@',
  ' \tcmd.Flags()',
  '+\tcmd.MarkFlagRequired("app-id")',
  '+\tcmd.MarkFlagRequired("key-file")',
  ' \treturn cmd',
  '',
].join('\n');

const VARIANTS: readonly Variant[] = [
  ...fixtureNames().map((fixture) => ({ name: fixture.replace(/\.sarif$/, ''), fixture })),
  {
    name: 'variant-trivy-ascii-gitlab',
    fixture: 'trivy-image-alpine-310.sarif',
    build: { asciiOnly: true, platform: 'gitlab', maxTableRows: 3 },
  },
  {
    name: 'variant-grype-repository-root',
    fixture: 'grype-directory-absolute-paths.sarif',
    read: { repositoryRoot: '/some/path' },
    build: { policy: { failOn: ['medium'] } },
  },
  {
    name: 'variant-gosec-changed-lines',
    fixture: 'gosec-cwe-taxonomy-fixes.sarif',
    build: {
      scope: 'changed-lines',
      changedLines: parseUnifiedDiff(GOSEC_DIFF),
      integrationPolicy: { warnOn: ['medium'] },
    },
  },
];

function compareGolden(file: string, actual: string): void {
  const path = `${GOLDEN_DIR}${file}`;
  if (UPDATE) {
    mkdirSync(GOLDEN_DIR, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path))
    throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

describe('golden payloads', () => {
  it.each(VARIANTS.map((variant) => [variant.name, variant] as const))('%s', (name, variant) => {
    const report = readFindings(readFixture(variant.fixture), variant.read);

    const out = buildAnnotations(report, { markerKey: `golden:${name}`, fileUrl, ...variant.build });

    compareGolden(`${name}.comment.txt`, out.comment);
    compareGolden(`${name}.status.json`, `${JSON.stringify(out.status, null, 2)}\n`);
    compareGolden(`${name}.check-run.json`, `${JSON.stringify(out.checkRun, null, 2)}\n`);
  });
});
