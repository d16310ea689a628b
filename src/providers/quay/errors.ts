import type { HttpResponse } from '../../net/index.js';
import { RegistryProtocolError } from '../oci/index.js';

/**
 * Quay's API error body (`ApiError` in its description): `error_type` (`invalid_token`,
 * `insufficient_scope`, `not_found`, `invalid_request`, …) and `detail` (or the older
 * `error_message`), with `status` and `title`. Kept in messages, truncated; never a credential.
 */

const MAX_ERROR_BODY = 64 * 1024;

export interface QuayErrorWords {
  readonly type?: string;
  readonly detail?: string;
}

/** The error words of a Quay API answer, or none when the body is not Quay's error JSON. */
export function quayErrorOf(body: Buffer | string | undefined): QuayErrorWords {
  if (body === undefined || body.length === 0 || body.length > MAX_ERROR_BODY) return {};
  try {
    const parsed = JSON.parse(typeof body === 'string' ? body : body.toString('utf8')) as Record<
      string,
      unknown
    > | null;
    if (!parsed || typeof parsed !== 'object') return {};
    const text = (value: unknown) =>
      typeof value === 'string' && value !== '' ? value.slice(0, 200) : undefined;
    const type = text(parsed.error_type) ?? text(parsed.title);
    const detail = text(parsed.detail) ?? text(parsed.error_message) ?? text(parsed.message);
    return { ...(type ? { type } : {}), ...(detail ? { detail } : {}) };
  } catch {
    return {};
  }
}

/** `HTTP 403 (insufficient_scope: Unauthorized)`, for messages. */
export function describeQuayAnswer(response: Pick<HttpResponse, 'status' | 'body'>): string {
  const { type, detail } = quayErrorOf(response.body);
  const words = [type, detail].filter(Boolean).join(': ');
  return words ? `HTTP ${response.status} (${words})` : `HTTP ${response.status}`;
}

/** The JSON body of a Quay answer, or a permanent error naming the request. */
export function jsonOf(response: HttpResponse, what: string): unknown {
  try {
    return response.json();
  } catch {
    throw new RegistryProtocolError(`Quay's ${what} did not answer JSON (HTTP ${response.status})`);
  }
}
