import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeAws, READ_ONLY_ACTIONS, startFakeAws } from '../../../test/fakes/aws/fake-aws.js';
import { UpstreamError } from '../../core/errors.js';
import type { HttpClient } from '../../net/index.js';
import { RegistryProtocolError } from '../oci/index.js';
import {
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
 * What a healthy AWS never sends: malformed answers, and throttling and 5xx injected on valid
 * requests. The registry is never reached (a closed port): every case fails at the AWS call.
 */

const DEAD_REGISTRY = 'http://127.0.0.1:9';

describe('ecr faults', () => {
  let aws: FakeAws;
  // A client per case: five transient failures in a row open the client's circuit for the origin.
  let http: HttpClient;
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error: unknown) => error as UpstreamError,
    );
  const tags = (secret: Record<string, string> = KEYS.reader) =>
    failure(
      createEcrPlugin().registry!(ecrContext({ endpoint: DEAD_REGISTRY, aws, http, secret })).listTags(
        'acme/app',
      ),
    );
  const repositories = () =>
    failure(
      createEcrPlugin().registry!(
        ecrContext({ endpoint: DEAD_REGISTRY, aws, http, secret: KEYS.reader }),
      ).listRepositories(),
    );
  const answer = (operation: string, body: string, status = 200) =>
    aws.inject({ operation, response: { status, body }, times: 1 });

  beforeAll(async () => {
    aws = await startFakeAws({ registryPassword: REGISTRY_PASSWORD });
    seedKeys(aws, READ_ONLY_ACTIONS);
    aws.addRepository('acme/app');
  });
  beforeEach(() => {
    http = loopbackClient();
  });
  afterEach(async () => {
    expect(aws.violations).toEqual([]);
    aws.clearFaults();
    aws.reset();
    await http.close();
  });
  afterAll(async () => {
    await aws.close();
  });

  const token = (value: unknown, expiresAt: unknown = Date.now() / 1000 + 3600) =>
    JSON.stringify({
      authorizationData: [{ authorizationToken: value, expiresAt, proxyEndpoint: 'https://x' }],
    });

  it.each([
    ['not JSON', '<html>hello</html>', /GetAuthorizationToken answer is not JSON/],
    ['a list', '[]', /is not a JSON object/],
    ['without authorizationData', '{}', /has no 'authorizationData'/],
    ['with an empty authorizationData', '{"authorizationData":[]}', /has no 'authorizationData'/],
    ['with a token that is not base64', token('not base64!'), /'authorizationToken' that is not base64$/],
    [
      'with a token without a colon',
      token(Buffer.from('AWSpassword').toString('base64')),
      /not base64 of user:password/,
    ],
    [
      'with a token without a password',
      token(Buffer.from('AWS:').toString('base64')),
      /not base64 of user:password/,
    ],
    ['with a numeric token', token(42), /not base64/],
    [
      'with expiresAt as text',
      token(Buffer.from('AWS:p').toString('base64'), '2026-01-01'),
      /'expiresAt' that is not a time/,
    ],
  ])('a GetAuthorizationToken answer %s is a permanent protocol error', async (_name, body, message) => {
    answer('GetAuthorizationToken', body);

    const error = await tags();

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error?.isTransient).toBe(false);
    expect(error?.message).toMatch(message);
  });

  it('a huge answer is refused without reading it all', async () => {
    answer(
      'GetAuthorizationToken',
      JSON.stringify({ authorizationData: [{ authorizationToken: 'A'.repeat(2 * 1024 * 1024) }] }),
    );

    const error = await tags();

    expect(error?.isTransient).toBe(false);
    expect(error?.message).toMatch(/larger|too large|exceeds/i);
  });

  it.each([
    ['without a repositories list', '{"repositories":{}}', /has no 'repositories' list/],
    ['with a nameless repository', '{"repositories":[{"repositoryArn":"arn"}]}', /without a repositoryName/],
    ['with a numeric nextToken', '{"repositories":[],"nextToken":5}', /'nextToken' that is not a string/],
  ])('a DescribeRepositories answer %s is a protocol error', async (_name, body, message) => {
    answer('DescribeRepositories', body);

    const error = await repositories();

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error?.message).toMatch(message);
  });

  it('throttling is transient and not repeated by us; 503 is retried by the client, then transient', async () => {
    aws.inject({ operation: 'DescribeRepositories', response: 'throttle', times: 1 });
    const throttled = await repositories();
    aws.reset();
    aws.inject({ operation: 'GetAuthorizationToken', response: 'unavailable' });
    const unavailable = await tags();

    expect(throttled?.isTransient).toBe(true);
    expect(throttled?.message).toMatch(
      /ECR DescribeRepositories failed for now \(HTTP 400, ThrottlingException: Rate exceeded\)/,
    );
    expect(unavailable).toBeInstanceOf(UpstreamError);
    expect(unavailable?.isTransient).toBe(true);
    expect(unavailable?.message).toMatch(/HTTP 503.*after 3 attempts/);
    expect(aws.count('GetAuthorizationToken')).toBe(3);
  });

  it('a 503 that passes recovers on the client’s retry (a token mint is safe to repeat)', async () => {
    aws.inject({ operation: 'DescribeRepositories', response: 'unavailable', times: 1 });

    const page = await createEcrPlugin().registry!(
      ecrContext({ endpoint: DEAD_REGISTRY, aws, http, secret: KEYS.reader }),
    ).listRepositories();

    expect(page).toEqual({ items: ['acme/app'] });
    expect(aws.count('DescribeRepositories')).toBe(2);
  });

  it('an apiEndpoint that is not the ECR API is named', async () => {
    const context = ecrContext({
      endpoint: DEAD_REGISTRY,
      aws,
      http,
      secret: KEYS.reader,
      config: { apiEndpoint: `${aws.url}/` },
    });
    answer('GetAuthorizationToken', '<html>Not Found</html>', 404);

    const error = await failure(createEcrPlugin().registry!(context).listTags('acme/app'));

    expect(error?.message).toMatch(
      /the ECR API at 127\.0\.0\.1:\d+ answered GetAuthorizationToken with HTTP 404 and no AWS error; check config\.apiEndpoint/,
    );
  });

  it.each([
    ['not an AssumeRoleResponse', '<Other/>', /is not an AssumeRoleResponse/],
    ['without Credentials', '<AssumeRoleResponse></AssumeRoleResponse>', /has no Credentials/],
    [
      'without a session token',
      '<AssumeRoleResponse><Credentials><AccessKeyId>ASIAABCDEFGHIJKLMNOP</AccessKeyId><SecretAccessKey>s</SecretAccessKey><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleResponse>',
      /has no SecretAccessKey or SessionToken/,
    ],
    [
      'with an unreadable expiration',
      '<AssumeRoleResponse><Credentials><AccessKeyId>ASIAABCDEFGHIJKLMNOP</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>soon</Expiration></Credentials></AssumeRoleResponse>',
      /has no Expiration time/,
    ],
  ])('an AssumeRole answer %s is a protocol error', async (_name, body, message) => {
    aws.inject({
      operation: 'AssumeRole',
      response: { status: 200, body, contentType: 'text/xml' },
      times: 1,
    });

    const error = await tags({ ...KEYS.vendor, roleArn: ROLE_ARN, externalId: EXTERNAL_ID });

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect(error?.message).toMatch(message);
  });

  it('invalid config fails the operation with the field to fix', async () => {
    const context = ecrContext({
      endpoint: 'http://mirror.example.com',
      aws,
      http,
      secret: KEYS.reader,
      config: { region: undefined },
    });

    const error = await failure(createEcrPlugin().registry!(context).listTags('acme/app'));
    const tested = await createEcrPlugin().testConnection(context);

    expect(error?.message).toMatch(/config\.region is required/);
    expect(tested.checks).toEqual([
      { name: 'endpoint', ok: false, message: expect.stringMatching(/config\.region is required/) },
    ]);
  });
});
