import { describe, expect, it } from 'vitest';
import { changedLinesFromPatches, parseUnifiedDiff, unquote } from './unified-diff.js';

const entries = (text: string) => [...parseUnifiedDiff(text)].map(([path, ranges]) => [path, ranges]);

describe('parseUnifiedDiff', () => {
  it('reads added lines across several hunks, skipping context and removed lines', () => {
    const diff = [
      'diff --git a/src/app.ts b/src/app.ts',
      'index 1111111..2222222 100644',
      '--- a/src/app.ts',
      '+++ b/src/app.ts',
      '@@ -1,4 +1,5 @@',
      ' line 1',
      '-old 2',
      '+new 2',
      '+new 3',
      ' line 4',
      ' line 5',
      '@@ -20,3 +21,4 @@ function f() {',
      ' a',
      '+b',
      ' c',
      '+d',
      '',
    ].join('\n');

    expect(entries(diff)).toEqual([
      [
        'src/app.ts',
        [
          { start: 2, end: 3 },
          { start: 22, end: 22 },
          { start: 24, end: 24 },
        ],
      ],
    ]);
  });

  it('follows renames, and counts a pure rename as a changed file without lines', () => {
    const diff = [
      'diff --git a/old/name.ts b/new/name.ts',
      'similarity index 100%',
      'rename from old/name.ts',
      'rename to new/name.ts',
      'diff --git a/x.ts b/y.ts',
      'similarity index 80%',
      'rename from x.ts',
      'rename to y.ts',
      '--- a/x.ts',
      '+++ b/y.ts',
      '@@ -1 +1 @@',
      '-a',
      '+b',
    ].join('\n');

    expect(entries(diff)).toEqual([
      ['new/name.ts', []],
      ['y.ts', [{ start: 1, end: 1 }]],
    ]);
  });

  it('reads new files, ignores deleted ones, keeps binary files as changed', () => {
    const diff = [
      'diff --git a/added.ts b/added.ts',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/added.ts',
      '@@ -0,0 +1,2 @@',
      '+one',
      '+two',
      'diff --git a/gone.ts b/gone.ts',
      'deleted file mode 100644',
      '--- a/gone.ts',
      '+++ /dev/null',
      '@@ -1,2 +0,0 @@',
      '-one',
      '-two',
      'diff --git a/logo.png b/logo.png',
      'new file mode 100644',
      'Binary files /dev/null and b/logo.png differ',
    ].join('\n');

    expect(entries(diff)).toEqual([
      ['added.ts', [{ start: 1, end: 2 }]],
      ['logo.png', []],
    ]);
  });

  it('handles "\\ No newline at end of file" and CRLF line ends', () => {
    const diff = [
      'diff --git a/a.txt b/a.txt',
      '--- a/a.txt',
      '+++ b/a.txt',
      '@@ -1,2 +1,2 @@',
      ' keep',
      '-last',
      '\\ No newline at end of file',
      '+last!',
      '\\ No newline at end of file',
      'diff --git a/b.txt b/b.txt',
      '--- a/b.txt',
      '+++ b/b.txt',
      '@@ -1 +1,2 @@',
      ' x',
      '+y',
    ].join('\r\n');

    expect(entries(diff)).toEqual([
      ['a.txt', [{ start: 2, end: 2 }]],
      ['b.txt', [{ start: 2, end: 2 }]],
    ]);
  });

  it('reads quoted paths with octal escapes and paths with spaces', () => {
    const diff = [
      'diff --git "a/caf\\303\\251 menu.md" "b/caf\\303\\251 menu.md"',
      '--- "a/caf\\303\\251 menu.md"',
      '+++ "b/caf\\303\\251 menu.md"',
      '@@ -0,0 +1 @@',
      '+x',
      'diff --git a/my file.txt b/my file.txt',
      'old mode 100644',
      'new mode 100755',
    ].join('\n');

    expect(entries(diff)).toEqual([
      ['café menu.md', [{ start: 1, end: 1 }]],
      ['my file.txt', []],
    ]);
  });

  it('reads plain diff -u output with timestamps and no git header', () => {
    const diff = [
      '--- a.c\t2024-01-01 10:00:00',
      '+++ a.c\t2024-01-02 10:00:00',
      '@@ -5,0 +6,1 @@',
      '+int x;',
    ].join('\n');

    expect(entries(diff)).toEqual([['a.c', [{ start: 6, end: 6 }]]]);
  });

  it('does not mistake removed lines that look like headers for headers', () => {
    const diff = ['--- a/x', '+++ b/x', '@@ -1,2 +1,1 @@', '--- not a header', '+++ also not', ''].join('\n');

    expect(entries(diff)).toEqual([['x', [{ start: 1, end: 1 }]]]);
  });

  it('returns nothing for empty text', () => {
    expect(entries('')).toEqual([]);
  });
});

describe('changedLinesFromPatches', () => {
  it('reads hunk-only patches per file, a missing patch meaning a changed file', () => {
    const changed = changedLinesFromPatches([
      { path: 'src/a.ts', patch: '@@ -1,2 +1,3 @@\n a\n+b\n c' },
      { path: 'big.json', patch: null },
    ]);

    expect([...changed]).toEqual([
      ['src/a.ts', [{ start: 2, end: 2 }]],
      ['big.json', []],
    ]);
  });
});

describe('unquote', () => {
  it('reads C escapes and stops plain paths at a tab', () => {
    expect(unquote('"a\\tb\\"c\\\\"')).toBe('a\tb"c\\');
    expect(unquote('plain.txt\t2024-01-01')).toBe('plain.txt');
  });
});
