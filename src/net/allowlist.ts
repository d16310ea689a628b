import { domainToASCII } from 'node:url';
import ipaddr from 'ipaddr.js';
import { ConfigError } from '../core/errors.js';

/** At most this many entries, after GitLab's outbound allowlist limit. */
export const MAX_ALLOWLIST_ENTRIES = 1000;

/** An administrator's egress allowlist: exact hostnames and CIDR blocks (a bare IP is a /32 or /128). */
export interface Allowlist {
  /** Whether the hostname is listed (exact, case-insensitive, trailing dot ignored). */
  hasHost(hostname: string): boolean;
  /**
   * The entry that contains the address, if any. `exact` is true for a single-address entry
   * (/32 or /128), the only kind that may open a cloud metadata address.
   */
  matchAddress(
    address: ipaddr.IPv4 | ipaddr.IPv6,
  ): { readonly entry: string; readonly exact: boolean } | undefined;
}

interface CidrEntry {
  readonly text: string;
  readonly range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  readonly exact: boolean;
}

/**
 * Parses the entries once, at configuration time; a bad entry stops start-up with a message naming it.
 *
 * @example
 * const allowlist = parseAllowlist(['git.corp.example', '10.20.0.0/16']);
 * allowlist.hasHost('GIT.corp.example'); // true
 */
export function parseAllowlist(entries: readonly string[]): Allowlist {
  if (entries.length > MAX_ALLOWLIST_ENTRIES) {
    throw new ConfigError(
      `the egress allowlist has ${entries.length} entries; at most ${MAX_ALLOWLIST_ENTRIES}`,
    );
  }
  const hosts = new Set<string>();
  const cidrs: CidrEntry[] = [];
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    if (entry === '') continue;
    const cidr = parseCidrEntry(entry);
    if (cidr) cidrs.push(cidr);
    else hosts.add(parseHostEntry(entry));
  }
  return {
    hasHost: (hostname) => hosts.has(normalizeHostname(hostname)),
    matchAddress(address) {
      const hit = cidrs.find((cidr) => cidr.range[0].kind() === address.kind() && address.match(cidr.range));
      return hit ? { entry: hit.text, exact: hit.exact } : undefined;
    },
  };
}

/** Lower case, no brackets, no trailing dot: the form hostnames are compared in. */
export function normalizeHostname(hostname: string): string {
  const lower = hostname.toLowerCase();
  const bare = lower.startsWith('[') && lower.endsWith(']') ? lower.slice(1, -1) : lower;
  return bare.endsWith('.') ? bare.slice(0, -1) : bare;
}

function parseCidrEntry(entry: string): CidrEntry | undefined {
  const bare = entry.startsWith('[') && entry.endsWith(']') ? entry.slice(1, -1) : entry;
  if (bare.includes('/')) {
    if (!ipaddr.isValidCIDR(bare)) throw invalid(entry, 'is not a valid CIDR block');
    const range = ipaddr.parseCIDR(bare);
    return { text: entry, range, exact: range[1] === (range[0].kind() === 'ipv4' ? 32 : 128) };
  }
  // Only the plain dotted form counts as an IPv4 entry; `0x7f.1` is a mistake worth reporting.
  if (ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare)) {
    const address = ipaddr.parse(bare);
    return { text: entry, range: [address, address.kind() === 'ipv4' ? 32 : 128], exact: true };
  }
  return undefined;
}

function parseHostEntry(entry: string): string {
  if (entry.includes('*')) throw invalid(entry, 'uses a wildcard; list each hostname');
  if (entry.includes(':')) throw invalid(entry, 'has a port; list ports in the allowed ports setting');
  const ascii = domainToASCII(entry);
  const host = normalizeHostname(ascii);
  if (host === '' || host.length > 253 || !/^[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?$/.test(host)) {
    throw invalid(entry, 'is neither a hostname nor an IP address or CIDR block');
  }
  return host;
}

function invalid(entry: string, problem: string): ConfigError {
  return new ConfigError(`egress allowlist entry '${entry}' ${problem}`);
}
