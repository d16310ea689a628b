import { InvalidInputError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';

/** Opaque cursor of the list endpoints: the last id of the previous page. */
export function encodePageToken(lastId: string): string {
  return Buffer.from(JSON.stringify({ after: lastId })).toString('base64url');
}

export function decodePageToken(token: string): string {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof decoded.after === 'string' && isUuid(decoded.after)) return decoded.after;
  } catch {
    // fall through to the error below
  }
  throw InvalidInputError.field('/query/pageToken', 'is not a token this service handed out');
}
