import type { FakeAws } from '../../../test/fakes/aws/fake-aws.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { EcrConfig } from './config.js';

export { loopbackClient } from '../oci/oci.test-kit.js';

/** The password the fake AWS puts in every registry token; give the test registry an `AWS` account with it. */
export const REGISTRY_PASSWORD = 'ecr-registry-password-0123';

/** Keys the tests give the fake AWS, by what their policies allow. */
export const KEYS = {
  reader: { accessKeyId: 'AKIAECRTEST000READER', secretAccessKey: 'reader-secret/0123456789abcdef' },
  /** May mint registry logins and pull, not call DescribeRepositories. */
  puller: { accessKeyId: 'AKIAECRTEST000PULLER', secretAccessKey: 'puller-secret/0123456789abcdef' },
  /** May call DescribeRepositories only. */
  lister: { accessKeyId: 'AKIAECRTEST000LISTER', secretAccessKey: 'lister-secret/0123456789abcdef' },
  /** The vendor's key that customers' roles trust; no ECR rights of its own. */
  vendor: { accessKeyId: 'AKIAECRTEST000VENDOR', secretAccessKey: 'vendor-secret/0123456789abcdef' },
} as const;

export const ROLE_ARN = 'arn:aws:iam::123456789012:role/vendor-ecr-read';
export const EXTERNAL_ID = 'customer-org-42';

/** Gives `aws` the keys of `KEYS` and the role `ROLE_ARN` (trusting the vendor key, external id required). */
export function seedKeys(aws: FakeAws, readOnly: readonly string[]) {
  aws.addKey({ ...KEYS.reader, actions: readOnly });
  aws.addKey({ ...KEYS.puller, actions: readOnly.filter((action) => action !== 'ecr:DescribeRepositories') });
  aws.addKey({ ...KEYS.lister, actions: ['ecr:DescribeRepositories'] });
  aws.addKey({ ...KEYS.vendor, actions: [] });
  aws.addRole({
    roleArn: ROLE_ARN,
    externalId: EXTERNAL_ID,
    trusted: [KEYS.vendor.accessKeyId],
    actions: readOnly,
  });
}

export type EcrContextOptions = Omit<RegistryContextOptions<EcrConfig>, 'credentials'> & {
  readonly aws: FakeAws;
  readonly http: HttpClient;
  /** The secret's fields; none: no authRef. */
  readonly secret?: Readonly<Record<string, string>>;
  readonly now?: () => Date;
};

/**
 * A plugin context for an `ecr` integration whose registry is at `endpoint` (a loopback registry,
 * plain http) and whose ECR API and STS are the fake AWS.
 */
export function ecrContext(options: EcrContextOptions): PluginContext<EcrConfig> {
  const { aws, secret, now, ...rest } = options;
  const context = registryContext<EcrConfig>('ecr', {
    ...rest,
    ...(secret ? { credentials: createInlineCredentialsAccessor({ ...secret }) } : {}),
    config: { region: aws.region, apiEndpoint: aws.url, stsEndpoint: aws.url, ...options.config },
  });
  return now ? { ...context, now } : context;
}
