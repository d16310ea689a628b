import { Writable } from 'node:stream';
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../observability/logger.js';
import { REDACTED, Secret, SecretBundle } from './secret.js';

const PLANTED = 'glpat-PLANTED-7f3a9c1e5b';

/** Every way we know a value can be turned into text without asking for it. */
function renderings(value: unknown): Record<string, string> {
  return {
    json: JSON.stringify(value),
    jsonNested: JSON.stringify({ deep: { list: [value] } }),
    inspect: inspect(value),
    inspectHidden: inspect(value, { showHidden: true, depth: 10 }),
    inspectNoCustom: inspect(value, { customInspect: false, showHidden: true }),
    inspectNested: inspect({ credentials: { value } }, { depth: 10 }),
    string: String(value),
    template: `${value}`,
    concat: `x${value as string}`,
    formatS: format('%s', value),
    formatO: format('%o', value),
    formatBigO: format('%O', value),
    formatJ: format('%j', value),
    formatPlain: format(value),
    error: String(new Error(`failed with ${value}`)),
    keys: JSON.stringify(Object.keys(value as object)),
    clone: inspect(structuredClone(value)),
  };
}

function pinoOutput(fields: object): string {
  let written = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      written += String(chunk);
      done();
    },
  });
  const logger = createLogger('info', sink);
  logger.info(fields, 'resolved');
  logger.info({ nested: { deeper: fields } }, 'nested');
  logger.error({ err: new Error(`boom ${String((fields as { token?: unknown }).token)}`) }, 'failed');
  return written;
}

describe('Secret', () => {
  it.each(Object.entries(renderings(Secret.from(PLANTED))))('%s never shows the value', (_how, text) => {
    expect(text).not.toContain(PLANTED);
    expect(text).not.toContain('PLANTED');
  });

  it('prints as [redacted] in the usual places', () => {
    const secret = Secret.from(PLANTED);

    const texts = [JSON.stringify(secret), String(secret), `${secret}`, inspect(secret)];

    expect(texts).toEqual([`"${REDACTED}"`, REDACTED, REDACTED, REDACTED]);
  });

  it('never reaches a pino log line', () => {
    const secret = Secret.from(PLANTED);

    const output = pinoOutput({ token: secret, value: secret, list: [secret] });

    expect(output).not.toContain('PLANTED');
    expect(output).toContain(REDACTED);
  });

  it('is read only through reveal, revealBytes and use', () => {
    const secret = Secret.from(PLANTED);

    expect(secret.reveal()).toBe(PLANTED);
    expect(secret.revealBytes().toString('utf8')).toBe(PLANTED);
    expect(secret.use((bytes) => bytes.toString('utf8'))).toBe(PLANTED);
    expect(secret.byteLength).toBe(Buffer.byteLength(PLANTED));
  });

  it('keeps a copy of the input buffer, compares in constant time, and zeroes on dispose', () => {
    const input = Buffer.from(PLANTED);
    const secret = Secret.from(input);
    input.fill(0);
    const copy = secret.clone();

    expect(secret.equals(Secret.from(PLANTED))).toBe(true);
    expect(secret.equals(Secret.from(`${PLANTED}x`))).toBe(false);
    secret.dispose();
    expect(secret.reveal()).toBe('');
    expect(copy.reveal()).toBe(PLANTED);
  });
});

describe('SecretBundle', () => {
  const bundle = () => SecretBundle.fromStrings({ appId: '12345', privateKey: PLANTED });

  it.each(Object.entries(renderings(bundle())))('%s never shows a field', (_how, text) => {
    expect(text).not.toContain('PLANTED');
  });

  it('never reaches a pino log line', () => {
    const output = pinoOutput({ token: bundle(), app: bundle() });

    expect(output).not.toContain('PLANTED');
  });

  it('hands out fields as Secrets and names missing fields without values', () => {
    const app = bundle();

    expect(app.names()).toEqual(['appId', 'privateKey']);
    expect(app.require('privateKey').reveal()).toBe(PLANTED);
    expect(app.get('nope')).toBeUndefined();
    expect(() => app.require('nope')).toThrow(/no field 'nope' \(it has: appId, privateKey\)/);
    expect(app.use((fields) => fields.appId)).toBe('12345');
  });
});
