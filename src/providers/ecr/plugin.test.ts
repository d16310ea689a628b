import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeAws, READ_ONLY_ACTIONS, startFakeAws } from '../../../test/fakes/aws/fake-aws.js';
import {
  OCI_INDEX,
  OCI_MANIFEST,
  type PushedImage,
  pushSampleImages,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { makeClient } from '../../net/loopback-server.test-kit.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { RegistryAuthError } from '../oci/index.js';
import {
  type EcrContextOptions,
  EXTERNAL_ID,
  ecrContext,
  KEYS,
  loopbackClient,
  REGISTRY_PASSWORD,
  ROLE_ARN,
  seedKeys,
} from './ecr.test-kit.js';
import { createEcrPlugin } from './plugin.js';

/**
 * The `ecr` provider against the fake AWS (ECR API and STS, signatures verified) and a real
 * distribution registry (`docker-registry`, htpasswd Basic auth, an `AWS` account whose password the
 * fake puts in its tokens), with images pushed by skopeo.
 */

const available = await registryToolsAvailable();
const REPOSITORIES = ['acme/api', 'acme/app', 'acme/multi', 'base', 'tools/ci'];

describe.skipIf(!available)('ecr provider', () => {
  let registry: TestRegistry;
  let aws: FakeAws;
  let app: PushedImage;
  let multi: PushedImage;
  const http = loopbackClient();
  const as = (secret: Record<string, string> | undefined, options: Partial<EcrContextOptions> = {}) =>
    ecrContext({ endpoint: registry.url, aws, http, ...(secret ? { secret } : {}), ...options });
  const steps = (result: { checks: readonly { name: string; ok: boolean }[] }) =>
    result.checks.map((check) => [check.name, check.ok]);

  beforeAll(async () => {
    registry = await startRegistry({
      auth: 'basic',
      accounts: { AWS: { password: REGISTRY_PASSWORD, role: 'reader' } },
    });
    ({ app, multi } = await pushSampleImages(registry));
    aws = await startFakeAws({ registryPassword: REGISTRY_PASSWORD });
    seedKeys(aws, READ_ONLY_ACTIONS);
    for (const name of REPOSITORIES) aws.addRepository(name);
  }, 90_000);
  afterEach(() => {
    expect(aws.violations).toEqual([]);
    aws.clearFaults();
    aws.reset();
  });
  afterAll(async () => {
    await aws?.close();
    await registry?.stop();
    await http.close();
  });

  describe('connection test', () => {
    it('passes step by step with read-only keys, minting one login for every step', async () => {
      const plugin = createEcrPlugin();

      const result = await plugin.testConnection(as(KEYS.reader, { config: { repositories: ['acme/app'] } }));

      expect(steps(result)).toEqual([
        ['credentials', true],
        ['authorization token', true],
        ['registry', true],
        ['repositories', true],
        ['repository acme/app', true],
      ]);
      expect(result.success).toBe(true);
      expect(result.checks[1]?.message).toMatch(/^ECR issued a registry login valid until \d{4}-/);
      expect(result.checks[3]?.message).toBe('DescribeRepositories lists the repositories');
      expect(aws.count('GetAuthorizationToken')).toBe(1);
      expect(aws.requests.find((r) => r.operation === 'DescribeRepositories')?.input).toEqual({
        maxResults: 1,
      });
    });

    it('a wrong secret key fails at the token step, with AWS’s words and no secret', async () => {
      const secret = { ...KEYS.reader, secretAccessKey: 'not-the-secret-key' };

      const result = await createEcrPlugin().testConnection(as(secret));

      expect(steps(result)).toEqual([
        ['credentials', true],
        ['authorization token', false],
      ]);
      expect(result.message).toMatch(
        /ECR refused the AWS keys for GetAuthorizationToken \(InvalidSignatureException: The request signature we calculated/,
      );
      expect(JSON.stringify(result)).not.toContain('not-the-secret-key');
    });

    it('names the IAM action a key lacks', async () => {
      const noToken = await createEcrPlugin().testConnection(as(KEYS.lister));
      const noList = await createEcrPlugin().testConnection(as(KEYS.puller));
      const standIn = await createEcrPlugin().testConnection(
        as(KEYS.puller, { config: { repositories: ['acme/app'] } }),
      );

      expect(noToken.checks.at(-1)).toMatchObject({ name: 'authorization token', ok: false });
      expect(noToken.message).toMatch(
        /does not allow GetAuthorizationToken .*grant the IAM action ecr:GetAuthorizationToken/,
      );
      expect(noList.checks.at(-1)).toMatchObject({ name: 'repositories', ok: false });
      expect(noList.message).toMatch(/grant the IAM action ecr:DescribeRepositories$/);
      expect(standIn.success).toBe(true);
      expect(standIn.checks.find((c) => c.name === 'repositories')?.message).toMatch(
        /the 1 configured repositories are listed instead/,
      );
    });

    it('a missing repository fails its own step; no credentials fail at once', async () => {
      const missing = await createEcrPlugin().testConnection(
        as(KEYS.reader, { config: { repositories: ['acme/gone'] } }),
      );
      const none = await createEcrPlugin().testConnection(as(undefined));

      expect(missing.checks.at(-1)).toMatchObject({ name: 'repository acme/gone', ok: false });
      expect(missing.checks.at(-1)?.message).toMatch(/repository 'acme\/gone' was not found/);
      expect(steps(none)).toEqual([['credentials', false]]);
      expect(none.message).toMatch(/set the integration's authRef/);
    });

    it('a credential of another shape fails the credentials step, naming the shapes', async () => {
      const result = await createEcrPlugin().testConnection(as({ token: 'abc-secret-value' }));

      expect(steps(result)).toEqual([['credentials', false]]);
      expect(result.message).toMatch(/accessKeyId and secretAccessKey/);
      expect(JSON.stringify(result)).not.toContain('abc-secret-value');
    });
  });

  describe('health', () => {
    it('is healthy when a login is minted and the registry takes it', async () => {
      const health = await createEcrPlugin().checkHealth(as(KEYS.reader));

      expect(health.status).toBe('healthy');
      expect(health.message).toMatch(/^ECR issued a registry login; the registry speaks registry\/2\.0/);
      expect(aws.count('GetAuthorizationToken')).toBe(1);
    });

    it('is unhealthy for a revoked key and degraded while AWS throttles', async () => {
      aws.addKey({
        accessKeyId: 'AKIAECRTEST00REVOKE',
        secretAccessKey: 'revoked-secret-012345',
        actions: READ_ONLY_ACTIONS,
      });
      aws.revokeKey('AKIAECRTEST00REVOKE');
      const revoked = await createEcrPlugin().checkHealth(
        as({ accessKeyId: 'AKIAECRTEST00REVOKE', secretAccessKey: 'revoked-secret-012345' }),
      );
      aws.inject({ operation: 'GetAuthorizationToken', response: 'throttle', times: 1 });
      const throttled = await createEcrPlugin().checkHealth(as(KEYS.reader));

      expect(revoked).toEqual({
        status: 'unhealthy',
        message: expect.stringMatching(
          /UnrecognizedClientException: The security token included in the request is invalid/,
        ),
      });
      expect(throttled.status).toBe('degraded');
      expect(throttled.message).toMatch(/ThrottlingException: Rate exceeded/);
    });
  });

  describe('registry', () => {
    it('lists repositories page by page with DescribeRepositories', async () => {
      const connector = createEcrPlugin().registry!(as(KEYS.reader));
      const names: string[] = [];
      let cursor: string | undefined;
      let pages = 0;

      do {
        const page = await connector.listRepositories({ pageSize: 2, ...(cursor ? { cursor } : {}) });
        names.push(...page.items);
        cursor = page.nextCursor;
        pages += 1;
      } while (cursor);

      expect(names).toEqual(REPOSITORIES);
      expect(pages).toBe(3);
      expect(aws.requests.map((r) => (r.input as { maxResults?: number }).maxResults)).toEqual([2, 2, 2]);
      await expect(connector.listRepositories({ cursor: 'bm90LW91cnM' })).rejects.toThrow(
        /cursor is not a cursor/,
      );
      await expect(connector.listRepositories({ pageSize: 1001 })).rejects.toThrow(
        /pageSize must be an integer from 1 to 1000/,
      );
    });

    it('lists tags and resolves manifests and indexes with one GetAuthorizationToken for all', async () => {
      const plugin = createEcrPlugin();
      const connector = () => plugin.registry!(as(KEYS.reader));

      const tags = await connector().listTags('acme/app');
      const manifest = await connector().resolveReference('acme/app', '1.0');
      const index = await connector().resolveReference('acme/multi', 'latest');
      await connector().listTags('acme/multi');
      const health = await plugin.checkHealth(as(KEYS.reader));

      expect(tags).toEqual({ items: ['1.0', '2.0'] });
      expect(manifest).toEqual({ digest: app.digest, mediaType: OCI_MANIFEST });
      expect(index).toMatchObject({ digest: multi.digest, mediaType: OCI_INDEX });
      expect(index.platforms?.map((p) => p.architecture)).toEqual(['amd64', 'arm64']);
      // Four registry operations on one login; health mints its own on purpose.
      expect(aws.count('GetAuthorizationToken')).toBe(2);
      expect(health.status).toBe('healthy');
    });

    it('labels its AWS requests provider ecr with fixed operation names', async () => {
      const client = makeClient({ allowPrivateNetworks: true, allowAnyPort: true });
      try {
        await createEcrPlugin().registry!(as(KEYS.reader, { http: client.client })).listTags('acme/app');
        await createEcrPlugin().registry!(as(KEYS.reader, { http: client.client })).listRepositories();
        const metrics = await client.registry.getMetricsAsJSON();
        const labels = metrics.flatMap((metric) => metric.values.map((value) => value.labels));

        expect(labels).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ provider: 'ecr', operation: 'get_authorization_token' }),
            expect.objectContaining({ provider: 'ecr', operation: 'describe_repositories' }),
            expect.objectContaining({ provider: 'ecr', operation: 'list_tags' }),
          ]),
        );
      } finally {
        await client.client.close();
      }
    });

    it('a revoked key is refused; a login minted before still reads until it lapses', async () => {
      const key = { accessKeyId: 'AKIAECRTEST0REVOKE2', secretAccessKey: 'revoked-secret-2-0123' };
      aws.addKey({ ...key, actions: READ_ONLY_ACTIONS });
      const plugin = createEcrPlugin();
      await plugin.registry!(as(key)).listTags('acme/app');

      aws.revokeKey(key.accessKeyId);
      const cached = await plugin.registry!(as(key)).listTags('acme/app');
      const listing = await plugin.registry!(as(key))
        .listRepositories()
        .catch((error: unknown) => error);
      const fresh = await createEcrPlugin().registry!(as(key))
        .listTags('acme/app')
        .catch((error: unknown) => error);

      expect(cached.items).toEqual(['1.0', '2.0']);
      expect(listing).toBeInstanceOf(RegistryAuthError);
      expect((listing as RegistryAuthError).reason).toBe('refused');
      expect((fresh as Error).message).toMatch(
        /ECR refused the AWS keys for GetAuthorizationToken \(UnrecognizedClientException/,
      );
    });

    it('lists the configured repositories when the key may not call DescribeRepositories', async () => {
      const connector = createEcrPlugin().registry!(
        as(KEYS.puller, { config: { repositories: ['base', 'acme/app', 'tools/ci'] } }),
      );

      const first = await connector.listRepositories({ pageSize: 2 });
      const second = await connector.listRepositories({ pageSize: 2, cursor: first.nextCursor! });

      expect(first.items).toEqual(['acme/app', 'base']);
      expect(second).toEqual({ items: ['tools/ci'] });
    });
  });

  describe('a role to assume', () => {
    const vendor = { ...KEYS.vendor, roleArn: ROLE_ARN, externalId: EXTERNAL_ID };

    it('assumes the role first, then reads with its keys, once for several operations', async () => {
      const plugin = createEcrPlugin();

      const result = await plugin.testConnection(as(vendor, { config: { repositories: ['acme/app'] } }));
      const repositories = await plugin.registry!(as(vendor)).listRepositories();
      const tags = await plugin.registry!(as(vendor)).listTags('acme/app');

      expect(steps(result).slice(0, 3)).toEqual([
        ['credentials', true],
        ['assume role', true],
        ['authorization token', true],
      ]);
      expect(result.success).toBe(true);
      expect(result.checks[1]?.message).toMatch(new RegExp(`^assumed ${ROLE_ARN} until \\d{4}-`));
      expect(repositories.items).toEqual(REPOSITORIES);
      expect(tags.items).toEqual(['1.0', '2.0']);
      // The test assumes afresh; the operations after it reuse that role session and its login.
      expect(aws.count('AssumeRole')).toBe(1);
      expect(aws.count('GetAuthorizationToken')).toBe(1);
      const form = aws.requests.find((r) => r.operation === 'AssumeRole')?.input;
      expect(form).toEqual({
        Action: 'AssumeRole',
        Version: '2011-06-15',
        RoleArn: ROLE_ARN,
        RoleSessionName: 'integrations-catalog',
        ExternalId: EXTERNAL_ID,
        DurationSeconds: '3600',
      });
    });

    it('a wrong external id fails the assume role step with STS’s words', async () => {
      const result = await createEcrPlugin().testConnection(as({ ...vendor, externalId: 'someone-else' }));

      expect(steps(result)).toEqual([
        ['credentials', true],
        ['assume role', false],
      ]);
      expect(result.message).toMatch(
        /STS accepted the AWS keys but does not allow AssumeRole \(AccessDenied: User: .* is not authorized to perform: sts:AssumeRole/,
      );
    });
  });

  describe('a stored registry login', () => {
    it('is passed to the registry as it is, with no AWS call', async () => {
      const login = { username: 'AWS', password: REGISTRY_PASSWORD };
      const plugin = createEcrPlugin();

      const result = await plugin.testConnection(as(login, { config: { repositories: ['acme/app'] } }));
      const repositories = await plugin.registry!(as(login)).listRepositories({ pageSize: 10 });
      const stale = await createEcrPlugin().testConnection(
        as({ username: 'AWS', password: 'expired-login' }),
      );

      expect(steps(result)).toEqual([
        ['credentials', true],
        ['registry', true],
        ['repositories', true],
        ['repository acme/app', true],
      ]);
      expect(repositories.items).toEqual(['acme/app', 'acme/multi']);
      expect(stale.checks.at(-1)).toMatchObject({ name: 'registry', ok: false });
      expect(stale.message).toMatch(/refused the credentials/);
      expect(JSON.stringify(stale)).not.toContain('expired-login');
      expect(aws.requests).toEqual([]);
    });
  });

  it('a clock more than 5 minutes off is named as such', async () => {
    const skewed = () => new Date(Date.now() - 10 * 60_000);

    const result = await createEcrPlugin().testConnection(as(KEYS.reader, { now: skewed }));

    expect(result.message).toMatch(
      /Signature expired.*this machine's clock is more than 5 minutes off AWS's/,
    );
  });
  describe('the connector contract', () => {
    runConnectorContract('ecr', {
      setup: async () => {
        const integration = {
          id: null,
          tenantId: 'default',
          type: 'registry' as const,
          authRef: 'authref://local/ecr',
        };
        const config = { plainHttp: true, region: 'us-east-1', apiEndpoint: aws.url };
        return {
          plugin: asConnectorPlugin(createEcrPlugin()),
          working: { ...integration, name: 'working', endpoint: registry.url, config },
          failing: { ...integration, name: 'failing', endpoint: 'http://127.0.0.1:9/', config },
          invalidConfigs: [
            { config: { ...config, plainHttp: 'yes' }, field: '/config/plainHttp' },
            { config: { ...config, region: 'Europe' }, field: '/config/region' },
            { config: { ...config, apiEndpoint: 42 }, field: '/config/apiEndpoint' },
            { config: { ...config, repositories: ['Acme'] }, field: '/config/repositories/0' },
          ],
          registryImage: { repository: 'acme/app', tag: '1.0', digest: app.digest },
          credentials: createInlineCredentialsAccessor(KEYS.reader),
          http,
        };
      },
    });
  });
});
