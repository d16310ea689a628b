/**
 * What the fake AWS knows: IAM keys (long-term `AKIA…` and temporary `ASIA…` with a session token),
 * each with the actions its policy allows; roles that trust some keys; ECR repositories.
 */

export interface FakeKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Temporary keys only: the token that must come with them (`X-Amz-Security-Token`). */
  readonly sessionToken?: string;
  /** Temporary keys only: epoch ms after which AWS answers `ExpiredTokenException`. */
  readonly expiresAt?: number;
  /** IAM actions the identity's policies allow, e.g. `ecr:GetAuthorizationToken`; `ecr:*` for all. */
  readonly actions: readonly string[];
  /** The identity, as AWS names it in `AccessDenied` messages. */
  readonly arn: string;
  revoked?: boolean;
}

export interface FakeRole {
  readonly roleArn: string;
  /** Required `ExternalId` (the trust policy's `sts:ExternalId` condition), if any. */
  readonly externalId?: string;
  /** Access key ids the trust policy lets assume the role. */
  readonly trusted: readonly string[];
  readonly actions: readonly string[];
  /** The role's maximum session duration (default 3600 s, as IAM's). */
  readonly maxSessionSeconds?: number;
}

export interface FakeRepository {
  readonly repositoryName: string;
  /** Epoch seconds. */
  readonly createdAt: number;
}

/** One request the fake answered, for tests to count and inspect. */
export interface AwsRequestRecord {
  readonly service: 'ecr' | 'sts' | 'unknown';
  readonly operation: string;
  readonly status: number;
  /** The AWS error code answered, if any. */
  readonly error?: string;
  readonly accessKeyId?: string;
  /** The parsed JSON body or form parameters. */
  readonly input?: unknown;
  readonly injected?: boolean;
}

/** A fault answered instead of the operation's result, for requests that pass every check. */
export interface AwsFault {
  readonly operation: string;
  /** `throttle`: 400 `ThrottlingException`; `unavailable`: 503 `ServiceUnavailableException`. */
  readonly response:
    | 'throttle'
    | 'unavailable'
    | { readonly status: number; readonly body: string; readonly contentType?: string };
  /** How many requests it answers (default: every one until cleared). */
  times?: number;
}

/** Whether `actions` (with `service:*` wildcards) allow `action`. */
export function allows(actions: readonly string[], action: string): boolean {
  const service = action.split(':')[0];
  return actions.includes(action) || actions.includes(`${service}:*`) || actions.includes('*');
}

export const ECR_ACTIONS = {
  getAuthorizationToken: 'ecr:GetAuthorizationToken',
  describeRepositories: 'ecr:DescribeRepositories',
  batchGetImage: 'ecr:BatchGetImage',
  getDownloadUrlForLayer: 'ecr:GetDownloadUrlForLayer',
  listImages: 'ecr:ListImages',
} as const;

/** The read-only policy a scanner needs (AWS managed `AmazonEC2ContainerRegistryReadOnly`, trimmed). */
export const READ_ONLY_ACTIONS: readonly string[] = Object.values(ECR_ACTIONS);
