import { HttpError } from '../../net/index.js';
import { describeFailure as describeRegistryFailure } from '../oci/index.js';
import { tooManyRequests } from './rate-limit.js';

/**
 * A user-facing sentence for any failure of a Docker Hub operation: the registry's and the API's own
 * words (as the `oci` provider reads them), and for a 429 which one it was: the pull limit
 * (`TOOMANYREQUESTS`) or the anti-abuse protection, since each asks for something else.
 *
 * @example
 * describeFailure(error); // "GET …/manifests/1.0 failed: HTTP 429 …: Docker Hub's pull limit is used up (…)"
 */
export function describeFailure(error: unknown): string {
  if (error instanceof HttpError && error.status === 429) {
    const body = (error.details as { body?: string } | undefined)?.body;
    return `${error.method} ${error.url}: ${tooManyRequests({}, body).message}`;
  }
  return describeRegistryFailure(error);
}
