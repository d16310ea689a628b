import { randomBytes } from 'node:crypto';
import { allows, ECR_ACTIONS, type FakeKey, type FakeRepository } from './state.js';

/**
 * The two ECR API operations the `ecr` provider calls, held to the service's JSON API description
 * (`AmazonEC2ContainerRegistry_V20150921`, awsJson1_1): the input members each operation takes and
 * their constraints, the answer shapes and the error words.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_GetAuthorizationToken.html
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/API_DescribeRepositories.html
 */

export const ECR_TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
export const ECR_CONTENT_TYPE = 'application/x-amz-json-1.1';

export interface EcrAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface EcrWorld {
  readonly accountId: string;
  readonly region: string;
  /** The registry password every token carries (the test registry knows it for `AWS`). */
  readonly registryPassword: string;
  readonly tokenLifeMs: number;
  readonly now: () => number;
  readonly repositories: ReadonlyMap<string, FakeRepository>;
  /** Page tokens handed out by DescribeRepositories: token → index of the next repository. */
  readonly pageTokens: Map<string, number>;
}

export const ecrError = (status: number, type: string, message: string): EcrAnswer => ({
  status,
  body: { __type: type, message },
});

/** The members each operation takes (anything else is refused) and the checks of their values. */
const MEMBERS: Record<string, readonly string[]> = {
  GetAuthorizationToken: ['registryIds'],
  DescribeRepositories: ['registryId', 'repositoryNames', 'nextToken', 'maxResults'],
};

export const ECR_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(MEMBERS));

/** Why a body is not a valid input of `operation` (AWS's `SerializationException`/`ValidationException`), or nothing. */
export function invalidInput(operation: string, input: unknown): EcrAnswer | undefined {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    return ecrError(400, 'SerializationException', 'Start of structure or map found where not expected.');
  const members = MEMBERS[operation] ?? [];
  for (const name of Object.keys(input)) {
    if (!members.includes(name))
      return ecrError(400, 'SerializationException', `Unrecognized field "${name}" for ${operation}Request`);
  }
  const body = input as Record<string, unknown>;
  const problems: string[] = [];
  const registryId = (value: unknown, member: string) => {
    if (typeof value !== 'string' || !/^[0-9]{12}$/.test(value))
      problems.push(
        `Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]{12}`,
      );
  };
  if (operation === 'GetAuthorizationToken' && body.registryIds !== undefined) {
    if (!Array.isArray(body.registryIds) || body.registryIds.length < 1 || body.registryIds.length > 10)
      problems.push(
        "Value at 'registryIds' failed to satisfy constraint: Member must have length between 1 and 10",
      );
    else for (const [i, id] of body.registryIds.entries()) registryId(id, `registryIds.${i + 1}.member`);
  }
  if (operation === 'DescribeRepositories') {
    if (body.registryId !== undefined) registryId(body.registryId, 'registryId');
    const max = body.maxResults;
    if (max !== undefined) {
      if (typeof max !== 'number' || !Number.isInteger(max))
        return ecrError(400, 'SerializationException', 'NUMBER_VALUE can not be converted to an Integer');
      if (max < 1)
        problems.push(
          `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1`,
        );
      if (max > 1000)
        problems.push(
          `Value '${max}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
        );
    }
    if (body.nextToken !== undefined && typeof body.nextToken !== 'string')
      return ecrError(400, 'SerializationException', 'Expected a string for nextToken');
    if (body.repositoryNames !== undefined) {
      const names = body.repositoryNames;
      if (!Array.isArray(names) || names.length < 1 || names.length > 100)
        problems.push(
          "Value at 'repositoryNames' failed to satisfy constraint: Member must have length between 1 and 100",
        );
      if (body.nextToken !== undefined || max !== undefined)
        return ecrError(
          400,
          'InvalidParameterException',
          'Invalid parameter: maxResults and nextToken cannot be used with repositoryNames',
        );
    }
  }
  if (problems.length === 0) return undefined;
  const count =
    problems.length === 1 ? '1 validation error detected' : `${problems.length} validation errors detected`;
  return ecrError(400, 'ValidationException', `${count}: ${problems.join('; ')}`);
}

function denied(key: FakeKey, action: string, resource: string): EcrAnswer {
  return ecrError(
    400,
    'AccessDeniedException',
    `User: ${key.arn} is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  );
}

/** GetAuthorizationToken: one token for the caller's registry, valid 12 hours. */
export function getAuthorizationToken(key: FakeKey, world: EcrWorld): EcrAnswer {
  if (!allows(key.actions, ECR_ACTIONS.getAuthorizationToken))
    return denied(key, ECR_ACTIONS.getAuthorizationToken, '*');
  const token = Buffer.from(`AWS:${world.registryPassword}`).toString('base64');
  return {
    status: 200,
    body: {
      authorizationData: [
        {
          authorizationToken: token,
          // Epoch seconds with a fraction, as the service sends them.
          expiresAt: (world.now() + world.tokenLifeMs) / 1000 + 0.123,
          proxyEndpoint: `https://${world.accountId}.dkr.ecr.${world.region}.amazonaws.com`,
        },
      ],
    },
  };
}

/** DescribeRepositories: by name order, `maxResults` per page (100 without it), `nextToken` to go on. */
export function describeRepositories(
  key: FakeKey,
  input: Record<string, unknown>,
  world: EcrWorld,
): EcrAnswer {
  const registryId = (input.registryId as string | undefined) ?? world.accountId;
  const resource = `arn:aws:ecr:${world.region}:${registryId}:repository/*`;
  if (!allows(key.actions, ECR_ACTIONS.describeRepositories))
    return denied(key, ECR_ACTIONS.describeRepositories, resource);
  if (registryId !== world.accountId) return denied(key, ECR_ACTIONS.describeRepositories, resource);
  const all = [...world.repositories.values()].sort((a, b) => (a.repositoryName < b.repositoryName ? -1 : 1));
  const names = input.repositoryNames as string[] | undefined;
  if (names) {
    const missing = names.find((name) => !world.repositories.has(name));
    if (missing)
      return ecrError(
        400,
        'RepositoryNotFoundException',
        `The repository with name '${missing}' does not exist in the registry with id '${registryId}'`,
      );
    return {
      status: 200,
      body: { repositories: all.filter((r) => names.includes(r.repositoryName)).map(shapeOf(world)) },
    };
  }
  let start = 0;
  if (typeof input.nextToken === 'string') {
    const found = world.pageTokens.get(input.nextToken);
    if (found === undefined)
      return ecrError(
        400,
        'InvalidParameterException',
        "Invalid parameter at 'nextToken' failed to satisfy constraint: 'Invalid pagination token'",
      );
    start = found;
  }
  const size = (input.maxResults as number | undefined) ?? 100;
  const page = all.slice(start, start + size);
  const body: Record<string, unknown> = { repositories: page.map(shapeOf(world)) };
  if (start + size < all.length) {
    const token = randomBytes(24).toString('base64');
    world.pageTokens.set(token, start + size);
    body.nextToken = token;
  }
  return { status: 200, body };
}

const shapeOf = (world: EcrWorld) => (repository: FakeRepository) => ({
  repositoryArn: `arn:aws:ecr:${world.region}:${world.accountId}:repository/${repository.repositoryName}`,
  registryId: world.accountId,
  repositoryName: repository.repositoryName,
  repositoryUri: `${world.accountId}.dkr.ecr.${world.region}.amazonaws.com/${repository.repositoryName}`,
  createdAt: repository.createdAt,
  imageTagMutability: 'MUTABLE',
  imageScanningConfiguration: { scanOnPush: false },
  encryptionConfiguration: { encryptionType: 'AES256' },
});
