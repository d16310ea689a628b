import { UpstreamError } from '../../core/errors.js';
import { HttpError } from '../../net/index.js';

/**
 * Why the registry or its token service would not let us in: `refused`, the credential itself was
 * turned down (a rotated credential is worth resolving again); `not_granted`, it was accepted but
 * lacks the grant asked for; `missing`, the registry wants credentials the integration does not
 * have; `realm`, the registry asked to send them where they may not go.
 */
export type RegistryAuthReason = 'refused' | 'not_granted' | 'missing' | 'realm';

export class RegistryAuthError extends UpstreamError {
  override readonly code = 'registry_auth_failed';
  readonly reason: RegistryAuthReason;

  constructor(message: string, options: { reason: RegistryAuthReason; cause?: unknown }) {
    super(message, { isTransient: false, cause: options.cause });
    this.reason = options.reason;
  }
}

/** The registry answered, but not as the distribution API says it must. */
export class RegistryProtocolError extends UpstreamError {
  override readonly code = 'registry_invalid_response';

  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { isTransient: false, cause: options.cause });
  }
}

/** The error codes of the distribution API's error body (`{"errors":[{"code","message"}]}`). */
export interface RegistryErrorEntry {
  readonly code: string;
  readonly message: string;
}

/** The error entries of a registry's answer, or none when the body is not the API's error JSON. */
export function registryErrorsOf(body: Buffer | string | undefined): RegistryErrorEntry[] {
  if (body === undefined || body.length === 0 || body.length > 64 * 1024) return [];
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as unknown;
    const errors = (parsed as { errors?: unknown })?.errors;
    if (!Array.isArray(errors)) return [];
    return errors.flatMap((entry: unknown) => {
      const { code, message } = (entry ?? {}) as { code?: unknown; message?: unknown };
      return typeof code === 'string'
        ? [{ code, message: typeof message === 'string' ? message.slice(0, 200) : '' }]
        : [];
    });
  } catch {
    return [];
  }
}

/** `HTTP 404 (NAME_UNKNOWN: repository name not known to registry)`, for messages. */
export function describeAnswer(status: number, body: Buffer | undefined): string {
  const entries = registryErrorsOf(body);
  if (entries.length === 0) return `HTTP ${status}`;
  return `HTTP ${status} (${entries.map((entry) => `${entry.code}${entry.message ? `: ${entry.message}` : ''}`).join('; ')})`;
}

/** A user-facing sentence for any failure of a registry operation. */
export function describeFailure(error: unknown): string {
  if (error instanceof HttpError) {
    const details = error.details as { body?: string } | undefined;
    const entries = registryErrorsOf(details?.body);
    const codes = entries.length ? ` (${entries.map((entry) => entry.code).join(', ')})` : '';
    return `${error.message}${codes}`;
  }
  return error instanceof Error ? error.message : String(error);
}
