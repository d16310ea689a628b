import { InvalidInputError } from '../../core/errors.js';

/**
 * Reading parsed JSON without trusting it: own properties only (so `"constructor"` or `"__proto__"` as a
 * key or an id never reaches `Object.prototype`), and a value of the wrong type reads as absent.
 */

export type JsonObject = { readonly [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The own property `key` of `object`, or undefined. */
export function own(object: JsonObject | undefined, key: string): unknown {
  return object !== undefined && Object.hasOwn(object, key) ? object[key] : undefined;
}

export function ownObject(object: JsonObject | undefined, key: string): JsonObject | undefined {
  const value = own(object, key);
  return isObject(value) ? value : undefined;
}

export function ownString(object: JsonObject | undefined, key: string): string | undefined {
  const value = own(object, key);
  return typeof value === 'string' ? value : undefined;
}

export function ownArray(object: JsonObject | undefined, key: string): readonly unknown[] | undefined {
  const value = own(object, key);
  return Array.isArray(value) ? value : undefined;
}

/** A non-negative (or at least `minimum`) safe integer, else undefined. */
export function ownInteger(object: JsonObject | undefined, key: string, minimum = 0): number | undefined {
  const value = own(object, key);
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= minimum ? value : undefined;
}

/** Element `index` of `array` when it is an object. */
export function objectAt(
  array: readonly unknown[] | undefined,
  index: number | undefined,
): JsonObject | undefined {
  if (array === undefined || index === undefined || index < 0 || index >= array.length) return undefined;
  const value = array[index];
  return isObject(value) ? value : undefined;
}

/** An `InvalidInputError` naming the JSON pointer of the broken part of a SARIF log. */
export function sarifError(pointer: string, message: string): InvalidInputError {
  return new InvalidInputError(`invalid SARIF: ${pointer || '(document)'} ${message}`, [
    { field: pointer, message },
  ]);
}

/** A JSON type name for error messages. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
