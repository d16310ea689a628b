import { randomFillSync } from 'node:crypto';

const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * A new random W3C trace id: 16 random bytes as 32 lower-case hex digits, as `randomBytes(16)` would
 * give. The bytes come from a pool refilled from the CSPRNG 256 ids at a time, because a
 * `randomBytes` call per request cost more than the rest of a small request's hooks (bench/api.ts).
 */
export function newTraceId(): string {
  if (offset + 16 > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + 16);
  offset += 16;
  return id;
}
