import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import { describe, expect, it } from 'vitest';
import { findingsJsonSchema } from './findings-json-schema.js';
import { readFindings } from './read-findings.js';

describe('readFindings on the native format', () => {
  it('reads a full finding, keeping the given fingerprint and dropping unknown properties', () => {
    const report = readFindings({
      verdict: 'warn',
      evidenceUrl: 'https://scans.example/1',
      tool: { name: 'scanner', version: '2.0', extra: 1 },
      future: { anything: true },
      findings: [
        {
          ruleId: 'CVE-2024-1',
          severity: 'critical',
          title: 'lib has a hole',
          message: 'line one\n\tline two',
          path: './src\\lib.ts',
          startLine: 3,
          startColumn: 2,
          endColumn: 8,
          helpUrl: 'https://advisories.example/CVE-2024-1',
          package: {
            name: 'lib',
            version: '1.0.0',
            fixedVersion: '1.0.1',
            advisoryIds: ['CVE-2024-1', 'GHSA-x'],
          },
          fingerprint: 'given:fp-1',
          __proto__: { polluted: true },
          extra: 'ignored',
        },
      ],
    });

    expect(report).toEqual({
      format: 'native',
      findings: [
        {
          ruleId: 'CVE-2024-1',
          severity: 'critical',
          title: 'lib has a hole',
          message: 'line one\n\tline two',
          path: 'src/lib.ts',
          startLine: 3,
          endLine: 3,
          startColumn: 2,
          endColumn: 8,
          helpUrl: 'https://advisories.example/CVE-2024-1',
          package: {
            name: 'lib',
            version: '1.0.0',
            fixedVersion: '1.0.1',
            advisoryIds: ['CVE-2024-1', 'GHSA-x'],
          },
          fingerprint: 'given:fp-1',
        },
      ],
      outsideRepository: [],
      skipped: [],
      tool: { name: 'scanner', version: '2.0' },
      verdict: 'warn',
      evidenceUrl: 'https://scans.example/1',
      scannerErrors: [],
    });
  });

  it('computes fingerprints when absent, and a message of exactly 64 KiB is accepted', () => {
    const report = readFindings({
      findings: [{ ruleId: 'R', severity: 'low', title: 'T', message: 'x'.repeat(64 * 1024) }],
    });

    expect(report.findings[0]?.fingerprint).toMatch(/^[0-9a-f]{32}$/);
  });

  it('detects the format, or takes the one given', () => {
    expect(readFindings({ findings: [] }).format).toBe('native');
    expect(readFindings({ version: '3', findings: [] }).format).toBe('native');
    expect(readFindings({ version: '2.1.0', runs: [] }).format).toBe('sarif');
    expect(() => readFindings({ findings: [] }, { format: 'sarif' })).toThrow(/version/);
  });
});

describe('docs/findings.schema.json', () => {
  it('is the published schema, as scripts/write-findings-schema.ts writes it', () => {
    const path = fileURLToPath(new URL('../../docs/findings.schema.json', import.meta.url));

    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(findingsJsonSchema());
  });

  it('compiles as a standalone draft-07 schema and judges reports as the reader does', () => {
    const path = fileURLToPath(new URL('../../docs/findings.schema.json', import.meta.url));
    const validate = new AjvModule.default({ strict: false }).compile(JSON.parse(readFileSync(path, 'utf8')));
    const finding = { ruleId: 'R', severity: 'low', title: 'T', message: 'M' };

    expect(validate({ findings: [finding] })).toBe(true);
    expect(validate({ findings: [{ ...finding, message: 'bell\u0007' }] })).toBe(false);
    expect(validate({ findings: [{ ...finding, severity: 'urgent' }] })).toBe(false);
  });
});
