import { InvalidInputError } from '../../core/errors.js';
import { Secret, SecretBundle, type SecretValue } from '../secret.js';
import type { SecretInput } from './contract.js';

/** Largest value the `local` store keeps (its JSON form), like the `file` store's cap. */
export const MAX_LOCAL_SECRET_BYTES = 64 * 1024;
export const MAX_SECRET_FIELDS = 50;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:/@-]{0,199}$/;

/**
 * Checks a value users hand us and gives its sealed form (JSON: a string or an object of strings)
 * and its wrapped form (for the fingerprint). Messages name fields, never values.
 */
export function checkSecretInput(
  value: unknown,
  field = '/value',
): { plaintext: Buffer; value: SecretValue } {
  if (typeof value === 'string') {
    if (value === '') throw InvalidInputError.field(field, 'must not be empty');
    return sized({ plaintext: Buffer.from(JSON.stringify(value), 'utf8'), value: Secret.from(value) }, field);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw InvalidInputError.field(field, 'must be a string or an object of named strings');
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) throw InvalidInputError.field(field, 'must have at least one field');
  if (entries.length > MAX_SECRET_FIELDS) {
    throw InvalidInputError.field(field, `must have at most ${MAX_SECRET_FIELDS} fields`);
  }
  for (const [name, fieldValue] of entries) {
    if (!FIELD_NAME.test(name)) {
      throw InvalidInputError.field(
        field,
        "has a field name that is not a name (letters, digits, '_', '.', '-')",
      );
    }
    if (typeof fieldValue !== 'string' || fieldValue === '') {
      throw InvalidInputError.field(`${field}/${name}`, 'must be a non-empty string');
    }
  }
  const strings = value as Readonly<Record<string, string>>;
  return sized(
    { plaintext: Buffer.from(JSON.stringify(strings), 'utf8'), value: SecretBundle.fromStrings(strings) },
    field,
  );
}

/** Checks an optional secret name (a label for people; references use the id). */
export function checkSecretName(name: unknown, field = '/name'): string | null {
  if (name === undefined || name === null) return null;
  if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
    throw InvalidInputError.field(
      field,
      "must be 1 to 200 characters: letters, digits and '_', '.', ':', '/', '@', '-', starting with a letter or digit",
    );
  }
  return name;
}

function sized<T extends { plaintext: Buffer }>(input: T, field: string): T {
  if (input.plaintext.length > MAX_LOCAL_SECRET_BYTES) {
    input.plaintext.fill(0);
    throw InvalidInputError.field(field, `must be at most ${MAX_LOCAL_SECRET_BYTES} bytes`);
  }
  return input;
}

export type { SecretInput };
