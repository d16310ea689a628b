import { type FaultTally, seededRandom } from '../github/fake-github.js';
import type { FakeRequest, FakeResponse, Fault } from '../openapi/contract-server.js';

/**
 * Transient failures GitLab gives, for `injectRandomFaults`: a 500 after the write was made, the proxy's
 * 502 and 503 pages, the throttle's 429 with `Retry-After` and `RateLimit-*` and without any of them (as
 * gitlab.com sometimes answers, gitlab-org/gitlab#365728), and 409 "Resource lock" on a POST.
 */

/** One kind of failure `injectRandomFaults` picks from. */
export interface GitLabRandomFault {
  /** Label in the tally. */
  readonly kind: string;
  /** A function is asked when the fault fires (headers that depend on the clock). */
  readonly response: FakeResponse | ((nowMs: number) => FakeResponse);
  /** The handler runs first and its answer is lost. */
  readonly afterHandling?: boolean;
  /** Only requests of these methods (default: any). */
  readonly methods?: readonly string[];
}

const page = (status: number, title: string): FakeResponse => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8' },
  body: `<!DOCTYPE html>\n<html><head><title>${title}</title></head><body><h1>${title}</h1></body></html>\n`,
});

/** GitLab's transient failures, picked with equal chance (the 409 only for a POST). */
export const TRANSIENT_FAULTS: readonly GitLabRandomFault[] = [
  {
    kind: '500 after the write',
    response: { status: 500, body: { message: '500 Internal Server Error' } },
    afterHandling: true,
  },
  { kind: '502', response: page(502, '502 Bad Gateway') },
  { kind: '503', response: page(503, '503 Service Unavailable') },
  {
    kind: '429 Retry-After and RateLimit',
    response: (nowMs) => {
      const reset = Math.floor(nowMs / 1000) + 2;
      return {
        status: 429,
        headers: {
          'retry-after': '2',
          'ratelimit-name': 'throttle_authenticated_api',
          'ratelimit-limit': '2000',
          'ratelimit-observed': '2000',
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(reset),
          'ratelimit-resettime': new Date(reset * 1000).toUTCString(),
        },
        body: 'Retry later\n',
      };
    },
  },
  { kind: '429 without headers', response: { status: 429, body: 'Retry later\n' } },
  {
    kind: '409 Resource lock',
    response: { status: 409, body: { message: 'Resource lock' } },
    methods: ['POST'],
  },
];

/** Which requests fail, how often, and with what. */
export interface GitLabRandomFaultOptions {
  /** Share of the selected requests that fail, 0–1. */
  readonly rate: number;
  /** The same seed and the same requests give the same faults. */
  readonly seed: number;
  /** Default `TRANSIENT_FAULTS`, picked with equal chance among those the request's method allows. */
  readonly faults?: readonly GitLabRandomFault[];
  /** Which requests may fail (default: all). */
  readonly match?: (request: FakeRequest) => boolean;
}

/**
 * A fault for `inject` that fails a seeded share of requests, and the tally it keeps.
 *
 * @example
 * const { fault, tally } = randomFaults({ rate: 0.2, seed: 7 }, Date.now);
 * server.inject(fault);
 */
export function randomFaults(
  options: GitLabRandomFaultOptions,
  now: () => number,
): { readonly fault: Fault; readonly tally: FaultTally } {
  const random = seededRandom(options.seed);
  const kinds = options.faults ?? TRANSIENT_FAULTS;
  const tally: FaultTally = { candidates: 0, injected: 0, byKind: {} };
  let picked: GitLabRandomFault | undefined;
  const fault: Fault = {
    match(request) {
      if (options.match && !options.match(request)) return false;
      tally.candidates += 1;
      // Two draws per request whatever happens, so one decision never shifts the next.
      const fails = random() < options.rate;
      const draw = random();
      const allowed = kinds.filter((kind) => !kind.methods || kind.methods.includes(request.method));
      const kind = allowed[Math.floor(draw * allowed.length)];
      if (!fails || !kind) return false;
      picked = kind;
      tally.injected += 1;
      tally.byKind[kind.kind] = (tally.byKind[kind.kind] ?? 0) + 1;
      return true;
    },
    response: () => {
      const response = (picked as GitLabRandomFault).response;
      return typeof response === 'function' ? response(now()) : response;
    },
    afterHandling: () => picked?.afterHandling ?? false,
  };
  return { fault, tally };
}
