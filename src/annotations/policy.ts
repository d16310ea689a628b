import { Type } from '@sinclair/typebox';
import { InvalidInputError } from '../core/errors.js';
import type { ScmAnnotationLevel, ScmStatusState } from '../plugins/contracts.js';
import { SeveritySchema, type Verdict } from './findings.js';
import { isSeverity, SEVERITIES, type Severity, type SeverityCounts } from './severity.js';

/**
 * The gate: which findings fail or warn, and how severities map to annotation levels. The default fails
 * on any critical or high finding and warns on nothing. An integration may set its own policy and a
 * request may override it, field by field. A scanner verdict of `fail` fails regardless of findings;
 * `warn` makes a passing result a warning.
 */

export interface PolicyConfig {
  /** Severities that fail the check, or `never`. */
  readonly failOn?: readonly Severity[] | 'never';
  /** Severities that make the check a warning (neutral). */
  readonly warnOn?: readonly Severity[];
}

/** The JSON Schema of `PolicyConfig`, for request bodies and integration config. */
export const PolicySchema = Type.Object(
  {
    failOn: Type.Optional(
      Type.Union([Type.Array(SeveritySchema, { maxItems: 5, uniqueItems: true }), Type.Literal('never')], {
        description: 'Severities that fail the check, or `never`. Default: critical and high.',
      }),
    ),
    warnOn: Type.Optional(
      Type.Array(SeveritySchema, {
        maxItems: 5,
        uniqueItems: true,
        description: 'Severities that make the check a warning. Default: none.',
      }),
    ),
  },
  { additionalProperties: false, description: 'When a scan fails or warns.' },
);

export interface ResolvedPolicy {
  readonly failOn: readonly Severity[];
  readonly warnOn: readonly Severity[];
}

export const DEFAULT_POLICY: ResolvedPolicy = { failOn: ['critical', 'high'], warnOn: [] };

export const OUTCOMES = ['pass', 'warn', 'fail'] as const;
export type Outcome = (typeof OUTCOMES)[number];
export type CheckRunConclusion = 'success' | 'neutral' | 'failure';

export interface PolicyDecision {
  readonly outcome: Outcome;
  readonly state: ScmStatusState;
  readonly conclusion: CheckRunConclusion;
  readonly counts: SeverityCounts;
  /** Why, in a few words: "2 findings at critical or high", "scanner verdict fail". */
  readonly reason: string;
}

/** Severity → check-run annotation level. */
export type LevelMapping = Readonly<Record<Severity, ScmAnnotationLevel>>;

/** The mapping of reference §7.2: critical/high → failure, medium → warning, low/info → notice. */
export const DEFAULT_LEVEL_MAPPING: LevelMapping = {
  critical: 'failure',
  high: 'failure',
  medium: 'warning',
  low: 'notice',
  info: 'notice',
};

const LEVELS: readonly ScmAnnotationLevel[] = ['notice', 'warning', 'failure'];

/**
 * The effective policy: the request's fields over the integration's over the default.
 *
 * @example
 * resolvePolicy({ failOn: ['critical'] }, { warnOn: ['high'] }); // { failOn: ['critical'], warnOn: ['high'] }
 */
export function resolvePolicy(integration?: PolicyConfig, request?: PolicyConfig): ResolvedPolicy {
  const failOn = request?.failOn ?? integration?.failOn ?? DEFAULT_POLICY.failOn;
  const warnOn = request?.warnOn ?? integration?.warnOn ?? DEFAULT_POLICY.warnOn;
  return {
    failOn: failOn === 'never' ? [] : severityList(failOn, 'policy/failOn'),
    warnOn: severityList(warnOn, 'policy/warnOn'),
  };
}

/** The effective mapping: the given levels over the default. */
export function resolveLevelMapping(
  overrides: Partial<Record<Severity, ScmAnnotationLevel>> = {},
): LevelMapping {
  const mapping = { ...DEFAULT_LEVEL_MAPPING };
  for (const severity of SEVERITIES) {
    const level = Object.hasOwn(overrides, severity) ? overrides[severity] : undefined;
    if (level === undefined) continue;
    if (!LEVELS.includes(level)) {
      throw InvalidInputError.field(`levelMapping/${severity}`, `must be one of ${LEVELS.join(', ')}`);
    }
    mapping[severity] = level;
  }
  return mapping;
}

/**
 * Decides pass, warn or fail from the counts of the findings in scope and the scanner's verdict.
 *
 * @example
 * evaluatePolicy({ critical: 0, high: 1, medium: 0, low: 0, info: 0 }, DEFAULT_POLICY).outcome; // 'fail'
 */
export function evaluatePolicy(
  counts: SeverityCounts,
  policy: ResolvedPolicy,
  verdict?: Verdict,
): PolicyDecision {
  const failing = sum(counts, policy.failOn);
  const warning = sum(counts, policy.warnOn);
  let outcome: Outcome = 'pass';
  let reason = 'no finding at a failing severity';
  if (verdict === 'fail') {
    outcome = 'fail';
    reason = 'scanner verdict fail';
  } else if (failing > 0) {
    outcome = 'fail';
    reason = `${plural(failing, 'finding')} at ${policy.failOn.join(' or ')}`;
  } else if (verdict === 'warn') {
    outcome = 'warn';
    reason = 'scanner verdict warn';
  } else if (warning > 0) {
    outcome = 'warn';
    reason = `${plural(warning, 'finding')} at ${policy.warnOn.join(' or ')}`;
  }
  return {
    outcome,
    state: outcome === 'fail' ? 'failure' : 'success',
    conclusion: outcome === 'fail' ? 'failure' : outcome === 'warn' ? 'neutral' : 'success',
    counts: { ...counts },
    reason,
  };
}

/** `1 finding`, `2 findings`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function sum(counts: SeverityCounts, severities: readonly Severity[]): number {
  let total = 0;
  for (const severity of severities) total += counts[severity];
  return total;
}

function severityList(value: unknown, field: string): Severity[] {
  if (!Array.isArray(value)) throw InvalidInputError.field(field, 'must be a list of severities');
  const out: Severity[] = [];
  for (let index = 0; index < value.length; index++) {
    const severity: unknown = value[index];
    if (!isSeverity(severity)) {
      throw InvalidInputError.field(`${field}/${index}`, `must be one of ${SEVERITIES.join(', ')}`);
    }
    if (!out.includes(severity)) out.push(severity);
  }
  // Most severe first, whatever order the caller used, so reasons read the same every time.
  return SEVERITIES.filter((severity) => out.includes(severity));
}
