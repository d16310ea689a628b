import { describe, expect, it } from 'vitest';
import { type PathResolution, parseRepositoryRoot, resolveRepositoryPath } from './paths.js';

const resolve = (raw: string, root?: string, decode = true): PathResolution =>
  resolveRepositoryPath(raw, parseRepositoryRoot(root), { decode });
const inside = (path: string | undefined) => ({ kind: 'inside', path });

describe('resolveRepositoryPath', () => {
  it.each([
    ['src/a.ts', undefined, 'src/a.ts'],
    ['./src/./a.ts', undefined, 'src/a.ts'],
    ['src//a.ts', undefined, 'src/a.ts'],
    ['src/x/../a.ts', undefined, 'src/a.ts'],
    ['src\\win\\a.cs', undefined, 'src/win/a.cs'],
    ['src/a%20b.ts', undefined, 'src/a b.ts'],
    ['/repo/src/a.ts', '/repo', 'src/a.ts'],
    ['/repo/src/a.ts', '/repo/', 'src/a.ts'],
    ['file:///repo/src/a.ts', 'file:///repo', 'src/a.ts'],
    ['file:///C:/Repo/a.cs', 'c:\\Repo', 'a.cs'],
    ['C:\\Repo\\b.cs', 'C:/Repo', 'b.cs'],
    ['.', undefined, undefined],
    ['/repo', '/repo', undefined],
  ])('%s (root %s) → %s', (raw, root, path) => {
    expect(resolve(raw, root)).toEqual(inside(path));
  });

  it.each([
    ['../x', undefined, 'parent-traversal'],
    ['src/../../x', undefined, 'parent-traversal'],
    ['src/%2e%2e/%2e%2e/x', undefined, 'parent-traversal'],
    ['/etc/passwd', undefined, 'absolute-without-root'],
    ['/etc/passwd', '/repo', 'outside-root'],
    ['/repository/a', '/repo', 'outside-root'],
    ['/repo/../etc/passwd', '/repo', 'outside-root'],
    ['D:/repo/a', 'C:/repo', 'outside-root'],
    ['https://example.com/a.js', '/repo', 'not-a-file'],
    ['pkg:npm/left-pad@1.0.0', undefined, 'not-a-file'],
    ['file://fileserver/share/a', '/repo', 'not-a-file'],
    ['src/a%00.ts', undefined, 'invalid-path'],
    ['x'.repeat(5000), undefined, 'invalid-path'],
  ])('%s (root %s) is outside: %s', (raw, root, reason) => {
    expect(resolve(raw, root)).toMatchObject({ kind: 'outside', reason });
  });

  it('takes native paths literally: no percent-decoding', () => {
    expect(resolve('src/100%25.ts', undefined, false)).toEqual(inside('src/100%25.ts'));
  });
});
