import type { Severity } from '../severity.js';
import { type JsonObject, own, ownObject, ownString } from './json.js';

/**
 * A SARIF result's severity. A `security-severity` score (the CVSS-like number GitHub code scanning reads
 * from result or rule `properties`) wins; otherwise the level: the result's own, else the rule's
 * `defaultConfiguration.level`, else `none` for results whose `kind` is not `fail`, else `warning`
 * (SARIF 2.1.0 §3.27.10).
 */

export const SARIF_LEVELS = ['error', 'warning', 'note', 'none'] as const;
export type SarifLevel = (typeof SARIF_LEVELS)[number];

const BY_LEVEL: Readonly<Record<SarifLevel, Severity>> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'info',
};

/**
 * critical ≥ 9.0, high ≥ 7.0, medium ≥ 4.0, low > 0, info at 0; undefined when the value is not a number
 * from 0 to 10 (strings such as `"7.5"` are read, as tools write them).
 *
 * @example
 * severityFromScore('9.8'); // 'critical'
 */
export function severityFromScore(value: unknown): Severity | undefined {
  let score: number;
  if (typeof value === 'number') score = value;
  else if (typeof value === 'string' && /^\s*\d{1,2}(?:\.\d+)?\s*$/.test(value)) score = Number(value);
  else return undefined;
  if (!Number.isFinite(score) || score < 0 || score > 10) return undefined;
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'info';
}

export function isSarifLevel(value: unknown): value is SarifLevel {
  return typeof value === 'string' && (SARIF_LEVELS as readonly string[]).includes(value);
}

/** What a rule says about the severity of its results, read once per rule. */
export interface RuleSeverity {
  /** From the rule's `properties["security-severity"]`. */
  readonly score: Severity | undefined;
  /** The rule's `defaultConfiguration.level`. */
  readonly level: SarifLevel | undefined;
}

export function ruleSeverity(rule: JsonObject | undefined): RuleSeverity {
  const level = own(ownObject(rule, 'defaultConfiguration'), 'level');
  return {
    score: severityFromScore(own(ownObject(rule, 'properties'), 'security-severity')),
    level: isSarifLevel(level) ? level : undefined,
  };
}

/** The effective SARIF level of a result. */
export function effectiveLevel(result: JsonObject, rule: RuleSeverity): SarifLevel {
  const level = own(result, 'level');
  if (isSarifLevel(level)) return level;
  if (rule.level !== undefined) return rule.level;
  const kind = ownString(result, 'kind');
  if (kind !== undefined && kind !== 'fail') return 'none';
  return 'warning';
}

/** The severity of a result: security-severity first (result, then rule), then the level. */
export function resultSeverity(result: JsonObject, rule: RuleSeverity): Severity {
  const properties = ownObject(result, 'properties');
  const score =
    properties === undefined ? undefined : severityFromScore(own(properties, 'security-severity'));
  return score ?? rule.score ?? BY_LEVEL[effectiveLevel(result, rule)];
}
