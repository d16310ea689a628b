import { createHmac, randomBytes } from 'node:crypto';
import { UnprocessableError } from '../core/errors.js';
import { type CredentialRetryOptions, withCredentialRetry } from './credential-retry.js';
import type { ResolveContext, ResolvedCredential, SecretResolver } from './resolver.js';
import { Secret, SecretBundle, type SecretValue } from './secret.js';
import type { SecretInput } from './stores/contract.js';

/**
 * What a plugin gets for one operation on one integration: its credential, resolved on demand
 * through the resolver (cached, audited with the operation's purpose), never the reference's store
 * or any other tenant's. The catalog makes one per operation (`createCredentialsAccessor`).
 */
export interface CredentialsAccessor {
  /** Whether the integration has a credential reference at all. */
  readonly configured: boolean;
  /** The credential with its version and fingerprint. */
  get(): Promise<ResolvedCredential>;
  /** One value: the credential itself, or the bundle's `field`. */
  secret(field?: string): Promise<Secret>;
  /** Named fields (`authref://…` without `#key` to an object secret). */
  bundle(): Promise<SecretBundle>;
  /** `withCredentialRetry` for this credential: re-resolve once when the outside system refuses it. */
  withRetry<T>(
    fn: (credential: ResolvedCredential) => Promise<T>,
    options?: CredentialRetryOptions<T>,
  ): Promise<T>;
  /** Drop the cached value (after a refusal handled without `withRetry`). */
  invalidate(): void;
}

/**
 * @example
 * const credentials = createCredentialsAccessor(resolver, integration.authRef, {
 *   tenantId: integration.tenantId, actor: 'system', integrationId: integration.id, purpose: 'health', signal,
 * });
 * const token = await credentials.secret();
 */
export function createCredentialsAccessor(
  resolver: SecretResolver,
  authRef: string | null,
  context: ResolveContext,
): CredentialsAccessor {
  const require = (): string => {
    if (authRef === null) {
      throw new UnprocessableError(
        'credentials_missing',
        'the integration has no credential reference (authRef)',
      );
    }
    return authRef;
  };
  return {
    configured: authRef !== null,
    get: async () => resolver.resolve(require(), context),
    secret: async (field) => pickSecret((await resolver.resolve(require(), context)).value, field),
    bundle: async () => pickBundle((await resolver.resolve(require(), context)).value),
    withRetry: async (fn, options) => withCredentialRetry(resolver, require(), context, fn, options),
    invalidate() {
      if (authRef !== null) resolver.invalidate(authRef, context);
    },
  };
}

/**
 * Credentials handed in with a request and not stored (testing a registration before it is saved):
 * the same accessor, over a value that lives only as long as the operation. Nothing to re-resolve.
 */
export function createInlineCredentialsAccessor(input: SecretInput): CredentialsAccessor {
  const value = typeof input === 'string' ? Secret.from(input) : SecretBundle.fromStrings(input);
  const credential: ResolvedCredential = {
    ref: 'inline',
    store: 'inline',
    value,
    version: null,
    fingerprint: inlineFingerprint(input),
    source: 'store',
  };
  return {
    configured: true,
    get: async () => credential,
    secret: async (field) => pickSecret(value, field),
    bundle: async () => pickBundle(value),
    withRetry: async (fn) => fn(credential),
    invalidate() {},
  };
}

/** Keys the fingerprints of inline values; made at start-up, never stored, so they mean nothing elsewhere. */
const INLINE_FINGERPRINT_KEY = randomBytes(32);

/**
 * Equal inline values, equal fingerprints (as the resolver's are for stored ones), so caches keyed by a
 * credential's fingerprint never hand one value's token to another.
 */
function inlineFingerprint(input: SecretInput): string {
  const canonical =
    typeof input === 'string'
      ? `value:${input}`
      : `fields:${JSON.stringify(Object.entries(input).sort(([a], [b]) => (a < b ? -1 : 1)))}`;
  return createHmac('sha256', INLINE_FINGERPRINT_KEY).update(canonical).digest('base64url');
}

function pickSecret(value: SecretValue, field: string | undefined): Secret {
  if (value instanceof Secret && field === undefined) return value;
  if (value instanceof SecretBundle && field !== undefined) return value.require(field);
  throw new UnprocessableError(
    'credentials_shape',
    value instanceof Secret
      ? `the credential is one value, not an object with the field '${field}'`
      : 'the credential is an object of named fields; ask for one of them (or add #key to the reference)',
  );
}

function pickBundle(value: SecretValue): SecretBundle {
  if (value instanceof SecretBundle) return value;
  throw new UnprocessableError(
    'credentials_shape',
    'the credential is one value, not an object of named fields',
  );
}

/** The accessor of an integration without credentials (or a test that needs none): every read refuses. */
export const noCredentials: CredentialsAccessor = {
  configured: false,
  get: async () => {
    throw missing();
  },
  secret: async () => {
    throw missing();
  },
  bundle: async () => {
    throw missing();
  },
  withRetry: async () => {
    throw missing();
  },
  invalidate() {},
};

function missing(): UnprocessableError {
  return new UnprocessableError(
    'credentials_missing',
    'the integration has no credential reference (authRef)',
  );
}
