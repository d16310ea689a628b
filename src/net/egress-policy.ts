import type ipaddr from 'ipaddr.js';
import { type Allowlist, normalizeHostname, parseAllowlist } from './allowlist.js';
import { EgressDeniedError, type EgressRule } from './errors.js';
import { type BlockedRange, classifyAddress, parseAddress } from './ip-ranges.js';
import { redactUrl } from './redact.js';

/**
 * The egress policy: which destinations this process may reach. Every outbound request is checked
 * twice, on its URL (scheme, userinfo, hostname, port, literal IPs) and on every address its name
 * resolves to (`guarded-lookup.ts`). The rules are in README.md in this folder.
 */

/** What an administrator decides; read from the service configuration. */
export interface EgressPolicyOptions {
  /** Open loopback, private, link-local and the other internal ranges (not cloud metadata). */
  readonly allowPrivateNetworks: boolean;
  /** Hostnames (exact, case-insensitive) and CIDR blocks or single IPs that are opened. */
  readonly allowlist: readonly string[];
  /** Allow `http:` URLs (default true: on-prem systems use it). Redirects from https to http stay refused. */
  readonly allowHttp?: boolean;
  /** Ports allowed in addition to 80 and 443. */
  readonly allowedPorts?: readonly number[];
  /** Allow every port (on-premises systems on many ports); addresses are still checked. */
  readonly allowAnyPort?: boolean;
}

/** The checks; each throws `EgressDeniedError` naming the rule, or returns quietly. */
export interface EgressPolicy {
  /** Parses a URL once (WHATWG), refusing control characters that the parser would silently drop. */
  parseUrl(input: string | URL, base?: URL): URL;
  /** Checks scheme, userinfo, hostname, port and (for IP literals) the address. */
  checkUrl(url: URL): void;
  /** Checks a redirect target: no https→http, then `checkUrl`. */
  checkRedirect(from: URL, to: URL): void;
  /** Checks one resolved address of `hostname`. */
  checkAddress(ip: string, hostname: string): void;
}

/** Where an administrator changes the policy; named in refusals so users know whom to ask for what. */
export const EGRESS_SETTINGS = {
  allowlist: 'INTEGRATIONS_EGRESS_ALLOWLIST',
  allowPrivateNetworks: 'INTEGRATIONS_ALLOW_PRIVATE_NETWORKS',
  allowHttp: 'INTEGRATIONS_EGRESS_ALLOW_HTTP',
  allowedPorts: 'INTEGRATIONS_EGRESS_ALLOWED_PORTS',
  allowAnyPort: 'INTEGRATIONS_EGRESS_ALLOW_ANY_PORT',
} as const;

const DEFAULT_PORTS = [80, 443] as const;
/** Control characters in a URL; made once, as a literal in a function is a new object at each call. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them.
const URL_CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
/** Hosts remembered as having passed the host checks; the set starts over when it is full. */
const PASSED_HOSTS_MAX = 1024;
const ADDRESS_HINT = `an administrator can allow it with ${EGRESS_SETTINGS.allowlist} or ${EGRESS_SETTINGS.allowPrivateNetworks}`;
const METADATA_HINT =
  'cloud metadata addresses stay refused even when private networks are allowed; an administrator can ' +
  `allow this exact address only by listing it in ${EGRESS_SETTINGS.allowlist}`;

/**
 * Builds the policy from validated configuration. Bad allowlist entries throw `ConfigError`.
 *
 * @example
 * const policy = createEgressPolicy({ allowPrivateNetworks: false, allowlist: ['git.corp.example'] });
 * policy.checkUrl(policy.parseUrl('https://api.github.com/repos/o/r')); // passes
 * policy.checkUrl(new URL('http://169.254.169.254/latest/meta-data')); // throws EgressDeniedError
 */
export function createEgressPolicy(options: EgressPolicyOptions): EgressPolicy {
  const allowlist: Allowlist = parseAllowlist(options.allowlist);
  const allowHttp = options.allowHttp ?? true;
  const ports = new Set<number>([...DEFAULT_PORTS, ...(options.allowedPorts ?? [])]);
  /**
   * Hostnames of URLs whose host checks (name syntax, literal address) passed. The verdict depends
   * only on the hostname and this policy, which never changes. Remembering it saves the checks at
   * every request, above all the IP parse, which for a DNS name costs about 40 µs (ipaddr.js tries
   * both address families and throws). Resolved addresses are still checked at every connection.
   */
  const passedHosts = new Set<string>();

  /** `target` is what the refusal names: a URL (redacted here, only when refusing) or a hostname. */
  function deny(target: string | URL, rule: EgressRule, reason: string): never {
    const shown = typeof target === 'string' ? target : redactUrl(target);
    throw new EgressDeniedError(rule, `refused ${shown}: ${reason}`);
  }

  function checkResolved(
    target: string | URL,
    address: ipaddr.IPv4 | ipaddr.IPv6,
    hostname: string,
    shown: () => string,
  ) {
    const blocked: BlockedRange | undefined = classifyAddress(address);
    if (!blocked) return;
    const listed = allowlist.matchAddress(normalize(address));
    if (blocked.rule === 'cloud_metadata') {
      if (listed?.exact) return;
    } else if (listed || allowlist.hasHost(hostname) || options.allowPrivateNetworks) {
      return;
    }
    const hint = blocked.rule === 'cloud_metadata' ? METADATA_HINT : ADDRESS_HINT;
    deny(target, blocked.rule, `${shown()} ${blocked.description} (${blocked.cidr}); ${hint}`);
  }

  function checkHostname(target: URL, hostname: string): void {
    if (hostname === '') deny(target, 'hostname', 'the URL has no host');
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is to find them.
    if (/[\u0000-\u0020\u007f]/.test(hostname))
      deny(target, 'hostname', 'the host contains a control character');
    const bare = normalizeHostname(hostname);
    if (bare.length > 253) deny(target, 'hostname', 'the host is longer than 253 characters');
    if (bare.startsWith('-')) deny(target, 'hostname', "the host starts with '-'");
    if (hostname.startsWith('[')) return;
    const labels = bare.split('.');
    if (!labels.every((label) => /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label))) {
      deny(target, 'hostname', 'the host is not a valid DNS name');
    }
    // RFC 6761: these names are the local host whatever DNS says.
    if (bare === 'localhost' || bare.endsWith('.localhost')) {
      if (allowlist.hasHost(bare) || options.allowPrivateNetworks) return;
      deny(target, 'loopback', `${bare} names the local host (127.0.0.0/8); ${ADDRESS_HINT}`);
    }
  }

  function parseUrl(input: string | URL, base?: URL): URL {
    if (typeof input !== 'string') return new URL(input.href);
    // The WHATWG parser drops tabs and newlines silently; a URL that has them is refused instead.
    if (URL_CONTROL_CHARACTERS.test(input)) {
      deny('a URL', 'invalid_url', 'the URL contains a control character (CR, LF, tab or NUL)');
    }
    try {
      return base ? new URL(input, base) : new URL(input);
    } catch {
      return deny('a URL', 'invalid_url', 'the URL is not a valid absolute URL');
    }
  }

  function checkUrl(url: URL): void {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      deny(url, 'scheme', `the scheme ${url.protocol} is not allowed; use https (or http where allowed)`);
    }
    if (url.protocol === 'http:' && !allowHttp) {
      deny(
        url,
        'scheme',
        `http is not allowed; use https (an administrator can allow http with ${EGRESS_SETTINGS.allowHttp})`,
      );
    }
    if (url.username !== '' || url.password !== '') {
      deny(url, 'userinfo', 'credentials in the URL are not allowed; store them as a secret reference');
    }
    const { hostname } = url;
    const knownHost = passedHosts.has(hostname);
    if (!knownHost) checkHostname(url, hostname);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    if (!options.allowAnyPort && !ports.has(port)) {
      const allowed = [...ports].sort((a, b) => a - b).join(', ');
      deny(
        url,
        'port',
        `port ${port} is not allowed (allowed: ${allowed}); an administrator can allow it with ${EGRESS_SETTINGS.allowedPorts} or ${EGRESS_SETTINGS.allowAnyPort}`,
      );
    }
    if (knownHost) return;
    const literal = parseAddress(hostname);
    if (literal) checkResolved(url, literal, hostname, () => literal.toString());
    if (passedHosts.size >= PASSED_HOSTS_MAX) passedHosts.clear();
    passedHosts.add(hostname);
  }

  function checkRedirect(from: URL, to: URL): void {
    if (from.protocol === 'https:' && to.protocol === 'http:') {
      deny(to, 'https_downgrade', `a redirect from https (${from.origin}) to http is not allowed`);
    }
    checkUrl(to);
  }

  function checkAddress(ip: string, hostname: string): void {
    const address = parseAddress(ip);
    if (!address) {
      deny(hostname, 'hostname', `the resolver returned '${ip}', which is not an IP address`);
    }
    const isName = parseAddress(hostname) === undefined;
    const shown = () => (isName ? `it resolves to ${address.toString()}, which` : address.toString());
    checkResolved(hostname, address, hostname, shown);
  }

  return { parseUrl, checkUrl, checkRedirect, checkAddress };
}

/** IPv4-mapped IPv6 answers (`::ffff:10.0.0.1`) are compared as the IPv4 address they are. */
function normalize(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    return (address as ipaddr.IPv6).toIPv4Address();
  }
  return address;
}
