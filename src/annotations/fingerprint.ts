import { hash as digest } from 'node:crypto';

/**
 * Line-independent fingerprints, so that a finding keeps its identity when code above it moves and an
 * earlier comment can be found again (reference §7.3: rule + path + normalised content + sequence index;
 * never the line number, which is how reviewdog#1150 duplicated comments on every shift).
 */

/** What a fingerprint is computed from. */
export interface FingerprintSource {
  readonly ruleId: string;
  /** Repository-relative path, or the location as written for findings outside the repository. */
  readonly path?: string;
  readonly message: string;
  /** The matched source text; preferred over the message when present. */
  readonly snippet?: string;
  /** SARIF `partialFingerprints` (e.g. `primaryLocationLineHash`); preferred over everything else. */
  readonly partialFingerprints?: Readonly<Record<string, string>>;
  /** Orders identical findings in one file; never hashed. */
  readonly startLine?: number;
  readonly startColumn?: number;
}

const VERSION = 'v1';
const LENGTH = 32;
const MAX_PARTIAL_FINGERPRINTS = 16;

/**
 * The message with every number replaced by `0` (line references, counts, offsets) and whitespace
 * collapsed, so that "used on line 12" and "used on line 14" compare equal.
 *
 * @example
 * normaliseMessage('Unused  variable at line 12'); // 'Unused variable at line 0'
 */
export function normaliseMessage(message: string): string {
  const numbersReplaced = /\d/.test(message) ? message.replace(/\d+/g, '0') : message;
  // Only collapse when there is something to collapse: most messages are one line with single spaces.
  return /\s\s|[^ \S]|^\s|\s$/.test(numbersReplaced)
    ? numbersReplaced.replace(/\s+/g, ' ').trim()
    : numbersReplaced;
}

/** The content part of the identity: partial fingerprints, else the snippet, else the message. */
export function fingerprintContent(source: FingerprintSource): string {
  return contentOf(source.message, source.snippet, source.partialFingerprints);
}

export function contentOf(
  message: string,
  snippet: string | undefined,
  partialFingerprints: { readonly [key: string]: unknown } | undefined,
): string {
  if (partialFingerprints !== undefined) {
    const parts: string[] = [];
    for (const key of Object.keys(partialFingerprints).sort()) {
      const value = partialFingerprints[key];
      // SARIF values are strings; anything else, or anything absurdly long, is not an identity.
      if (typeof value === 'string' && key.length <= 256 && value.length <= 1024)
        parts.push(`${key}=${value}`);
      if (parts.length === MAX_PARTIAL_FINGERPRINTS) break;
    }
    if (parts.length > 0) return `pf:${parts.join('\n')}`;
  }
  if (snippet !== undefined && snippet.trim() !== '') return `snippet:${snippet.replace(/\s+/g, ' ').trim()}`;
  return `message:${normaliseMessage(message)}`;
}

/** The hash of rule id, path and content: the fingerprint of the first such finding. */
export function identityOf(ruleId: string, path: string | undefined, content: string): string {
  return hash(`${VERSION}\0${ruleId}\0${path ?? ''}\0${content}`);
}

/**
 * One fingerprint per source, in input order: a hash of rule id, path and content, plus the occurrence
 * index among sources with the same triple (ordered by line, column, then input position), so that two
 * identical findings in one file get different fingerprints and both survive a shift of lines.
 *
 * @example
 * const [a, b] = computeFingerprints([
 *   { ruleId: 'G104', path: 'cmd/a.go', message: 'Errors unhandled', startLine: 10 },
 *   { ruleId: 'G104', path: 'cmd/a.go', message: 'Errors unhandled', startLine: 20 },
 * ]); // a !== b; moving both lines keeps a and b
 */
export function computeFingerprints(sources: readonly FingerprintSource[]): string[] {
  const identities = sources.map((source) =>
    identityOf(source.ruleId, source.path, fingerprintContent(source)),
  );
  return withOccurrences(identities, (a, b) =>
    compareByPosition(sources[a] as FingerprintSource, sources[b] as FingerprintSource),
  );
}

/**
 * Fingerprints from identities: the identity itself for the first of its kind, a hash of identity and
 * occurrence index for the others, ordered by `byPosition` (then input position).
 */
export function withOccurrences(
  identities: readonly string[],
  byPosition: (a: number, b: number) => number,
): string[] {
  // Most identities are unique: remember the first index, and make a group only on a repeat.
  const first = new Map<string, number>();
  const groups = new Map<string, number[]>();
  for (let index = 0; index < identities.length; index++) {
    const identity = identities[index] as string;
    const seen = first.get(identity);
    if (seen === undefined) {
      first.set(identity, index);
      continue;
    }
    const group = groups.get(identity);
    if (group === undefined) groups.set(identity, [seen, index]);
    else group.push(index);
  }
  const fingerprints = identities.map((identity) => identity.slice(0, LENGTH));
  for (const [identity, group] of groups) {
    group.sort((a, b) => byPosition(a, b) || a - b);
    for (let occurrence = 0; occurrence < group.length; occurrence++) {
      const index = group[occurrence] as number;
      fingerprints[index] =
        occurrence === 0 ? identity.slice(0, LENGTH) : hash(`${identity}\0${occurrence}`).slice(0, LENGTH);
    }
  }
  return fingerprints;
}

function compareByPosition(a: FingerprintSource, b: FingerprintSource): number {
  return (a.startLine ?? 0) - (b.startLine ?? 0) || (a.startColumn ?? 0) - (b.startColumn ?? 0);
}

function hash(text: string): string {
  return digest('sha256', text, 'hex');
}
