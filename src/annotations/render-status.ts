import { InvalidInputError } from '../core/errors.js';
import type { ScmStatusState } from '../plugins/contracts.js';
import type { Scope } from './diff.js';
import { presentCountsText } from './headline.js';
import type { Outcome, PolicyDecision } from './policy.js';
import { ASCII_ELLIPSIS, cutText, ELLIPSIS, hasAnyControlCharacter, toAscii } from './text.js';

/**
 * The commit status: state from the policy, a description with the counts cut to the platform's limit
 * (GitHub: 140 characters, reference §1.6) on a code point boundary, and the context.
 */

export interface StatusPayload {
  readonly state: ScmStatusState;
  readonly description: string;
  readonly context: string;
}

export interface StatusOptions {
  readonly context: string;
  readonly maxLength: number;
  readonly scope: Scope;
  readonly asciiOnly?: boolean;
}

export const DEFAULT_STATUS_CONTEXT = 'security/scan';

const WORDS: Readonly<Record<Outcome, string>> = {
  fail: 'Failed',
  warn: 'Passed with warnings',
  pass: 'Passed',
};
const SCOPE_WORDS: Readonly<Record<Scope, string>> = {
  all: '',
  'changed-files': ' in changed files',
  'changed-lines': ' on changed lines',
};

/**
 * @example
 * renderStatus(decision, { context: 'security/scan', maxLength: 140, scope: 'all' });
 * // { state: 'failure', description: 'Failed: 2 critical, 1 high', context: 'security/scan' }
 */
export function renderStatus(decision: PolicyDecision, options: StatusOptions): StatusPayload {
  const context = checkName(options.context, 'context');
  const verdict = decision.reason.startsWith('scanner verdict') ? ` (${decision.reason})` : '';
  const text = `${WORDS[decision.outcome]}: ${presentCountsText(decision.counts)}${SCOPE_WORDS[options.scope]}${verdict}`;
  const asciiOnly = options.asciiOnly ?? false;
  const description = cutText(
    asciiOnly ? toAscii(text) : text,
    { chars: options.maxLength },
    asciiOnly ? ASCII_ELLIPSIS : ELLIPSIS,
  );
  return { state: decision.state, description, context };
}

/** A caller-chosen name (status context, check run name): 1 to 255 characters, no control characters. */
export function checkName(value: unknown, field: string): string {
  if (
    typeof value !== 'string' ||
    value.trim() === '' ||
    value.length > 255 ||
    hasAnyControlCharacter(value)
  ) {
    throw InvalidInputError.field(field, 'must be 1 to 255 characters without control characters');
  }
  return value;
}
