import type { LookupAddress } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { createEgressPolicy } from './egress-policy.js';
import { EgressDeniedError } from './errors.js';
import { createGuardedLookup } from './guarded-lookup.js';
import { fakeResolver } from './loopback-server.test-kit.js';

const policy = createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] });

/** Calls the lookup the way net.connect does and returns what it called back with. */
function lookupOf(lookup: ReturnType<typeof createGuardedLookup>, hostname: string, options: object) {
  return new Promise<{ error: Error | null; address: string | LookupAddress[]; family?: number | undefined }>(
    (resolve) => {
      lookup(hostname, options, (error, address, family) => resolve({ error, address, family }));
    },
  );
}

describe('createGuardedLookup', () => {
  const resolver = fakeResolver({
    'public.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'rebind.test': ['93.184.216.34', '127.0.0.1'],
  });

  it('hands net every checked address when asked for all (autoSelectFamily)', async () => {
    const result = await lookupOf(createGuardedLookup(policy, resolver), 'public.test', { all: true });

    expect(result.error).toBeNull();
    expect(result.address).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
  });

  it('hands net one address of the asked family otherwise', async () => {
    const lookup = createGuardedLookup(policy, resolver);

    expect(await lookupOf(lookup, 'public.test', {})).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(await lookupOf(lookup, 'public.test', { family: 6 })).toMatchObject({ family: 6 });
  });

  it('refuses a name when any one of its addresses is refused', async () => {
    const result = await lookupOf(createGuardedLookup(policy, resolver), 'rebind.test', { all: true });

    expect(result.error).toBeInstanceOf(EgressDeniedError);
    expect(result.error?.message).toMatch(
      /rebind\.test: it resolves to 127\.0\.0\.1, which is a loopback address/,
    );
  });

  it('resolves once per connection: a second answer cannot slip past the check', async () => {
    let calls = 0;
    const flipping = async (): Promise<LookupAddress[]> => {
      calls += 1;
      return [{ address: calls === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    };
    const lookup = createGuardedLookup(policy, flipping);

    const first = await lookupOf(lookup, 'flip.test', { all: true });
    const second = await lookupOf(lookup, 'flip.test', { all: true });

    expect(first.address).toEqual([{ address: '93.184.216.34', family: 4 }]);
    expect(second.error).toBeInstanceOf(EgressDeniedError);
    expect(calls).toBe(2);
  });

  it('passes resolver failures on', async () => {
    const result = await lookupOf(createGuardedLookup(policy, resolver), 'missing.test', {});

    expect((result.error as NodeJS.ErrnoException).code).toBe('ENOTFOUND');
  });
});
