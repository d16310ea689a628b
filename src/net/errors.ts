import { UpstreamError } from '../core/errors.js';
import { redactUrl } from './redact.js';

/**
 * The rules the egress policy enforces; a refusal names one of them (also the `rule` label of
 * `integrations_egress_denied_total`, so the set stays small and fixed).
 */
export const EGRESS_RULES = [
  'invalid_url',
  'scheme',
  'https_downgrade',
  'userinfo',
  'hostname',
  'port',
  'cloud_metadata',
  'unspecified',
  'loopback',
  'private',
  'carrier_grade_nat',
  'link_local',
  'multicast',
  'broadcast',
  'reserved',
  'unique_local',
  'site_local',
  'nat64',
  '6to4',
  'teredo',
] as const;
export type EgressRule = (typeof EGRESS_RULES)[number];

/**
 * The egress policy refused a destination. Permanent: the same request is refused again until an
 * administrator changes the policy, which the message says how to do.
 *
 * @example
 * throw new EgressDeniedError('private', 'refused https://10.0.0.5/: 10.0.0.5 is in a private network (10.0.0.0/8)');
 */
export class EgressDeniedError extends UpstreamError {
  override readonly code: 'egress_denied';
  readonly rule: EgressRule;

  constructor(rule: EgressRule, message: string) {
    super(message, { isTransient: false, details: { rule } });
    this.code = 'egress_denied';
    this.rule = rule;
  }
}

/**
 * Nothing was sent because the service runs offline. Callers report this as `skippedOffline`
 * rather than as a failure.
 */
export class OfflineError extends UpstreamError {
  override readonly code: 'offline';
  readonly method: string;
  /** The destination, redacted. */
  readonly url: string;

  constructor(method: string, url: string | URL) {
    const shown = redactUrl(url);
    super(`offline mode: ${method} ${shown} was not sent`, { isTransient: false });
    this.code = 'offline';
    this.method = method;
    this.url = shown;
  }
}

/** A circuit breaker refused a request without sending it; `retryAt` is when it lets one through. */
export class CircuitOpenError extends UpstreamError {
  override readonly code: 'circuit_open';
  readonly origin: string;
  readonly retryAt: Date;

  constructor(origin: string, retryAt: Date, failures: number) {
    super(
      `circuit open for ${origin} after ${failures} consecutive failures; ` +
        `the next attempt is allowed at ${retryAt.toISOString()}`,
      { isTransient: true, details: { origin, retryAt: retryAt.toISOString() } },
    );
    this.code = 'circuit_open';
    this.origin = origin;
    this.retryAt = retryAt;
  }
}
