/**
 * The `rel="next"` target of a `Link` header (RFC 8288), as given: often relative, to be resolved
 * against the URL of the response that carried it. GitHub and registries page this way.
 */
export function nextLink(header: unknown): string | undefined {
  if (typeof header !== 'string') return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (match?.[2] && /\brel="?([^"]*\s)?next(\s[^"]*)?"?/.test(match[2])) return match[1];
  }
  return undefined;
}
