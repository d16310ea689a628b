import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanToolText, cutText, fitsLimit, replaceLoneSurrogates, toAscii, utf8Length } from './text.js';

describe('cutText', () => {
  it('leaves text that fits alone', () => {
    expect(cutText('abc', { chars: 3 })).toBe('abc');
  });

  it('cuts to the limit including the ellipsis', () => {
    expect(cutText('abcdef', { chars: 4 })).toBe('abc\u2026');
    expect(cutText('abcdef', { chars: 4 }, '...')).toBe('a...');
  });

  it('never splits a surrogate pair', () => {
    expect(cutText('a😀b', { chars: 3 })).toBe('a\u2026');
    expect(cutText('😀😀😀', { chars: 4 })).toBe('😀\u2026');
  });

  it('cuts by UTF-8 bytes too', () => {
    const cut = cutText('€€€€', { chars: 100, bytes: 8 });

    expect(cut).toBe('€\u2026');
    expect(utf8Length(cut)).toBeLessThanOrEqual(8);
  });

  it('always fits and keeps surrogates whole (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.nat(40), fc.nat(80), (text, chars, bytes) => {
        const cut = cutText(text, { chars, bytes });

        expect(fitsLimit(cut, { chars, bytes })).toBe(true);
        expect(replaceLoneSurrogates(cut)).toBe(cut);
      }),
    );
  });
});

describe('cleanToolText', () => {
  it('normalises line ends and replaces control characters and lone surrogates', () => {
    expect(cleanToolText('a\r\nb\rc\td\u0007e\u007f\ud800')).toBe('a\nb\nc\td\ufffde\ufffd\ufffd');
  });
});

describe('toAscii', () => {
  it.each([
    ['Grüße', 'Grusse'],
    ['café ﬁne', 'cafe fine'],
    ['“quoted” – dash…', '"quoted" - dash...'],
    ['emoji 😀 👍🏽 👩‍👩‍👧', 'emoji ? ? ???'],
    ['中文', '??'],
    ['\ud800x', '?x'],
  ])('%s → %s', (input, expected) => {
    expect(toAscii(input)).toBe(expected);
  });

  it('always gives ASCII (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect([...toAscii(text)].every((char) => char.charCodeAt(0) < 0x80)).toBe(true);
      }),
    );
  });
});
