import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { closers, fitMarkdown } from './fit-markdown.js';
import { utf8Length } from './text.js';

const LIMIT = { chars: 2_000, bytes: 2_000 };

describe('fitMarkdown', () => {
  it('returns text that fits unchanged', () => {
    expect(fitMarkdown('short', LIMIT, 'the limit')).toBe('short');
  });

  it('cuts on a line end and says what was left out', () => {
    const text = Array.from({ length: 400 }, (_, i) => `line ${i}`).join('\n');

    const out = fitMarkdown(text, LIMIT, "GitHub's limit");

    expect(out.length).toBeLessThanOrEqual(LIMIT.chars);
    expect(out).toMatch(
      /_Cut to fit GitHub's limit: the last [\d,]+ characters \([\d,]+ lines\) were left out\._\n$/,
    );
    const kept = out.slice(0, out.indexOf('\n\n---\n'));
    expect(text.startsWith(kept)).toBe(true);
    expect(kept.endsWith('\n') || text[kept.length] === '\n').toBe(true);
  });

  it('closes an open code fence and every open <details>', () => {
    const text = `<details><summary>a</summary>\n\n<details>\n\n~~~~ts\n${'x = 1;\n'.repeat(600)}~~~~\n</details>\n</details>\n`;

    const out = fitMarkdown(text, LIMIT, 'the limit');

    expect(out.length).toBeLessThanOrEqual(LIMIT.chars);
    expect(closers(out.slice(0, out.indexOf('\n---\n')))).toBe('');
    expect(out.match(/<details>/g)?.length).toBe(out.match(/<\/details>/g)?.length);
    expect(out).toContain('~~~~\n\n</details>');
  });

  it('never splits a surrogate pair and keeps UTF-8 bytes within the limit', () => {
    const text = '😀'.repeat(3_000);

    const out = fitMarkdown(text, LIMIT, 'the limit');

    expect(utf8Length(out)).toBeLessThanOrEqual(LIMIT.bytes);
    expect(out).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('always fits and always leaves constructs closed (property)', () => {
    const piece = fc.constantFrom(
      '```\n',
      '~~~\n',
      '<details>\n',
      '</details>\n',
      '<!-- x\n',
      '-->\n',
      'text ',
      '😀',
      '\n',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 3_000 }),
        fc.integer({ min: 400, max: 3_000 }),
        (pieces, chars) => {
          const limit = { chars, bytes: chars };
          const out = fitMarkdown(pieces.join(''), limit, 'the limit');
          expect(out.length).toBeLessThanOrEqual(chars);
          expect(utf8Length(out)).toBeLessThanOrEqual(chars);
          if (out !== pieces.join('')) expect(closers(out)).toBe('');
        },
      ),
      { numRuns: 150 },
    );
  });
});
