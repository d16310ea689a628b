/** Conversions between driver values and domain values, the same on SQLite and PostgreSQL. */

/** What `Date.prototype.toISOString` gives for years 0–9999: how SQLite's timestamps are stored. */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function toIso(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  // Already in that form (every timestamp written on SQLite): parsing and printing it again would
  // give the same text, at a cost that shows when thousands of rows are read.
  return ISO_UTC.test(value) ? value : new Date(value).toISOString();
}

export function toIsoOrNull(value: string | Date | null): string | null {
  return value === null ? null : toIso(value);
}

export function fromJson<T>(value: unknown): T {
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

export function toBool(value: number | boolean): boolean {
  return value === true || value === 1;
}

/** Whether a driver error is a unique-constraint violation (SQLite or PostgreSQL). */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
