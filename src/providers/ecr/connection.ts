import { UpstreamError } from '../../core/errors.js';
import { HttpError } from '../../net/index.js';
import type { ConnectionCheck, HealthCheckResult, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult, connectionStep } from '../../plugins/guarded.js';
import { checkHealth as checkRegistry } from '../oci/connection.js';
import {
  createRegistryConnector,
  describeFailure,
  MAX_TESTED_REPOSITORIES,
  RegistryAuthError,
  type RegistryLogin,
} from '../oci/index.js';
import type { AwsCredential } from './credentials.js';
import { describeRepositories, getAuthorizationToken } from './ecr-api.js';
import { type EcrOperation, primed } from './exchange.js';

/**
 * The connection test, step by step so a user sees what to fix: `assume role` (when a roleArn is
 * stored), `authorization token` (GetAuthorizationToken accepts the keys: a registry login),
 * `registry` (`GET /v2/` accepts that login), `repositories` (DescribeRepositories with maxResults 1,
 * or the configured repositories standing in), then `repository <name>` for each configured one
 * (`tags/list`). A stored `AWS` login replaces the first two with `credentials`.
 */
export async function testConnection(op: EcrOperation): Promise<TestConnectionResult> {
  const endpoints = op.endpoints();
  const checks: ConnectionCheck[] = [];
  const done = () => connectionResult(checks, `connected to ECR at ${endpoints.registryBase.host}`);
  const step = connectionStep(checks, describeFailure);
  const { credentials } = op.context;
  if (!credentials.configured) {
    checks.push({
      name: 'credentials',
      ok: false,
      message: "ECR requires credentials: set the integration's authRef to a secret holding AWS keys",
    });
    return done();
  }

  const resolved = await credentials.get();
  let kind: 'keys' | 'login' | undefined;
  const readable = await step('credentials', async () => {
    const credential = op.keys.credentialOf(resolved);
    kind = credential.kind;
    return describeShape(credential);
  });
  if (!readable) return done();
  let login: RegistryLogin | undefined;
  if (kind === 'keys') {
    const credential = op.keys.credentialOf(resolved);
    let keys = credential.kind === 'keys' ? credential.keys : undefined;
    if (credential.kind === 'keys' && credential.roleArn) {
      const assumed = await step('assume role', async () => {
        const made = await op.keys.keysOf(resolved, true);
        keys = made.keys;
        return `assumed ${credential.roleArn} until ${iso(made.assumed?.expiresAt)}`;
      });
      if (!assumed) return done();
    }
    const minted = await step('authorization token', async () => {
      login = await getAuthorizationToken(op.context, endpoints, keys!);
      return `ECR issued a registry login valid until ${iso(login.expiresAt)}`;
    });
    if (!minted) return done();
  }

  const session = op.session(login ? primed(login, op.exchange) : undefined);
  const registry = await step('registry', async () => {
    const health = await checkRegistry(session);
    if (health.status !== 'healthy') throw new Error(health.message);
    return `${endpoints.registryBase.host} accepts the login: ${health.message.replace(/; the credentials are accepted$/, '')}`;
  });
  if (!registry) return done();

  const configured = op.context.integration.config.repositories ?? [];
  await step('repositories', async () => {
    if (kind === 'login') {
      const page = await createRegistryConnector(() => session).listRepositories({ pageSize: 1 });
      return page.items.length
        ? 'repositories can be listed (registry catalog)'
        : 'the registry lists no repository';
    }
    try {
      const page = await credentials.withRetry(async (again) =>
        describeRepositories(op.context, endpoints, (await op.keys.keysOf(again)).keys, { maxResults: 1 }),
      );
      return page.names.length
        ? 'DescribeRepositories lists the repositories'
        : 'DescribeRepositories answers, and the registry holds no repository';
    } catch (error) {
      if (!(error instanceof RegistryAuthError && error.reason === 'not_granted' && configured.length > 0))
        throw error;
      return `DescribeRepositories is not allowed (grant ecr:DescribeRepositories to list every repository); the ${configured.length} configured repositories are listed instead`;
    }
  });

  const connector = createRegistryConnector(() => session);
  for (const repository of configured.slice(0, MAX_TESTED_REPOSITORIES)) {
    await step(
      `repository ${repository}`,
      async () => {
        const page = await connector.listTags(repository, { pageSize: 1 });
        return page.items.length ? 'tags can be listed' : 'readable, and holds no tag';
      },
      (error) =>
        deniedByRegistry(error)
          ? 'the key needs ecr:ListImages, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on this repository (IAM policy or repository policy)'
          : '',
    );
  }
  return done();
}

/**
 * Health: a fresh registry login (GetAuthorizationToken, so revoked keys show within one poll) and
 * `GET /v2/` with it. Throttled or unavailable AWS is `degraded`, not down: the registry still serves.
 */
export async function checkHealth(op: EcrOperation): Promise<HealthCheckResult> {
  op.endpoints();
  const { credentials } = op.context;
  let login: RegistryLogin | undefined;
  if (credentials.configured) {
    const resolved = await credentials.get();
    if (op.keys.credentialOf(resolved).kind === 'keys') {
      try {
        login = await getAuthorizationToken(
          op.context,
          op.endpoints(),
          (await op.keys.keysOf(resolved)).keys,
        );
      } catch (error) {
        if (error instanceof UpstreamError && error.isTransient)
          return { status: 'degraded', message: `no fresh registry login: ${describeFailure(error)}` };
        throw error;
      }
    }
  }
  const result = await checkRegistry(op.session(login ? primed(login, op.exchange) : undefined));
  return login ? { ...result, message: `ECR issued a registry login; ${result.message}` } : result;
}

function describeShape(credential: AwsCredential): string {
  if (credential.kind === 'login')
    return 'a registry login (AWS and a password from `aws ecr get-login-password`): it lapses 12 hours after it was made; store AWS keys to have logins renewed';
  const temporary = credential.keys.sessionToken ? 'temporary AWS keys (with a session token)' : 'AWS keys';
  return credential.roleArn ? `${temporary}, assuming a role` : temporary;
}

function deniedByRegistry(error: unknown): boolean {
  return (
    (error instanceof RegistryAuthError && error.reason === 'not_granted') ||
    (error instanceof HttpError && error.status === 403)
  );
}

const iso = (ms: number | undefined) => (ms === undefined ? 'an unknown time' : new Date(ms).toISOString());
