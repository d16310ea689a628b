import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DecryptionError,
  formatBlob,
  openRecord,
  parseBlob,
  type RecordBinding,
  recordKeyId,
  sealRecord,
  unwrapDataKey,
  wrapDataKey,
  wrappedKeyMasterId,
} from './envelope.js';

const DATA_KEY_ID = '0193a7b2-5c1e-7a3f-8d21-6b0c4e9f1a2d';
const OTHER_KEY_ID = '0193a7b2-5c1e-7a3f-8d21-6b0c4e9f1a2e';

const binding = fc.record({
  tenantId: fc.string({ minLength: 1, maxLength: 20 }),
  secretId: fc.uuid(),
  version: fc.integer({ min: 1, max: 1_000_000 }),
});
const plaintext = fc.uint8Array({ minLength: 0, maxLength: 2048 }).map((bytes) => Buffer.from(bytes));
const dataKey = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((bytes) => Buffer.from(bytes));

/** Flips one bit of a base64url part of a blob, at a position chosen by `at`. */
function flipBit(blob: string, part: 'nonce' | 'sealed', at: number): string {
  const { keyId, nonce, sealed } = parseBlob(blob, 'v1', 'test');
  const target = Buffer.from(part === 'nonce' ? nonce : sealed);
  const bit = at % (target.length * 8);
  target[bit >> 3]! ^= 1 << (bit & 7);
  return part === 'nonce' ? formatBlob('v1', keyId, target, sealed) : formatBlob('v1', keyId, nonce, target);
}

const fails = (open: () => unknown) => {
  expect(open).toThrow(DecryptionError);
};

describe('record envelope', () => {
  it('seal then open returns the input', () => {
    fc.assert(
      fc.property(dataKey, binding, plaintext, (key, where, input) => {
        const blob = sealRecord({ id: DATA_KEY_ID, key }, where, input);

        expect(openRecord(() => key, where, blob).equals(input)).toBe(true);
        expect(recordKeyId(blob)).toBe(DATA_KEY_ID);
      }),
      { numRuns: 300 },
    );
  });

  it('the blob is self-describing: v1.<dataKeyId>.<b64url nonce>.<b64url ciphertext||tag>', () => {
    const blob = sealRecord(
      { id: DATA_KEY_ID, key: randomBytes(32) },
      { tenantId: 't', secretId: 's', version: 1 },
      Buffer.from('abc'),
    );

    const [prefix, keyId, nonce, sealed] = blob.split('.');

    expect([prefix, keyId]).toEqual(['v1', DATA_KEY_ID]);
    expect(Buffer.from(nonce!, 'base64url')).toHaveLength(12);
    expect(Buffer.from(sealed!, 'base64url')).toHaveLength(3 + 16);
  });

  it('uses a fresh nonce every time (same key, binding and plaintext)', () => {
    const key = randomBytes(32);
    const where = { tenantId: 't', secretId: 's', version: 1 };

    const nonces = new Set(
      Array.from(
        { length: 200 },
        () => sealRecord({ id: DATA_KEY_ID, key }, where, Buffer.from('same')).split('.')[2],
      ),
    );

    expect(nonces.size).toBe(200);
  });

  it('flipping any bit of the ciphertext or tag makes opening fail', () => {
    fc.assert(
      fc.property(dataKey, binding, plaintext, fc.nat(), (key, where, input, at) => {
        const blob = sealRecord({ id: DATA_KEY_ID, key }, where, input);

        fails(() => openRecord(() => key, where, flipBit(blob, 'sealed', at)));
      }),
      { numRuns: 300 },
    );
  });

  it('flipping any bit of the nonce makes opening fail', () => {
    fc.assert(
      fc.property(dataKey, binding, plaintext, fc.nat(), (key, where, input, at) => {
        const blob = sealRecord({ id: DATA_KEY_ID, key }, where, input);

        fails(() => openRecord(() => key, where, flipBit(blob, 'nonce', at)));
      }),
      { numRuns: 300 },
    );
  });

  it('flipping any bit of the key id makes opening fail, even when it yields the same key bytes', () => {
    fc.assert(
      fc.property(dataKey, binding, plaintext, fc.nat(), (key, where, input, at) => {
        const blob = sealRecord({ id: DATA_KEY_ID, key }, where, input);
        const chars = [...DATA_KEY_ID];
        const index = at % chars.length;
        chars[index] = String.fromCharCode(chars[index]!.charCodeAt(0) ^ (1 << (at % 7)));
        const tampered = blob.replace(DATA_KEY_ID, chars.join(''));

        fails(() => openRecord(() => key, where, tampered));
      }),
      { numRuns: 300 },
    );
  });

  it('flipping any bit of the AAD (tenant, secret id, version) makes opening fail', () => {
    const flipString = (text: string, at: number) => {
      const bytes = Buffer.from(text, 'utf8');
      const bit = at % (bytes.length * 8);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      return bytes.toString('latin1');
    };
    fc.assert(
      fc.property(
        dataKey,
        binding,
        plaintext,
        fc.nat(),
        fc.constantFrom('tenantId', 'secretId', 'version'),
        (key, where, input, at, which) => {
          const blob = sealRecord({ id: DATA_KEY_ID, key }, where, input);
          const moved: RecordBinding =
            which === 'version'
              ? { ...where, version: where.version ^ (1 << (at % 20)) || where.version + 1 }
              : { ...where, [which]: flipString(where[which], at) };

          fails(() => openRecord(() => key, moved, blob));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a blob moved to another secret id, tenant or version fails', () => {
    fc.assert(
      fc.property(dataKey, binding, binding, plaintext, (key, where, elsewhere, input) => {
        fc.pre(
          where.tenantId !== elsewhere.tenantId ||
            where.secretId !== elsewhere.secretId ||
            where.version !== elsewhere.version,
        );
        const blob = sealRecord({ id: DATA_KEY_ID, key }, where, input);

        fails(() => openRecord(() => key, elsewhere, blob));
      }),
      { numRuns: 300 },
    );
  });

  it('fails with another data key, and on malformed blobs', () => {
    const key = randomBytes(32);
    const where = { tenantId: 't', secretId: 's', version: 1 };
    const blob = sealRecord({ id: DATA_KEY_ID, key }, where, Buffer.from('value'));

    fails(() => openRecord(() => randomBytes(32), where, blob));
    for (const broken of [
      '',
      'v1',
      `v2${blob.slice(2)}`,
      `${blob}.x`,
      blob.replace(/\.[^.]+$/, '.!!'),
      `${blob}=`,
    ]) {
      fails(() => openRecord(() => key, where, broken));
    }
  });

  it('error messages never carry key or plaintext material', () => {
    const key = randomBytes(32);
    const where = { tenantId: 't', secretId: 's', version: 1 };
    const blob = sealRecord({ id: DATA_KEY_ID, key }, where, Buffer.from('PLANTED-VALUE'));

    try {
      openRecord(() => key, { ...where, version: 2 }, blob);
      expect.unreachable();
    } catch (error) {
      expect(String(error)).toBe(
        'DecryptionError: the secret could not be decrypted: wrong key, moved, or tampered with',
      );
    }
  });
});

describe('data key wrapping', () => {
  const master = { id: 'a1b2c3d4e5f60718', key: randomBytes(32) };

  it('wraps and unwraps, naming the master key', () => {
    fc.assert(
      fc.property(dataKey, fc.string({ minLength: 1 }), (key, tenantId) => {
        const wrapped = wrapDataKey(master, tenantId, DATA_KEY_ID, key);

        expect(wrappedKeyMasterId(wrapped)).toBe(master.id);
        expect(unwrapDataKey(() => master.key, tenantId, DATA_KEY_ID, wrapped).equals(key)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  it('binds tenant and data key id: a wrapped key copied to another row fails', () => {
    const key = randomBytes(32);
    const wrapped = wrapDataKey(master, 'acme', DATA_KEY_ID, key);

    fails(() => unwrapDataKey(() => master.key, 'other', DATA_KEY_ID, wrapped));
    fails(() => unwrapDataKey(() => master.key, 'acme', OTHER_KEY_ID, wrapped));
    fails(() => unwrapDataKey(() => randomBytes(32), 'acme', DATA_KEY_ID, wrapped));
    fails(() =>
      unwrapDataKey(() => master.key, 'acme', DATA_KEY_ID, wrapped.replace(master.id, 'a1b2c3d4e5f60719')),
    );
  });
});
