import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AppError } from '../../core/errors.js';

/**
 * Envelope encryption at rest, with node:crypto only.
 *
 * - A master key (32 bytes, `master-key.ts`) wraps each tenant's data key with AES-256-GCM; the AAD
 *   binds tenant, data-key id and master-key id, so a wrapped key copied to another row fails.
 * - A data key (32 random bytes) seals records. Each record version gets its own key,
 *   `HKDF-SHA256(dataKey, salt = secretId, info = "authref/v1/record|v=<version>")`, so no key ever
 *   meets the 2^32 random-nonce bound; the cipher is AES-256-GCM with a random 96-bit nonce and a
 *   16-byte tag; the AAD is `authref:v1|t=<tenant>|r=<secretId>|v=<version>|k=<dataKeyId>`.
 * - Blobs describe themselves: `v1.<dataKeyId>.<b64url nonce>.<b64url ciphertext||tag>` for records,
 *   `w1.<masterKeyId>.<b64url nonce>.<b64url ciphertext||tag>` for wrapped data keys.
 */

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';
const RECORD_PREFIX = 'v1';
const WRAP_PREFIX = 'w1';
/** Ids are UUIDs (data keys) or hex (master keys): nothing that could hide a separator. */
const KEY_ID = /^[0-9a-f-]{8,64}$/;

/** Sealed data could not be opened: wrong key, moved to another row, or tampered with. */
export class DecryptionError extends AppError {
  constructor(what: string) {
    super('decryption_failed', `${what} could not be decrypted: wrong key, moved, or tampered with`);
  }
}

/** Where a record belongs; all of it is bound into the ciphertext. */
export interface RecordBinding {
  readonly tenantId: string;
  readonly secretId: string;
  readonly version: number;
}

/** The parts of a self-describing blob. */
export interface BlobParts {
  readonly keyId: string;
  readonly nonce: Buffer;
  /** Ciphertext followed by the 16-byte tag. */
  readonly sealed: Buffer;
}

/** AAD values are escaped so that no tenant or id can forge a field boundary (`|`, `=`). */
const field = (value: string | number) => encodeURIComponent(String(value));

export function recordAad(binding: RecordBinding, dataKeyId: string): Buffer {
  return Buffer.from(
    `authref:v1|t=${field(binding.tenantId)}|r=${field(binding.secretId)}|v=${field(binding.version)}|k=${field(dataKeyId)}`,
    'utf8',
  );
}

export function wrapAad(tenantId: string, dataKeyId: string, masterKeyId: string): Buffer {
  return Buffer.from(
    `authref:v1:dek|t=${field(tenantId)}|d=${field(dataKeyId)}|m=${field(masterKeyId)}`,
    'utf8',
  );
}

/** The per-record key: unique for each (data key, secret, version). */
export function recordKey(dataKey: Buffer, binding: RecordBinding): Buffer {
  return Buffer.from(
    hkdfSync(
      'sha256',
      dataKey,
      Buffer.from(binding.secretId, 'utf8'),
      Buffer.from(`authref/v1/record|v=${binding.version}`, 'utf8'),
      KEY_BYTES,
    ),
  );
}

/** AES-256-GCM with a fresh random nonce; returns the nonce and ciphertext||tag. */
export function gcmSeal(key: Buffer, plaintext: Buffer, aad: Buffer): { nonce: Buffer; sealed: Buffer } {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  return { nonce, sealed };
}

/** Opens ciphertext||tag; throws `DecryptionError` when the tag does not verify. */
export function gcmOpen(key: Buffer, nonce: Buffer, sealed: Buffer, aad: Buffer, what: string): Buffer {
  if (nonce.length !== NONCE_BYTES || sealed.length < TAG_BYTES) throw new DecryptionError(what);
  const decipher = createDecipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError(what);
  }
}

export function formatBlob(prefix: string, keyId: string, nonce: Buffer, sealed: Buffer): string {
  return `${prefix}.${keyId}.${nonce.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** Splits a blob; throws `DecryptionError` for anything that is not exactly a blob of `prefix`. */
export function parseBlob(blob: string, prefix: string, what: string): BlobParts {
  const parts = blob.split('.');
  if (parts.length !== 4 || parts[0] !== prefix) throw new DecryptionError(what);
  const [, keyId, nonceText, sealedText] = parts as [string, string, string, string];
  if (!KEY_ID.test(keyId) || !isBase64Url(nonceText) || !isBase64Url(sealedText)) {
    throw new DecryptionError(what);
  }
  return { keyId, nonce: Buffer.from(nonceText, 'base64url'), sealed: Buffer.from(sealedText, 'base64url') };
}

/** Strict: Node's decoder skips junk, so a flipped character could otherwise decode to the same bytes. */
function isBase64Url(text: string): boolean {
  return /^[A-Za-z0-9_-]+$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;
}

/**
 * Seals one record version under a data key.
 *
 * @example
 * const blob = sealRecord({ id: dataKeyId, key }, { tenantId, secretId, version: 1 }, Buffer.from('"token"'));
 */
export function sealRecord(
  dataKey: { readonly id: string; readonly key: Buffer },
  binding: RecordBinding,
  plaintext: Buffer,
): string {
  const key = recordKey(dataKey.key, binding);
  try {
    const { nonce, sealed } = gcmSeal(key, plaintext, recordAad(binding, dataKey.id));
    return formatBlob(RECORD_PREFIX, dataKey.id, nonce, sealed);
  } finally {
    key.fill(0);
  }
}

/** The data key id a record blob names (to look the key up before opening). */
export function recordKeyId(blob: string): string {
  return parseBlob(blob, RECORD_PREFIX, 'the secret').keyId;
}

/**
 * Opens a record blob. `keyFor` returns the data key the blob names; the id is also bound in the AAD,
 * so pointing a blob at another key id fails even when the key bytes happen to match.
 */
export function openRecord(
  keyFor: (dataKeyId: string) => Buffer,
  binding: RecordBinding,
  blob: string,
): Buffer {
  const { keyId, nonce, sealed } = parseBlob(blob, RECORD_PREFIX, 'the secret');
  const key = recordKey(keyFor(keyId), binding);
  try {
    return gcmOpen(key, nonce, sealed, recordAad(binding, keyId), 'the secret');
  } finally {
    key.fill(0);
  }
}

/** Wraps a data key under a master key: `w1.<masterKeyId>.<nonce>.<ciphertext||tag>`. */
export function wrapDataKey(
  master: { readonly id: string; readonly key: Buffer },
  tenantId: string,
  dataKeyId: string,
  dataKey: Buffer,
): string {
  const { nonce, sealed } = gcmSeal(master.key, dataKey, wrapAad(tenantId, dataKeyId, master.id));
  return formatBlob(WRAP_PREFIX, master.id, nonce, sealed);
}

/** The master key id a wrapped data key names. */
export function wrappedKeyMasterId(wrapped: string): string {
  return parseBlob(wrapped, WRAP_PREFIX, 'the data key').keyId;
}

/** Unwraps a data key; `masterFor` returns the master key the blob names (or throws). */
export function unwrapDataKey(
  masterFor: (masterKeyId: string) => Buffer,
  tenantId: string,
  dataKeyId: string,
  wrapped: string,
): Buffer {
  const { keyId, nonce, sealed } = parseBlob(wrapped, WRAP_PREFIX, 'the data key');
  const key = gcmOpen(masterFor(keyId), nonce, sealed, wrapAad(tenantId, dataKeyId, keyId), 'the data key');
  if (key.length !== KEY_BYTES) throw new DecryptionError('the data key');
  return key;
}
