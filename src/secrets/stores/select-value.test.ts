import { describe, expect, it } from 'vitest';
import { NotFoundError, UnprocessableError } from '../../core/errors.js';
import { parseAuthRef } from '../authref.js';
import { Secret, SecretBundle } from '../secret.js';
import { selectValue } from './select-value.js';

const json = (value: unknown) => ({ content: Secret.from(JSON.stringify(value)), format: 'json' as const });
const text = (value: string) => ({ content: Secret.from(value), format: 'text' as const });
const pick = (raw: ReturnType<typeof json>, ref: string) => selectValue(raw, parseAuthRef(ref));
const reveal = (value: unknown) => (value as Secret).reveal();

describe('selectValue', () => {
  it('picks names, pointers (with ~0 ~1 and array indexes) and whole objects', () => {
    const doc = json({ token: 't', 'a/b': { 'c~d': ['zero', 'one'] }, n: 5, ok: true });

    expect(reveal(pick(doc, 'authref://s/x#token'))).toBe('t');
    expect(reveal(pick(doc, 'authref://s/x#/a~1b/c~0d/1'))).toBe('one');
    expect(reveal(pick(doc, 'authref://s/x#n'))).toBe('5');
    expect(pick(json({ a: '1', b: 2 }), 'authref://s/x')).toBeInstanceOf(SecretBundle);
    expect(reveal(pick(json('just a string'), 'authref://s/x'))).toBe('just a string');
  });

  it('keeps text as it is unless a key is asked for', () => {
    expect(reveal(selectValue(text('{"a":1}'), parseAuthRef('authref://s/x')))).toBe('{"a":1}');
    expect(reveal(selectValue(text('{"a":1}'), parseAuthRef('authref://s/x#a')))).toBe('1');
    expect(() => selectValue(text('PLANTED not json'), parseAuthRef('authref://s/x#a'))).toThrow(
      /is not a JSON document, so it has no key to pick/,
    );
  });

  it('decodes base64 and repairs one-line PEM', () => {
    expect(
      reveal(
        pick(json({ k: Buffer.from('raw bytes').toString('base64') }), 'authref://s/x?encoding=base64#k'),
      ),
    ).toBe('raw bytes');
    expect(
      reveal(
        pick(json({ k: '-----BEGIN KEY-----\\r\\nabc\\n-----END KEY-----' }), 'authref://s/x?encoding=pem#k'),
      ),
    ).toBe('-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
  });

  it.each([
    ['authref://s/x#missing', NotFoundError, /secret key 'authref:\/\/s\/x#missing' was not found/],
    ['authref://s/x#/list/9', NotFoundError, /was not found/],
    ['authref://s/x#list', UnprocessableError, /is a list/],
    ['authref://s/x', UnprocessableError, /nested field 'list'/],
    ['authref://s/x?encoding=base64#token', UnprocessableError, /is not base64/],
    ['authref://s/x?encoding=pem#token', UnprocessableError, /is not PEM/],
  ])('refuses %s with a message that names no value', (ref, type, message) => {
    const doc = json({ token: 'PLANTED!!', list: ['PLANTED'] });

    const error = (() => {
      try {
        pick(doc, ref);
      } catch (e) {
        return e;
      }
    })();

    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('PLANTED');
  });
});
