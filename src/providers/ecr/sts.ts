import type { PluginContext } from '../../plugins/contracts.js';
import { RegistryProtocolError } from '../oci/index.js';
import type { EcrConfig } from './config.js';
import type { AwsKeys } from './credentials.js';
import { PROVIDER } from './ecr-api.js';
import type { EcrEndpoints } from './endpoint.js';
import { stsFailure, xmlText } from './errors.js';
import { signRequest } from './signer.js';

/**
 * STS `AssumeRole` (Query protocol): the stored keys assume the customer's role and the temporary
 * keys it answers are used for ECR. This is how a customer grants read access to its registry
 * across accounts: a role that trusts our key, with an external id.
 * https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */

/** One hour: the default maximum session of an IAM role, so no role refuses it. */
export const SESSION_SECONDS = 3600;
export const SESSION_NAME = 'integrations-catalog';
const MAX_ANSWER_BYTES = 64 * 1024;

export interface AssumedKeys {
  readonly keys: AwsKeys;
  /** Epoch ms. */
  readonly expiresAt: number;
}

export async function assumeRole(
  context: PluginContext<EcrConfig>,
  endpoints: EcrEndpoints,
  keys: AwsKeys,
  role: { readonly roleArn: string; readonly externalId?: string },
): Promise<AssumedKeys> {
  const form = new URLSearchParams({
    Action: 'AssumeRole',
    Version: '2011-06-15',
    RoleArn: role.roleArn,
    RoleSessionName: SESSION_NAME,
    ...(role.externalId !== undefined ? { ExternalId: role.externalId } : {}),
    DurationSeconds: String(SESSION_SECONDS),
  });
  const body = form.toString();
  const headers = await signRequest(keys, {
    url: endpoints.sts,
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
    region: endpoints.region,
    service: 'sts',
    signingDate: context.now(),
  });
  const response = await context.http.request({
    method: 'POST',
    url: endpoints.sts,
    headers: { accept: 'text/xml', ...headers },
    body,
    // Assuming a role again only makes another session.
    retryable: true,
    signal: context.signal,
    provider: PROVIDER,
    operation: 'assume_role',
    okStatuses: [400, 401, 403, 404, 405],
    maxResponseBytes: MAX_ANSWER_BYTES,
  });
  const text = response.text();
  if (response.status >= 300) throw stsFailure(response.status, text, endpoints.sts.host);
  const malformed = (problem: string) => new RegistryProtocolError(`STS's AssumeRole answer ${problem}`);
  if (!text.includes('<AssumeRoleResponse')) throw malformed('is not an AssumeRoleResponse');
  const credentials = /<Credentials>([\s\S]*?)<\/Credentials>/.exec(text)?.[1];
  if (!credentials) throw malformed('has no Credentials');
  const accessKeyId = xmlText(credentials, 'AccessKeyId');
  const secretAccessKey = xmlText(credentials, 'SecretAccessKey');
  const sessionToken = xmlText(credentials, 'SessionToken');
  const expiration = Date.parse(xmlText(credentials, 'Expiration') ?? '');
  if (!accessKeyId || !/^\w{16,128}$/.test(accessKeyId)) throw malformed('has no valid AccessKeyId');
  if (!secretAccessKey || !sessionToken || /\s/.test(secretAccessKey) || /\s/.test(sessionToken))
    throw malformed('has no SecretAccessKey or SessionToken');
  if (!Number.isFinite(expiration)) throw malformed('has no Expiration time');
  return { keys: { accessKeyId, secretAccessKey, sessionToken }, expiresAt: expiration };
}
