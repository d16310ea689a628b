import { Type } from '@sinclair/typebox';

/**
 * A JSON Schema string enum whose static type is the literal union. Validators then report
 * "must be one of …" once, instead of one failure per literal of an `anyOf`.
 *
 * @example
 * const Health = StringEnum(['healthy', 'degraded'] as const, { default: 'healthy' });
 */
export function StringEnum<T extends readonly string[]>(values: T, options: Record<string, unknown> = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
