import { promises as dns, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import type { EgressPolicy } from './egress-policy.js';
import { parseAddress } from './ip-ranges.js';

/** Resolves a hostname to all its addresses, like `dns.lookup(host, { all: true })`. Injectable for tests. */
export type Resolver = (hostname: string) => Promise<readonly LookupAddress[]>;

/** The operating system's resolver (`getaddrinfo`, so `/etc/hosts` and search domains apply). */
export const systemResolver: Resolver = (hostname) => dns.lookup(hostname, { all: true });

/**
 * Resolves `hostname` and checks EVERY address with the policy; one refused address refuses the
 * name, so a record set mixing a public and an internal address cannot be used to get in.
 *
 * @example
 * const addresses = await resolveChecked(policy, systemResolver, 'api.github.com');
 */
export async function resolveChecked(
  policy: EgressPolicy,
  resolve: Resolver,
  hostname: string,
): Promise<LookupAddress[]> {
  const addresses = [...(await resolve(hostname))];
  if (addresses.length === 0) {
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
  }
  for (const { address } of addresses) policy.checkAddress(address, hostname);
  return addresses;
}

/**
 * A `lookup` for undici's `connect` option (passed on to `net.connect`/`tls.connect`). The socket
 * connects to the addresses this function checked, so there is no second lookup for DNS rebinding
 * to win. The TLS server name stays the hostname.
 *
 * @example
 * new Agent({ connect: { lookup: createGuardedLookup(policy) } });
 */
export function createGuardedLookup(
  policy: EgressPolicy,
  resolve: Resolver = systemResolver,
): LookupFunction {
  return (hostname, options, callback) => {
    resolveChecked(policy, resolve, hostname).then(
      (addresses) => {
        const family = familyOf(options.family);
        const usable = family === 0 ? addresses : addresses.filter((entry) => entry.family === family);
        const first = usable[0];
        if (!first) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname} (IPv${family})`), {
            code: 'ENOTFOUND',
          });
          callback(error, '', 0);
          return;
        }
        // With `autoSelectFamily` (Node's default since 20) net asks for every address at once.
        if (options.all) callback(null, usable);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/**
 * Checks a URL and, for a hostname, every address it resolves to now: for validating an endpoint when
 * it is saved (requests are checked again at every use, on the addresses they actually connect to).
 */
export async function checkEgressTarget(
  policy: EgressPolicy,
  url: URL,
  resolve: Resolver = systemResolver,
): Promise<void> {
  policy.checkUrl(url);
  if (parseAddress(url.hostname) === undefined) await resolveChecked(policy, resolve, url.hostname);
}

function familyOf(family: number | string | undefined): 0 | 4 | 6 {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
}
