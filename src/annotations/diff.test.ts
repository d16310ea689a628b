import { describe, expect, it } from 'vitest';
import { mergeRanges, placeFinding, splitByDiff, toChangedLines, touchesChangedLines } from './diff.js';

describe('toChangedLines', () => {
  it('takes the list form and merges lines into ranges', () => {
    const changed = toChangedLines([
      { path: './src\\a.ts', lines: [9, 3, 4, 5, 4] },
      { path: 'b.ts', lines: [] },
    ]);

    expect([...changed]).toEqual([
      [
        'src/a.ts',
        [
          { start: 3, end: 5 },
          { start: 9, end: 9 },
        ],
      ],
      ['b.ts', []],
    ]);
  });

  it('takes the map form with ranges and numbers', () => {
    const changed = toChangedLines(new Map([['a.ts', [{ start: 10, end: 12 }, 13, 1]]]));

    expect(changed.get('a.ts')).toEqual([
      { start: 1, end: 1 },
      { start: 10, end: 13 },
    ]);
  });
});

describe('touchesChangedLines', () => {
  const ranges = mergeRanges([
    { start: 5, end: 7 },
    { start: 20, end: 20 },
  ]);

  it.each([
    [4, 4, false],
    [5, 5, true],
    [7, 7, true],
    [8, 19, false],
    [1, 5, true],
    [19, 30, true],
    [21, 99, false],
  ])('lines %i..%i → %s', (start, end, expected) => {
    expect(touchesChangedLines(ranges, start, end)).toBe(expected);
  });
});

describe('placeFinding and splitByDiff', () => {
  const changed = toChangedLines([
    { path: 'src/a.ts', lines: [10, 11] },
    { path: 'src/renamed.ts', lines: [] },
  ]);
  const findings = [
    { id: 'on-line', path: 'src/a.ts', startLine: 11 },
    { id: 'spans-line', path: 'src/a.ts', startLine: 5, endLine: 10 },
    { id: 'same-file', path: 'src/a.ts', startLine: 30 },
    { id: 'file-only', path: 'src/a.ts' },
    { id: 'renamed-file', path: 'src/renamed.ts', startLine: 1 },
    { id: 'other-file', path: 'src/b.ts', startLine: 10 },
    { id: 'no-path' },
  ];
  const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);

  it('places findings relative to the diff', () => {
    expect(findings.map((f) => placeFinding(f, changed))).toEqual([
      'inline',
      'inline',
      'fileLevel',
      'fileLevel',
      'fileLevel',
      'summaryOnly',
      'summaryOnly',
    ]);
  });

  it('keeps everything for scope all', () => {
    const split = splitByDiff(findings, changed, 'all', (f) => f);

    expect(ids(split.inline)).toEqual(['on-line', 'spans-line']);
    expect(ids(split.fileLevel)).toEqual(['same-file', 'file-only', 'renamed-file']);
    expect(ids(split.summaryOnly)).toEqual(['other-file', 'no-path']);
    expect(split.excluded).toEqual([]);
  });

  it('excludes findings outside changed files for changed-files', () => {
    const split = splitByDiff(findings, changed, 'changed-files', (f) => f);

    expect(ids(split.fileLevel)).toEqual(['same-file', 'file-only', 'renamed-file']);
    expect(ids(split.excluded)).toEqual(['other-file', 'no-path']);
  });

  it('keeps only changed lines for changed-lines', () => {
    const split = splitByDiff(findings, changed, 'changed-lines', (f) => f);

    expect(ids(split.inline)).toEqual(['on-line', 'spans-line']);
    expect(split.fileLevel).toEqual([]);
    expect(ids(split.excluded)).toEqual(['same-file', 'file-only', 'renamed-file', 'other-file', 'no-path']);
  });

  it('without a diff, places by what the finding has', () => {
    const split = splitByDiff(findings, undefined, 'all', (f) => f);

    expect(ids(split.inline)).toEqual(['on-line', 'spans-line', 'same-file', 'renamed-file', 'other-file']);
    expect(ids(split.fileLevel)).toEqual(['file-only']);
    expect(ids(split.summaryOnly)).toEqual(['no-path']);
  });
});
