import type { PluginContext } from '../../plugins/contracts.js';
import { type RegistryLogin, RegistryProtocolError } from '../oci/index.js';
import type { EcrConfig } from './config.js';
import type { AwsKeys } from './credentials.js';
import type { EcrEndpoints } from './endpoint.js';
import { ecrFailure } from './errors.js';
import { signRequest } from './signer.js';

/**
 * The ECR API (JSON 1.1 protocol, `AmazonEC2ContainerRegistry_V20150921`): one signed `POST /` per
 * call, the action in `X-Amz-Target`, through the outbound client with provider `ecr`.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/Welcome.html
 */

export const PROVIDER = 'ecr';
const TARGET_PREFIX = 'AmazonEC2ContainerRegistry_V20150921.';
const CONTENT_TYPE = 'application/x-amz-json-1.1';
/** ECR's answers are small; anything bigger is not an answer of these actions. */
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Statuses AWS uses for error answers we read ourselves; 429 and 5xx are the client's to retry. */
const ERROR_STATUSES = [400, 401, 403, 404, 405, 409, 413, 415];
/** ECR's `maxResults` for DescribeRepositories. */
export const MAX_DESCRIBE_RESULTS = 1000;

interface Action {
  readonly name: 'GetAuthorizationToken' | 'DescribeRepositories';
  readonly operation: 'get_authorization_token' | 'describe_repositories';
  readonly iamAction: string;
}

const GET_AUTHORIZATION_TOKEN: Action = {
  name: 'GetAuthorizationToken',
  operation: 'get_authorization_token',
  iamAction: 'ecr:GetAuthorizationToken',
};
const DESCRIBE_REPOSITORIES: Action = {
  name: 'DescribeRepositories',
  operation: 'describe_repositories',
  iamAction: 'ecr:DescribeRepositories',
};

async function call(
  context: PluginContext<EcrConfig>,
  endpoints: EcrEndpoints,
  keys: AwsKeys,
  action: Action,
  input: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const body = JSON.stringify(input);
  const headers = await signRequest(keys, {
    url: endpoints.api,
    headers: { 'content-type': CONTENT_TYPE, 'x-amz-target': `${TARGET_PREFIX}${action.name}` },
    body,
    region: endpoints.region,
    service: 'ecr',
    signingDate: context.now(),
  });
  const response = await context.http.request({
    method: 'POST',
    url: endpoints.api,
    headers: { accept: CONTENT_TYPE, ...headers },
    body,
    // Reads: repeating one changes nothing.
    retryable: true,
    signal: context.signal,
    provider: PROVIDER,
    operation: action.operation,
    okStatuses: ERROR_STATUSES,
    maxResponseBytes: MAX_ANSWER_BYTES,
  });
  if (response.status >= 300)
    throw ecrFailure(response.status, response.body, {
      ...action,
      action: action.name,
      host: endpoints.api.host,
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.text());
  } catch {
    throw malformed(action, 'is not JSON');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw malformed(action, 'is not a JSON object');
  return parsed as Record<string, unknown>;
}

const malformed = (action: Action, problem: string) =>
  new RegistryProtocolError(`ECR's ${action.name} answer ${problem}`);

/**
 * `GetAuthorizationToken`: the registry login (`AWS` and a password valid 12 hours). The token is
 * base64 of `AWS:<password>`, split on the first colon; `expiresAt` is epoch seconds.
 */
export async function getAuthorizationToken(
  context: PluginContext<EcrConfig>,
  endpoints: EcrEndpoints,
  keys: AwsKeys,
): Promise<RegistryLogin> {
  const action = GET_AUTHORIZATION_TOKEN;
  const answer = await call(context, endpoints, keys, action, {});
  const data = answer.authorizationData;
  if (!Array.isArray(data) || data.length === 0) throw malformed(action, "has no 'authorizationData'");
  const first = (data[0] ?? {}) as Record<string, unknown>;
  const token = first.authorizationToken;
  if (
    typeof token !== 'string' ||
    token.length > 64 * 1024 ||
    !/^[A-Za-z0-9+/]+={0,2}$/.test(token) ||
    token.length % 4 !== 0
  )
    throw malformed(action, "has an 'authorizationToken' that is not base64");
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (colon <= 0 || password === '' || /[\s:]/.test(username))
    throw malformed(action, "has an 'authorizationToken' that is not base64 of user:password");
  const expiresAt = first.expiresAt;
  if (typeof expiresAt !== 'number' || !Number.isFinite(expiresAt) || expiresAt <= 0)
    throw malformed(action, "has an 'expiresAt' that is not a time in epoch seconds");
  return { username, password, expiresAt: Math.floor(expiresAt * 1000) };
}

export interface RepositoryPage {
  readonly names: readonly string[];
  readonly nextToken?: string;
}

/** One page of `DescribeRepositories` (`maxResults` 1 to 1000, `nextToken` to go on). */
export async function describeRepositories(
  context: PluginContext<EcrConfig>,
  endpoints: EcrEndpoints,
  keys: AwsKeys,
  page: { readonly maxResults: number; readonly nextToken?: string },
): Promise<RepositoryPage> {
  const action = DESCRIBE_REPOSITORIES;
  const answer = await call(context, endpoints, keys, action, {
    ...(endpoints.accountId ? { registryId: endpoints.accountId } : {}),
    maxResults: page.maxResults,
    ...(page.nextToken !== undefined ? { nextToken: page.nextToken } : {}),
  });
  const list = answer.repositories;
  if (!Array.isArray(list)) throw malformed(action, "has no 'repositories' list");
  const names = list.map((item: unknown) => {
    const name = (item as { repositoryName?: unknown } | null)?.repositoryName;
    if (typeof name !== 'string' || name === '')
      throw malformed(action, 'lists a repository without a repositoryName');
    return name;
  });
  const next = answer.nextToken;
  if (next !== undefined && next !== null && (typeof next !== 'string' || next === ''))
    throw malformed(action, "has a 'nextToken' that is not a string");
  return { names, ...(typeof next === 'string' ? { nextToken: next } : {}) };
}
