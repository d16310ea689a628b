import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commentMarker, inlineText, safeUrl } from './markdown.js';

describe('inlineText', () => {
  const opts = { asciiOnly: false, maxChars: 1000 };

  it.each([
    ['a | b', 'a &#124; b'],
    ['`code`', '&#96;code&#96;'],
    ['<b>&amp;</b>', '&lt;b&gt;&amp;amp;&lt;/b&gt;'],
    ['[x](y)', '\\[x\\](y)'],
    ['line1\nline2\r\n\tline3', 'line1 line2 line3'],
    ['*a* _b_ ~c~ $d$', '\\*a\\* \\_b\\_ \\~c\\~ \\$d\\$'],
    ['back\\slash', 'back&#92;slash'],
    ['rtl \u202egnp.exe', 'rtl gnp.exe'],
    ['nul\u0000', 'nul\ufffd'],
  ])('%j → %j', (input, expected) => {
    expect(inlineText(input, opts)).toBe(expected);
  });

  it('cuts after escaping, never inside an entity or a surrogate pair', () => {
    expect(inlineText('||||', { asciiOnly: false, maxChars: 13 })).toBe('&#124;&#124;\u2026');
    expect(inlineText('😀😀😀', { asciiOnly: false, maxChars: 4 })).toBe('😀\u2026');
    expect(inlineText('abcdef', { asciiOnly: true, maxChars: 5 })).toBe('ab...');
  });

  it('never exceeds maxChars and never leaves a raw pipe, backtick or angle bracket (property)', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 300 }),
        fc.integer({ min: 0, max: 200 }),
        (text, max) => {
          const out = inlineText(text, { asciiOnly: false, maxChars: max });

          expect(out.length).toBeLessThanOrEqual(max);
          expect(out).not.toMatch(/[|`<>\n\r]/);
        },
      ),
    );
  });
});

describe('safeUrl', () => {
  it.each([
    ['https://example.com/a(b)', 'https://example.com/a%28b%29'],
    ['http://x.example/|pipe', 'http://x.example/%7Cpipe'],
    ['https://x.example/é', 'https://x.example/%C3%A9'],
    ['javascript:alert(1)', undefined],
    ['data:text/html,x', undefined],
    ['https://x.example/a b', undefined],
    ['https://x.example/\n', undefined],
    [`https://x.example/${'a'.repeat(2100)}`, undefined],
    ['https://x.example/\ud800', undefined],
  ])('%s → %s', (input, expected) => {
    expect(safeUrl(input)).toBe(expected);
  });
});

describe('commentMarker', () => {
  it('writes the key into a hidden comment and refuses keys that could close it', () => {
    expect(commentMarker('scanner:trivy/main')).toBe(
      '<!-- integrations-catalog:annotation key=scanner:trivy/main -->',
    );
    expect(() => commentMarker('a -->')).toThrow(/markerKey/);
    expect(() => commentMarker('a'.repeat(129))).toThrow(/markerKey/);
  });
});
