import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createEgressPolicy } from './egress-policy.js';
import { EgressDeniedError } from './errors.js';
import { classifyAddress, parseAddress } from './ip-ranges.js';

const policy = createEgressPolicy({ allowPrivateNetworks: false, allowlist: [] });

/** The rule that refuses `https://<host>/`, or 'allowed'. */
function verdict(host: string): string {
  try {
    policy.checkUrl(policy.parseUrl(`https://${host}/`));
    return 'allowed';
  } catch (error) {
    if (error instanceof EgressDeniedError) return error.rule;
    throw error;
  }
}

const rangeOf = (text: string) => classifyAddress(parseAddress(text)!);

describe('classifyAddress', () => {
  it.each([
    ['93.184.216.34', undefined],
    ['2606:4700::1111', undefined],
    ['::ffff:93.184.216.34', undefined],
    ['127.0.0.1', 'loopback'],
    ['::ffff:0:7f00:1', 'loopback'],
    ['::7f00:1', 'loopback'],
    ['::2', 'unspecified'],
    ['169.254.170.23', 'cloud_metadata'],
    ['fd00:ec2::23', 'cloud_metadata'],
    ['2002:a9fe:a9fe::1', 'cloud_metadata'],
    ['2001:0:a9fe:a9fe::1', 'cloud_metadata'],
    ['2002:5db8:d822::1', '6to4'],
    ['64:ff9b:1::1', 'nat64'],
    ['198.18.0.1', 'reserved'],
    ['100::1', 'reserved'],
    ['4000::1', 'reserved'],
  ])('puts %s in %s', (address, rule) => {
    expect(rangeOf(address)?.rule).toBe(rule);
  });

  it('names the embedded IPv4 address and its range', () => {
    expect(rangeOf('::ffff:a9fe:a9fe')).toEqual({
      rule: 'cloud_metadata',
      cidr: '169.254.169.254/32',
      description: 'embeds 169.254.169.254, which is a cloud metadata address',
    });
    expect(rangeOf('192.0.2.1')).toMatchObject({ rule: 'reserved', cidr: '192.0.2.0/24' });
  });
});

describe('IPv4 spellings', () => {
  type Radix = 'dec' | 'oct' | 'hex';
  const spell = (value: number, radix: Radix, upper: boolean): string => {
    if (radix === 'dec') return value.toString(10);
    if (radix === 'oct') return `0${value.toString(8)}`;
    return `${upper ? '0X' : '0x'}${value.toString(16)}`;
  };
  /** Any address, or one near the start of a special range (loopback, private, metadata, …). */
  const address = fc.oneof(
    fc.integer({ min: 0, max: 0xffffffff }),
    fc.constantFrom(0xa9fea9fe, 0xa9feaa02, 0x646464c8, 0xffffffff),
    fc
      .tuple(
        fc.constantFrom(
          0,
          0x7f000000,
          0x0a000000,
          0xac100000,
          0xc0a80000,
          0x64400000,
          0xa9fe0000,
          0xe0000000,
        ),
        fc.integer({ min: 0, max: 0xffff }),
      )
      .map(([base, offset]) => base + offset),
  );
  /** An address and one of its spellings: 1 to 4 numeric parts, each in its own radix. */
  const spelled = fc
    .tuple(
      address,
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.constantFrom<Radix>('dec', 'oct', 'hex'), { minLength: 4, maxLength: 4 }),
      fc.boolean(),
    )
    .map(([value, parts, radixes, upper]) => {
      const octets = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
      const tailBytes = 5 - parts;
      const tail = tailBytes === 4 ? value : value % 2 ** (8 * tailBytes);
      const form = [...octets.slice(0, parts - 1), tail]
        .map((part, i) => spell(part, radixes[i]!, upper))
        .join('.');
      return { value, canonical: octets.join('.'), form };
    });

  it('classifies every numeric spelling of an IPv4 address like its dotted form', () => {
    fc.assert(
      fc.property(spelled, ({ canonical, form }) => {
        expect(new URL(`https://${form}/`).hostname).toBe(canonical);
        expect(verdict(form)).toBe(verdict(canonical));
      }),
      { numRuns: 500 },
    );
  });

  it('classifies the IPv4-mapped IPv6 forms of an address like the address', () => {
    fc.assert(
      fc.property(spelled, ({ value, canonical }) => {
        const hex = `${(value >>> 16).toString(16)}:${(value & 0xffff).toString(16)}`;

        expect(verdict(`[::ffff:${canonical}]`)).toBe(verdict(canonical));
        expect(verdict(`[::ffff:${hex}]`)).toBe(verdict(canonical));
      }),
      { numRuns: 300 },
    );
  });
});
