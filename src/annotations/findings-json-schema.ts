import { FindingsReportSchema } from './findings.js';

/** The `$id` of the published schema; bump the version when a change is not backward compatible. */
export const FINDINGS_SCHEMA_ID = 'urn:integrations-catalog:schema:findings-report:v1';

/**
 * The native findings format as a standalone JSON Schema (draft-07) document: the TypeBox schema with
 * `$schema` and `$id` added and TypeBox's symbol keys dropped. `scripts/write-findings-schema.ts` writes
 * it to `docs/findings.schema.json`; a test checks that the file matches.
 *
 * @example
 * JSON.stringify(findingsJsonSchema(), null, 2);
 */
export function findingsJsonSchema(): Record<string, unknown> {
  const plain = JSON.parse(JSON.stringify(FindingsReportSchema)) as Record<string, unknown>;
  return { $schema: 'http://json-schema.org/draft-07/schema#', $id: FINDINGS_SCHEMA_ID, ...plain };
}
