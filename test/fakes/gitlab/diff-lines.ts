/**
 * The lines of a unified diff as GitLab numbers them (`Gitlab::Diff::Parser`): an added line has only a
 * new line number, a removed line only an old one, a context line both. A diff note's position must name
 * one of these lines exactly (`old_line` and `new_line` both equal), or GitLab cannot make a line code.
 * Read here on its own, not with the code under test.
 */

/** One line of a hunk. */
export interface DiffLine {
  /** `new` added, `old` removed, null context (GitLab's `Diff::Line#type`). */
  readonly type: 'new' | 'old' | null;
  readonly oldLine: number | null;
  readonly newLine: number | null;
  /** The new-side counter at this line, also on a removed line (GitLab's `new_pos`). */
  readonly newPos: number;
}

/**
 * @example
 * diffLines('@@ -1,2 +1,2 @@\n a\n-b\n+c\n');
 * // [{ type: null, oldLine: 1, newLine: 1 }, { type: 'old', oldLine: 2, newLine: null }, { type: 'new', oldLine: null, newLine: 2 }]
 */
export function diffLines(diff: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  const texts = diff.split('\n');
  if (texts.at(-1) === '') texts.pop();
  for (const text of texts) {
    const header = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (header) {
      oldLine = Number(header[1]);
      newLine = Number(header[2]);
      inHunk = true;
      continue;
    }
    if (!inHunk || text.startsWith('\\')) continue;
    if (text.startsWith('+')) {
      lines.push({ type: 'new', oldLine: null, newLine, newPos: newLine });
      newLine += 1;
    } else if (text.startsWith('-')) {
      lines.push({ type: 'old', oldLine, newLine: null, newPos: newLine });
      oldLine += 1;
    } else {
      lines.push({ type: null, oldLine, newLine, newPos: newLine });
      oldLine += 1;
      newLine += 1;
    }
  }
  return lines;
}

/** The diff line a position names, when `old_line` and `new_line` both match one. */
export function lineAt(
  diff: string,
  oldLine: number | null | undefined,
  newLine: number | null | undefined,
): DiffLine | undefined {
  return diffLines(diff).find(
    (line) => line.oldLine === (oldLine ?? null) && line.newLine === (newLine ?? null),
  );
}
