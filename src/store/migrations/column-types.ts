import type { ColumnDataType } from 'kysely';
import type { Dialect } from '../database.js';

/** Column types that differ between the dialects; migrations name these, never raw types. */
export interface ColumnTypes {
  readonly id: ColumnDataType;
  readonly json: ColumnDataType;
  readonly bool: ColumnDataType;
  readonly timestamp: ColumnDataType;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  return dialect === 'postgres'
    ? { id: 'uuid', json: 'jsonb', bool: 'boolean', timestamp: 'timestamptz' }
    : { id: 'text', json: 'text', bool: 'integer', timestamp: 'text' };
}
