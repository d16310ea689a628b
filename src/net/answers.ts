import { ERROR_BODY_BYTES, type ReadMode, type ReadModes } from './exchange.js';
import { isFollowableRedirect } from './redirects.js';

const EXCERPT: ReadMode = { kind: 'excerpt', limit: ERROR_BODY_BYTES };
const DISCARD: ReadMode = { kind: 'discard', limit: ERROR_BODY_BYTES };

/**
 * Which answers a call hands back to its caller (2xx, 304, its `okStatuses`, and redirects it does
 * not follow) and how each answer's body is read: in full up to the size limit, an excerpt of a
 * failure, nothing of a redirect being followed. One object per call, or one per client for calls
 * that change none of the defaults.
 */
export class AnswerRules implements ReadModes {
  readonly #follow: boolean;
  readonly #okStatuses: readonly number[];
  readonly #full: ReadMode;

  constructor(follow: boolean, okStatuses: readonly number[], limit: number) {
    this.#follow = follow;
    this.#okStatuses = okStatuses;
    this.#full = { kind: 'full', limit };
  }

  /** Whether the answer goes back to the caller rather than being a failure. */
  accepts(status: number, headers: Readonly<Record<string, string>>): boolean {
    if ((status >= 200 && status < 300) || status === 304 || this.#okStatuses.includes(status)) return true;
    return this.#follow ? isFollowableRedirect(status, headers) : status >= 300 && status < 400;
  }

  readMode(status: number, headers: Readonly<Record<string, string>>): ReadMode {
    if (this.#follow && isFollowableRedirect(status, headers)) return DISCARD;
    return this.accepts(status, headers) ? this.#full : EXCERPT;
  }

  /** Whether redirects are followed (`redirect: 'follow'`). */
  get follows(): boolean {
    return this.#follow;
  }
}
