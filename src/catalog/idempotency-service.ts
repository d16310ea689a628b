import { createHash } from 'node:crypto';
import { ConflictError, UnprocessableError } from '../core/errors.js';
import type { Store } from '../store/store.js';

const RETENTION_MS = 24 * 60 * 60 * 1000;
const PRUNE_EVERY = 500;

/** A response stored under an idempotency key, replayed for a repeated request. */
export interface StoredResponse {
  readonly statusCode: number;
  readonly body: string;
}

/**
 * `Idempotency-Key` semantics for POST: the same key with the same request replays the first
 * response; the same key with a different request is refused. Keys live for 24 hours.
 */
export interface IdempotencyService {
  /** Claims the key; returns the stored response to replay, or undefined when this request should run. */
  begin(
    tenantId: string,
    key: string,
    request: { method: string; url: string; body: unknown },
  ): Promise<StoredResponse | undefined>;
  /** Stores the response of a request that ran. */
  finish(tenantId: string, key: string, response: StoredResponse): Promise<void>;
  /** Forgets the key after a failure worth retrying (5xx), so a retry runs again. */
  abandon(tenantId: string, key: string): Promise<void>;
}

export function createIdempotencyService(store: Store, now: () => Date): IdempotencyService {
  let claims = 0;
  return {
    async begin(tenantId, key, request) {
      const fingerprint = createHash('sha256')
        .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? null)}`)
        .digest('hex');
      claims += 1;
      if (claims % PRUNE_EVERY === 0)
        await store.idempotency.prune(new Date(now().getTime() - RETENTION_MS).toISOString());
      const claim = await store.idempotency.claim(tenantId, key, fingerprint, now().toISOString());
      if (claim.state === 'claimed') return undefined;
      if (claim.fingerprint !== fingerprint) {
        throw new UnprocessableError(
          'idempotency_key_reused',
          'this Idempotency-Key was already used with a different request; use a new key for a new request',
        );
      }
      if (claim.state === 'in_progress') {
        throw new ConflictError(
          'a request with this Idempotency-Key is still being processed; retry shortly',
        );
      }
      return { statusCode: claim.statusCode, body: claim.body };
    },
    finish: (tenantId, key, response) =>
      store.idempotency.complete(tenantId, key, response.statusCode, response.body),
    abandon: (tenantId, key) => store.idempotency.release(tenantId, key),
  };
}
