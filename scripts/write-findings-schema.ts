/**
 * Writes docs/findings.schema.json from the TypeBox schema in src/annotations/findings.ts, formatted the
 * way Biome formats JSON. Run with `npx tsx scripts/write-findings-schema.ts` after changing the format;
 * a test in src/annotations checks that the file says what the schema says.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findingsJsonSchema } from '../src/annotations/findings-json-schema.js';

const target = fileURLToPath(new URL('../docs/findings.schema.json', import.meta.url));
const biome = fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url));
writeFileSync(target, `${JSON.stringify(findingsJsonSchema(), null, 2)}\n`);
execFileSync(biome, ['format', '--write', target], { stdio: 'inherit' });
console.log(`wrote ${target}`);
