import { NotFoundError, UnprocessableError } from '../../core/errors.js';
import type { AuthRef } from '../authref.js';
import { Secret, SecretBundle, type SecretValue } from '../secret.js';

/**
 * Turns what a store read into what the reference asks for: the `#key` (a property name or an
 * RFC 6901 pointer) picked out of a JSON document, and `?encoding` applied. Messages name the
 * reference and the key, never a value.
 */

/** What a store read: `json` content is a JSON document (a string or an object); `text` is opaque. */
export interface RawContent {
  readonly content: Secret;
  readonly format: 'text' | 'json';
}

/**
 * @example
 * selectValue({ content: Secret.from('{"token":"t"}'), format: 'json' }, parseAuthRef('authref://vault/x#token'));
 */
export function selectValue(raw: RawContent, ref: AuthRef): SecretValue {
  if (raw.format === 'text' && ref.keyPath === null) return encode(raw.content, ref);
  const document = parseJson(raw.content, ref);
  let node: unknown = document;
  for (const name of ref.keyPath ?? []) {
    const next = step(node, name);
    if (next === undefined || next === null) throw new NotFoundError('secret key', ref.canonical);
    node = next;
  }
  return toValue(node, ref);
}

function parseJson(content: Secret, ref: AuthRef): unknown {
  try {
    return content.use((bytes) => JSON.parse(bytes.toString('utf8')));
  } catch {
    // No cause: V8's SyntaxError quotes the text it could not parse.
    throw new UnprocessableError(
      'secret_unusable',
      `the secret behind ${ref.canonical} is not a JSON document, so it has no key to pick`,
    );
  }
}

function step(node: unknown, name: string): unknown {
  if (Array.isArray(node)) return /^(0|[1-9]\d*)$/.test(name) ? node[Number(name)] : undefined;
  if (node !== null && typeof node === 'object' && Object.hasOwn(node, name)) {
    return (node as Record<string, unknown>)[name];
  }
  return undefined;
}

function toValue(node: unknown, ref: AuthRef): SecretValue {
  if (isScalar(node)) return encode(Secret.from(String(node)), ref);
  if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
    const fields = new Map<string, Secret>();
    for (const [name, value] of Object.entries(node)) {
      if (!isScalar(value)) {
        throw new UnprocessableError(
          'secret_unusable',
          `the secret behind ${ref.canonical} has nested field '${name}'; name the key to use with #/…`,
        );
      }
      fields.set(name, encode(Secret.from(String(value)), ref));
    }
    return new SecretBundle(fields);
  }
  throw new UnprocessableError(
    'secret_unusable',
    `the secret behind ${ref.canonical} is a list, not a value or an object of values`,
  );
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function encode(secret: Secret, ref: AuthRef): Secret {
  const encoding = ref.params.encoding ?? 'utf8';
  if (encoding === 'utf8') return secret;
  const text = secret.reveal();
  if (encoding === 'base64') {
    const compact = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.replace(/=+$/, '').length % 4 === 1) {
      throw new UnprocessableError('secret_unusable', `the secret behind ${ref.canonical} is not base64`);
    }
    return Secret.adopt(Buffer.from(compact, 'base64'));
  }
  // pem: undo the usual damage of storing a PEM in a one-line field (literal \n, CRLF).
  const pem = `${text
    .replace(/\\r\\n|\\n/g, '\n')
    .replace(/\r\n/g, '\n')
    .trim()}\n`;
  if (!/^-----BEGIN [A-Z0-9 ]+-----\n[\s\S]+\n-----END [A-Z0-9 ]+-----\n$/.test(pem)) {
    throw new UnprocessableError('secret_unusable', `the secret behind ${ref.canonical} is not PEM`);
  }
  return Secret.from(pem);
}
