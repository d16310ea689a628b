import ipaddr from 'ipaddr.js';
import type { EgressRule } from './errors.js';

/**
 * The classifier behind the egress policy: which special range an IP address is in. A public
 * unicast address is in none. Explicit table first (so messages name the range), then anything
 * ipaddr.js does not call `unicast`, then IPv6 outside global unicast `2000::/3`.
 * Ranges from the IANA special-purpose address registries (RFC 6890) and the clouds' metadata docs.
 */

/** Why an address is refused: the rule, the range it fell in, and a phrase for the message. */
export interface BlockedRange {
  readonly rule: EgressRule;
  readonly cidr: string;
  /** Completes "<address> …", e.g. `is in a private network`. */
  readonly description: string;
}

type Range = BlockedRange & { readonly parsed: [ipaddr.IPv4 | ipaddr.IPv6, number] };

const METADATA = 'is a cloud metadata address';

function table(rows: readonly (readonly [string, EgressRule, string])[]): Range[] {
  return rows.map(([cidr, rule, description]) => ({
    cidr,
    rule,
    description,
    parsed: ipaddr.parseCIDR(cidr),
  }));
}

const IPV4: Range[] = table([
  ['169.254.169.254/32', 'cloud_metadata', METADATA], // AWS, GCP, Azure, OpenStack IMDS
  ['169.254.170.2/32', 'cloud_metadata', METADATA], // AWS ECS task metadata
  ['169.254.170.23/32', 'cloud_metadata', METADATA], // AWS EKS Pod Identity agent
  ['100.100.100.200/32', 'cloud_metadata', METADATA], // Alibaba Cloud
  ['0.0.0.0/8', 'unspecified', "is in the 'this network' range"],
  ['127.0.0.0/8', 'loopback', 'is a loopback address'],
  ['10.0.0.0/8', 'private', 'is in a private network'],
  ['172.16.0.0/12', 'private', 'is in a private network'],
  ['192.168.0.0/16', 'private', 'is in a private network'],
  ['100.64.0.0/10', 'carrier_grade_nat', 'is in the carrier-grade NAT range'],
  ['169.254.0.0/16', 'link_local', 'is a link-local address'],
  ['224.0.0.0/4', 'multicast', 'is a multicast address'],
  ['255.255.255.255/32', 'broadcast', 'is the broadcast address'],
]);

const IPV6: Range[] = table([
  ['fd00:ec2::254/128', 'cloud_metadata', METADATA], // AWS IMDS over IPv6
  ['fd00:ec2::23/128', 'cloud_metadata', METADATA], // AWS EKS Pod Identity agent over IPv6
  ['::/128', 'unspecified', 'is the unspecified address'],
  ['::1/128', 'loopback', 'is a loopback address'],
  ['fe80::/10', 'link_local', 'is a link-local address'],
  ['fec0::/10', 'site_local', 'is a site-local address'],
  ['fc00::/7', 'unique_local', 'is a unique local address'],
  ['ff00::/8', 'multicast', 'is a multicast address'],
  ['64:ff9b::/96', 'nat64', 'is a NAT64 address that reaches IPv4 networks'],
  ['64:ff9b:1::/48', 'nat64', 'is a NAT64 address that reaches IPv4 networks'],
  ['2002::/16', '6to4', 'is a 6to4 address that reaches IPv4 networks'],
  ['2001::/32', 'teredo', 'is a Teredo address that tunnels to IPv4 networks'],
]);

const GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Parses an address in any form ipaddr.js accepts (including `0x7f.1`-style IPv4), or undefined.
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  try {
    return ipaddr.parse(bare);
  } catch {
    return undefined;
  }
}

/** Whether `text` is an IP literal (IPv4 in any numeric form, or IPv6 with or without brackets). */
export function isIpLiteral(text: string): boolean {
  return parseAddress(text) !== undefined;
}

/**
 * The range that makes an address unsafe to reach, or undefined for a public unicast address.
 * IPv6 forms that embed an IPv4 address (mapped, compatible, translated) are classified by the
 * embedded address; NAT64, 6to4 and Teredo are refused outright, as metadata when they embed it.
 *
 * @example
 * classifyAddress('::ffff:a9fe:a9fe')?.rule; // 'cloud_metadata'
 * classifyAddress('93.184.216.34'); // undefined
 */
export function classifyAddress(address: ipaddr.IPv4 | ipaddr.IPv6): BlockedRange | undefined {
  if (address.kind() === 'ipv4') return classifyIPv4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  const embedded = embeddedIPv4(v6);
  if (embedded) {
    const inner = classifyIPv4(embedded);
    if (!inner) return undefined;
    return { ...inner, description: `embeds ${embedded.toString()}, which ${inner.description}` };
  }
  const row = IPV6.find((range) => v6.match(range.parsed));
  if (row) return tunnelToMetadata(v6, row) ?? strip(row);
  const special = v6.range();
  if (special !== 'unicast') return reserved(v6, special);
  if (!v6.match(GLOBAL_UNICAST)) {
    return { rule: 'reserved', cidr: '2000::/3', description: 'is outside global unicast space' };
  }
  return undefined;
}

function classifyIPv4(v4: ipaddr.IPv4): BlockedRange | undefined {
  const row = IPV4.find((range) => v4.match(range.parsed));
  if (row) return strip(row);
  const special = v4.range();
  return special === 'unicast' ? undefined : reserved(v4, special);
}

/** The IPv4 address inside `::ffff:a.b.c.d`, `::ffff:0:a.b.c.d` and `::a.b.c.d`, if any. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = v6.parts;
  const zeroPrefix = (n: number) => p.slice(0, n).every((part) => part === 0);
  const mapped = zeroPrefix(5) && p[5] === 0xffff;
  const translated = zeroPrefix(4) && p[4] === 0xffff && p[5] === 0;
  // IPv4-compatible (deprecated); `::` and `::1` keep their own meaning.
  const compatible = zeroPrefix(6) && (p[6] !== 0 || (p[7] ?? 0) > 1);
  return mapped || translated || compatible ? ipv4From(p[6] ?? 0, p[7] ?? 0) : undefined;
}

/** NAT64, 6to4 and Teredo addresses that lead to a metadata address are refused as metadata. */
function tunnelToMetadata(v6: ipaddr.IPv6, row: Range): BlockedRange | undefined {
  const p = v6.parts.map((part) => part ?? 0);
  const candidates: ipaddr.IPv4[] = [];
  if (row.rule === 'nat64') candidates.push(ipv4From(p[6]!, p[7]!));
  if (row.rule === '6to4') candidates.push(ipv4From(p[1]!, p[2]!));
  // Teredo: server in bits 32–63, client obfuscated (inverted) in bits 96–127.
  if (row.rule === 'teredo')
    candidates.push(ipv4From(p[2]!, p[3]!), ipv4From(~p[6]! & 0xffff, ~p[7]! & 0xffff));
  for (const candidate of candidates) {
    const inner = classifyIPv4(candidate);
    if (inner?.rule === 'cloud_metadata') {
      return {
        ...inner,
        description: `${row.description} and embeds ${candidate.toString()}, which ${METADATA}`,
      };
    }
  }
  return undefined;
}

function ipv4From(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}

function reserved(address: ipaddr.IPv4 | ipaddr.IPv6, special: string): BlockedRange {
  // ipaddr.js keeps its ranges on the prototype without typing them.
  const all = (address as unknown as { SpecialRanges: Record<string, unknown[]> }).SpecialRanges;
  const ranges = all[special] ?? [];
  const list = (Array.isArray(ranges[0]) ? ranges : [ranges]) as [ipaddr.IPv4 | ipaddr.IPv6, number][];
  const hit = list.find(([base, bits]) => address.match(base, bits));
  const cidr = hit ? `${hit[0].toString()}/${hit[1]}` : special;
  return { rule: 'reserved', cidr, description: `is in a reserved range (${special})` };
}

function strip(range: Range): BlockedRange {
  return { rule: range.rule, cidr: range.cidr, description: range.description };
}
