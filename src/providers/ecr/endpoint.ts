import { InvalidInputError } from '../../core/errors.js';
import { registryBaseOf } from '../oci/index.js';
import { type EcrConfig, REGION_PATTERN } from './config.js';

/**
 * Where an `ecr` integration's requests go: the registry (`/v2/`), the ECR API and STS. ECR registry
 * hosts name their account and region (https://docs.aws.amazon.com/general/latest/gr/ecr.html):
 *
 * - `<account>.dkr.ecr.<region>.amazonaws.com` (API `api.ecr.<region>.amazonaws.com`)
 * - `<account>.dkr.ecr.<region>.amazonaws.com.cn` (China; API `api.ecr.<region>.amazonaws.com.cn`)
 * - `<account>.dkr.ecr-fips.<region>.amazonaws.com` (FIPS; API `ecr-fips.<region>.amazonaws.com`)
 * - `<account>.dkr-ecr[-fips].<region>.on.aws` (dual-stack; API `ecr[-fips].<region>.api.aws`)
 *
 * Any other host (a pull-through proxy, a mirror) is used as it is; then `config.region` is required.
 */

/** What an ECR registry host says about itself. */
export interface RegistryHost {
  readonly accountId: string;
  readonly region: string;
  readonly fips: boolean;
  readonly partition: 'aws' | 'aws-cn' | 'dualstack';
}

export interface EcrEndpoints {
  /** `<endpoint>/v2/`, as the `oci` session reads it. */
  readonly registryBase: URL;
  /** The account of the registry, when its host names one. */
  readonly accountId?: string;
  readonly region: string;
  /** `POST` target of the ECR JSON API. */
  readonly api: URL;
  /** `POST` target of STS (for `roleArn`). */
  readonly sts: URL;
}

const HOST =
  /^(\d{12})\.(?:dkr\.ecr(-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?|dkr-ecr(-fips)?\.([a-z0-9-]+)\.on\.aws)$/;
const REGION = new RegExp(REGION_PATTERN);

/** The account, region and flavour of an ECR registry host, or nothing for any other host. */
export function parseRegistryHost(hostname: string): RegistryHost | undefined {
  const match = HOST.exec(hostname.toLowerCase());
  if (!match) return undefined;
  const [, accountId = '', fips, region, china, dualFips, dualRegion] = match;
  const name = region ?? dualRegion ?? '';
  if (!REGION.test(name)) return undefined;
  if (dualRegion !== undefined)
    return { accountId, region: name, fips: dualFips !== undefined, partition: 'dualstack' };
  return { accountId, region: name, fips: fips !== undefined, partition: china ? 'aws-cn' : 'aws' };
}

/** The ECR API's default base URL for a region (and the registry's flavour, when known). */
export function defaultApiEndpoint(region: string, host: RegistryHost | undefined): string {
  if (host?.partition === 'dualstack') return `https://ecr${host.fips ? '-fips' : ''}.${region}.api.aws/`;
  if (host?.fips) return `https://ecr-fips.${region}.amazonaws.com/`;
  return `https://api.ecr.${region}.${isChina(region) ? 'amazonaws.com.cn' : 'amazonaws.com'}/`;
}

/** STS's regional endpoint (regional, not global: it works in every enabled region and in China). */
export function defaultStsEndpoint(region: string, host: RegistryHost | undefined): string {
  const fips = host?.fips && region.startsWith('us-') ? '-fips' : '';
  return `https://sts${fips}.${region}.${isChina(region) ? 'amazonaws.com.cn' : 'amazonaws.com'}/`;
}

const isChina = (region: string) => region.startsWith('cn-');

/**
 * The endpoints of an integration, read once per operation: the registry URL checked as `oci` checks
 * it, account and region from its host (a configured region must agree), API and STS URLs from the
 * config or derived from the region.
 */
export function readEndpoints(endpoint: string, config: EcrConfig): EcrEndpoints {
  const registryBase = registryBaseOf(endpoint, config);
  const host = parseRegistryHost(registryBase.hostname);
  if (host && config.region !== undefined && config.region !== host.region)
    throw InvalidInputError.field(
      'config.region',
      `is ${config.region}, but the registry ${registryBase.hostname} is in ${host.region}; leave it out or make them agree`,
    );
  const region = host?.region ?? config.region;
  if (region === undefined)
    throw InvalidInputError.field(
      'config.region',
      `is required: the endpoint ${registryBase.hostname} is not an ECR registry URL (<account>.dkr.ecr.<region>.amazonaws.com) that names its region`,
    );
  if (!REGION.test(region))
    throw InvalidInputError.field('config.region', 'is not an AWS region name such as us-east-1');
  return {
    registryBase,
    ...(host ? { accountId: host.accountId } : {}),
    region,
    api: serviceUrl('config.apiEndpoint', config.apiEndpoint ?? defaultApiEndpoint(region, host), config),
    sts: serviceUrl('config.stsEndpoint', config.stsEndpoint ?? defaultStsEndpoint(region, host), config),
  };
}

/** An AWS API base URL: https (http only with `plainHttp`), no credentials, query or fragment; path `/`. */
export function serviceUrl(field: string, raw: string, config: Pick<EcrConfig, 'plainHttp'>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw InvalidInputError.field(field, 'is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && config.plainHttp))
    throw InvalidInputError.field(field, 'must be an https:// URL (http only with config.plainHttp)');
  if (url.username || url.password) throw InvalidInputError.field(field, 'must not hold credentials');
  if (url.search || url.hash || raw.includes('?') || raw.includes('#'))
    throw InvalidInputError.field(field, 'must not have a query or fragment');
  if (url.pathname !== '/')
    throw InvalidInputError.field(field, 'must be the base URL of the service, without a path');
  return url;
}
