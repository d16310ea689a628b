import { type Static, Type } from '@sinclair/typebox';
import { OciConfigSchema } from '../oci/index.js';

/** An AWS region name: `us-east-1`, `eu-central-2`, `cn-north-1`, `us-gov-west-1`, `ap-southeast-5`. */
export const REGION_PATTERN = '^[a-z]{2}(?:-[a-z]+){1,2}-[0-9]{1,2}$';

/**
 * Settings of an `ecr` integration (Amazon Elastic Container Registry). The endpoint is the registry
 * URL, `https://<account>.dkr.ecr.<region>.amazonaws.com`; `authRef` names an object with AWS keys
 * (`accessKeyId`, `secretAccessKey`, optionally `sessionToken`, `roleArn`, `externalId`) or the
 * `{ username: 'AWS', password }` that `aws ecr get-login-password` prints.
 */
export const EcrConfigSchema = Type.Object(
  {
    region: Type.Optional(
      Type.String({
        pattern: REGION_PATTERN,
        maxLength: 32,
        description:
          "The registry's AWS region. Read from the endpoint's host when it is an ECR registry URL; required otherwise (a pull-through proxy, a test registry).",
      }),
    ),
    apiEndpoint: Type.Optional(
      Type.String({
        maxLength: 2048,
        description:
          'Base URL of the ECR API (a VPC endpoint, or one AWS does not derive from the region). Default https://api.ecr.<region>.amazonaws.com (.com.cn in China, ecr-fips.<region>.amazonaws.com for a FIPS registry).',
      }),
    ),
    stsEndpoint: Type.Optional(
      Type.String({
        maxLength: 2048,
        description:
          'Base URL of STS for assuming `roleArn`. Default https://sts.<region>.amazonaws.com (.com.cn in China).',
      }),
    ),
    repositories: OciConfigSchema.properties.repositories,
    plainHttp: OciConfigSchema.properties.plainHttp,
  },
  { additionalProperties: false },
);

export type EcrConfig = Static<typeof EcrConfigSchema>;
