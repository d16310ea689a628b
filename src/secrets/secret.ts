import { timingSafeEqual } from 'node:crypto';
import { UnprocessableError } from '../core/errors.js';

/** What every secret prints as, wherever it ends up: logs, JSON, errors, `util.inspect`, templates. */
export const REDACTED = '[redacted]';

const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * A plaintext credential that cannot be logged or serialised by accident. The bytes live in a private
 * field (invisible to `util.inspect`, `Object.keys`, `structuredClone` and JSON); `toString`,
 * `toJSON`, `util.inspect` and string coercion all give `[redacted]`. `reveal()` and `use()` are the
 * only ways to read it, so a reader can grep for every place a value leaves its wrapper.
 *
 * @example
 * const token = Secret.from('glpat-…');
 * logger.info({ token }, 'resolved');           // {"token":"[redacted]"}
 * headers['private-token'] = token.reveal();    // the one deliberate read
 */
export class Secret {
  #bytes: Buffer;

  private constructor(bytes: Buffer) {
    this.#bytes = bytes;
  }

  /** Wraps a copy of `value` (a string is stored as UTF-8). */
  static from(value: string | Uint8Array): Secret {
    return new Secret(typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value));
  }

  /** Takes ownership of `bytes` without copying: the caller must not keep or reuse the buffer. */
  static adopt(bytes: Buffer): Secret {
    return new Secret(bytes);
  }

  /** The value as a UTF-8 string. */
  reveal(): string {
    return this.#bytes.toString('utf8');
  }

  /** The value as a fresh copy of its bytes (e.g. a PEM key for `crypto.createPrivateKey`). */
  revealBytes(): Buffer {
    return Buffer.from(this.#bytes);
  }

  /** Lends the bytes to `fn` without copying; `fn` must not keep them. */
  use<T>(fn: (bytes: Buffer) => T): T {
    return fn(this.#bytes);
  }

  /** Length in bytes (not secret, useful for limits). */
  get byteLength(): number {
    return this.#bytes.length;
  }

  /** Constant-time comparison with another secret. */
  equals(other: Secret): boolean {
    return other.use(
      (theirs) => theirs.length === this.#bytes.length && timingSafeEqual(theirs, this.#bytes),
    );
  }

  /** An independent copy: disposing one does not affect the other. */
  clone(): Secret {
    return new Secret(Buffer.from(this.#bytes));
  }

  /** Overwrites the bytes with zeros; the secret reads as empty afterwards. */
  dispose(): void {
    this.#bytes.fill(0);
    this.#bytes = Buffer.alloc(0);
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [INSPECT](): string {
    return REDACTED;
  }
}

/**
 * A secret made of named fields, such as a GitHub App's `{ appId, privateKey }`. Every field is a
 * `Secret`; the bundle itself prints as `[redacted]` like its fields (field names included, since
 * they hint at the kind of credential).
 *
 * @example
 * const app = resolved.value as SecretBundle;
 * const key = createPrivateKey(app.require('privateKey').reveal());
 */
export class SecretBundle {
  #fields: ReadonlyMap<string, Secret>;

  constructor(fields: ReadonlyMap<string, Secret> | Readonly<Record<string, Secret>>) {
    this.#fields = fields instanceof Map ? new Map(fields) : new Map(Object.entries(fields));
  }

  /** Builds a bundle from plain strings (the value a user handed in). */
  static fromStrings(values: Readonly<Record<string, string>>): SecretBundle {
    return new SecretBundle(
      new Map(Object.entries(values).map(([name, value]) => [name, Secret.from(value)] as const)),
    );
  }

  /** Field names, sorted. Names are not secret, but the bundle does not print them. */
  names(): string[] {
    return [...this.#fields.keys()].sort();
  }

  has(name: string): boolean {
    return this.#fields.has(name);
  }

  get(name: string): Secret | undefined {
    return this.#fields.get(name);
  }

  /** The field, or an error naming the field (never a value) when it is missing. */
  require(name: string): Secret {
    const field = this.#fields.get(name);
    if (!field) {
      throw new UnprocessableError(
        'credentials_shape',
        `the credential has no field '${name}' (it has: ${this.names().join(', ')})`,
      );
    }
    return field;
  }

  /** Lends the plaintext fields to `fn`; `fn` must not keep them. */
  use<T>(fn: (fields: Readonly<Record<string, string>>) => T): T {
    const plain: Record<string, string> = {};
    for (const [name, field] of this.#fields) plain[name] = field.reveal();
    return fn(plain);
  }

  clone(): SecretBundle {
    return new SecretBundle(
      new Map([...this.#fields].map(([name, field]) => [name, field.clone()] as const)),
    );
  }

  dispose(): void {
    for (const field of this.#fields.values()) field.dispose();
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }

  [INSPECT](): string {
    return REDACTED;
  }
}

/** What a reference resolves to: one value, or named fields when the reference names no key. */
export type SecretValue = Secret | SecretBundle;
