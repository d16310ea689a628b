import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../core/errors.js';
import type { EcrConfig } from './config.js';
import { parseRegistryHost, readEndpoints } from './endpoint.js';

/** Registry hosts, the endpoints derived from them, and the config that is refused. */

const config = (extra: Partial<EcrConfig> = {}): EcrConfig => ({ plainHttp: false, ...extra });
const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('ecr endpoints', () => {
  it.each([
    [
      '123456789012.dkr.ecr.eu-central-1.amazonaws.com',
      { accountId: '123456789012', region: 'eu-central-1', fips: false, partition: 'aws' },
    ],
    [
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
      { accountId: '123456789012', region: 'cn-north-1', fips: false, partition: 'aws-cn' },
    ],
    [
      '123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com',
      { accountId: '123456789012', region: 'us-gov-west-1', fips: true, partition: 'aws' },
    ],
    [
      '123456789012.dkr-ecr.ap-southeast-2.on.aws',
      { accountId: '123456789012', region: 'ap-southeast-2', fips: false, partition: 'dualstack' },
    ],
    [
      '123456789012.DKR.ECR.US-EAST-1.AMAZONAWS.COM',
      { accountId: '123456789012', region: 'us-east-1', fips: false, partition: 'aws' },
    ],
  ])('reads %s', (host, expected) => {
    expect(parseRegistryHost(host)).toEqual(expected);
  });

  it.each([
    'registry.example.com',
    '12345.dkr.ecr.us-east-1.amazonaws.com',
    '123456789012.dkr.ecr.us-east-1.amazonaws.com.evil.com',
    'public.ecr.aws',
    '123456789012.dkr.ecr.notaregion.amazonaws.com',
  ])('does not take %s for an ECR registry', (host) => {
    expect(parseRegistryHost(host)).toBeUndefined();
  });

  it('derives the API and STS endpoints from the registry URL', () => {
    const plain = readEndpoints('https://123456789012.dkr.ecr.eu-west-1.amazonaws.com', config());
    const china = readEndpoints('https://123456789012.dkr.ecr.cn-northwest-1.amazonaws.com.cn/v2/', config());
    const fips = readEndpoints('https://123456789012.dkr.ecr-fips.us-east-2.amazonaws.com', config());
    const dual = readEndpoints('https://123456789012.dkr-ecr.eu-west-1.on.aws', config());

    expect([plain.api.href, plain.sts.href, plain.accountId, plain.region, plain.registryBase.href]).toEqual([
      'https://api.ecr.eu-west-1.amazonaws.com/',
      'https://sts.eu-west-1.amazonaws.com/',
      '123456789012',
      'eu-west-1',
      'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/',
    ]);
    expect([china.api.href, china.sts.href]).toEqual([
      'https://api.ecr.cn-northwest-1.amazonaws.com.cn/',
      'https://sts.cn-northwest-1.amazonaws.com.cn/',
    ]);
    expect([fips.api.href, fips.sts.href]).toEqual([
      'https://ecr-fips.us-east-2.amazonaws.com/',
      'https://sts-fips.us-east-2.amazonaws.com/',
    ]);
    expect(dual.api.href).toBe('https://ecr.eu-west-1.api.aws/');
  });

  it('takes the region and endpoints from config for any other host (a proxy, a test registry)', () => {
    const endpoints = readEndpoints(
      'http://127.0.0.1:5000',
      config({
        plainHttp: true,
        region: 'us-east-1',
        apiEndpoint: 'http://127.0.0.1:4566',
        stsEndpoint: 'http://127.0.0.1:4566/',
      }),
    );

    expect([endpoints.api.href, endpoints.sts.href, endpoints.region, endpoints.accountId]).toEqual([
      'http://127.0.0.1:4566/',
      'http://127.0.0.1:4566/',
      'us-east-1',
      undefined,
    ]);
    expect(
      readEndpoints(
        'https://mirror.example.com',
        config({ region: 'eu-west-3', apiEndpoint: 'https://vpce-1.api.ecr.eu-west-3.vpce.amazonaws.com' }),
      ).api.host,
    ).toBe('vpce-1.api.ecr.eu-west-3.vpce.amazonaws.com');
  });

  it.each([
    [
      'a missing region for a host that names none',
      'https://mirror.example.com',
      {},
      /config\.region is required/,
    ],
    [
      'a region the host contradicts',
      'https://123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      { region: 'us-east-1' },
      /is us-east-1, but the registry .* is in eu-west-1/,
    ],
    ['a region that is not one', 'https://mirror.example.com', { region: 'Europe' }, /not an AWS region/],
    [
      'an apiEndpoint with credentials',
      'https://mirror.example.com',
      { region: 'us-east-1', apiEndpoint: 'https://user:pw@api.example.com' },
      /apiEndpoint must not hold credentials/,
    ],
    [
      'an apiEndpoint with a query',
      'https://mirror.example.com',
      { region: 'us-east-1', apiEndpoint: 'https://api.example.com/?a=1' },
      /apiEndpoint must not have a query/,
    ],
    [
      'an apiEndpoint with a fragment',
      'https://mirror.example.com',
      { region: 'us-east-1', apiEndpoint: 'https://api.example.com/#x' },
      /apiEndpoint must not have a query or fragment/,
    ],
    [
      'an apiEndpoint with a path',
      'https://mirror.example.com',
      { region: 'us-east-1', apiEndpoint: 'https://api.example.com/ecr' },
      /without a path/,
    ],
    [
      'a plain-http apiEndpoint',
      'https://mirror.example.com',
      { region: 'us-east-1', apiEndpoint: 'http://api.example.com' },
      /https:\/\/ URL/,
    ],
    [
      'a stsEndpoint that is not a URL',
      'https://mirror.example.com',
      { region: 'us-east-1', stsEndpoint: 'sts' },
      /stsEndpoint is not a URL/,
    ],
    [
      'a plain-http registry without plainHttp',
      'http://mirror.example.com',
      { region: 'us-east-1' },
      /plain http/,
    ],
  ])('refuses %s', (_name, endpoint, extra, message) => {
    expect(refusal(() => readEndpoints(endpoint, config(extra as Partial<EcrConfig>)))).toMatch(message);
  });
});
