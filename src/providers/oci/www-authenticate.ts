/**
 * `WWW-Authenticate` as registries send it (RFC 9110 §11.6.1): several challenges in one header, or
 * in several headers joined with commas, each a scheme and then either auth-params or a token68.
 * Commas separate both parameters and challenges, and quoted values hold commas of their own
 * (`scope="repository:a:pull,push"`), so the header is tokenised, never split on commas.
 */

export interface Challenge {
  /** Lower case: `bearer`, `basic`, … */
  readonly scheme: string;
  /** Parameter names in lower case; values unquoted. */
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

type Token =
  | { readonly kind: 'word'; readonly text: string }
  | { readonly kind: 'quoted'; readonly text: string }
  | { readonly kind: '=' }
  | { readonly kind: ',' };

/**
 * RFC 9110 tchar, the token68 characters `/` and `+` (`=` is a token of its own), and `:`, `?` and
 * `@`, so that an unquoted URL (not allowed, but sent) stays one value.
 */
const WORD = /[A-Za-z0-9!#$%&'*+\-.^_`|~/:?@]/;

function tokenise(header: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < header.length) {
    const char = header[at]!;
    if (char === ' ' || char === '\t') {
      at += 1;
    } else if (char === '=' || char === ',') {
      tokens.push({ kind: char });
      at += 1;
    } else if (char === '"') {
      let text = '';
      at += 1;
      while (at < header.length && header[at] !== '"') {
        if (header[at] === '\\' && at + 1 < header.length) at += 1;
        text += header[at];
        at += 1;
      }
      // An unterminated quote takes the rest of the header as its value.
      at += 1;
      tokens.push({ kind: 'quoted', text });
    } else if (WORD.test(char)) {
      let end = at + 1;
      while (end < header.length && WORD.test(header[end]!)) end += 1;
      tokens.push({ kind: 'word', text: header.slice(at, end) });
      at = end;
    } else {
      // A character no challenge may hold: skip it rather than refuse the whole header.
      at += 1;
    }
  }
  return tokens;
}

/**
 * Parses every challenge of a `WWW-Authenticate` value. Malformed pieces are skipped, never thrown:
 * the caller decides what a missing challenge means.
 *
 * @example
 * parseChallenges('Bearer realm="https://auth.example/token",service="registry",scope="repository:a:pull,push"')
 * // → [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry', scope: 'repository:a:pull,push' } }]
 */
export function parseChallenges(header: string | undefined): Challenge[] {
  if (!header) return [];
  const tokens = tokenise(header);
  const challenges: Challenge[] = [];
  let current: { scheme: string; params: Record<string, string>; token68?: string } | undefined;
  let at = 0;
  const peek = (offset = 0) => tokens[at + offset];
  while (at < tokens.length) {
    const token = peek()!;
    if (token.kind === ',') {
      at += 1;
      continue;
    }
    if (token.kind !== 'word') {
      at += 1;
      continue;
    }
    const next = peek(1);
    const value = peek(2);
    if (current && next?.kind === '=' && (value?.kind === 'word' || value?.kind === 'quoted')) {
      // name=value: a parameter of the current challenge. The first of a name wins.
      const name = token.text.toLowerCase();
      if (!(name in current.params)) current.params[name] = value.text;
      at += 3;
      continue;
    }
    if (current && current.token68 === undefined && Object.keys(current.params).length === 0) {
      const previous = tokens[at - 1];
      if (previous?.kind === 'word' && (next === undefined || next.kind === '=' || next.kind === ',')) {
        // A token68 right after the scheme, with its trailing `=` padding.
        let text = token.text;
        at += 1;
        while (peek()?.kind === '=') {
          text += '=';
          at += 1;
        }
        current.token68 = text;
        continue;
      }
    }
    // Anything else that is a word starts a new challenge.
    current = { scheme: token.text.toLowerCase(), params: Object.create(null) as Record<string, string> };
    challenges.push(current);
    at += 1;
  }
  return challenges;
}

/** Registry scopes: `repository:<name>:<actions>`, `registry:catalog:*`. */
export interface Scope {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/**
 * Splits a challenge's `scope` (several scopes are separated by spaces) into scopes. A resource name
 * may hold a colon (a registry host with a port), so the type is before the first colon and the
 * actions after the last.
 */
export function parseScopes(value: string | undefined): Scope[] {
  if (!value) return [];
  const scopes: Scope[] = [];
  for (const part of value.split(' ')) {
    const first = part.indexOf(':');
    const last = part.lastIndexOf(':');
    if (first <= 0 || last === first) continue;
    const actions = part
      .slice(last + 1)
      .split(',')
      .filter((action) => action !== '');
    scopes.push({ type: part.slice(0, first), name: part.slice(first + 1, last), actions });
  }
  return scopes;
}

export function formatScope(scope: Scope): string {
  return `${scope.type}:${scope.name}:${scope.actions.join(',')}`;
}

/**
 * Merges scopes: one entry per resource, actions united. `first` comes first, because some token
 * servers read only the first scope.
 */
export function mergeScopes(first: readonly Scope[], rest: readonly Scope[]): Scope[] {
  const merged = new Map<string, { type: string; name: string; actions: Set<string> }>();
  for (const scope of [...first, ...rest]) {
    const key = `${scope.type}:${scope.name}`;
    const entry = merged.get(key) ?? { type: scope.type, name: scope.name, actions: new Set<string>() };
    for (const action of scope.actions) entry.actions.add(action);
    merged.set(key, entry);
  }
  return [...merged.values()].map(({ type, name, actions }) => ({ type, name, actions: [...actions] }));
}
