import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signRequest } from '../../../src/providers/ecr/signer.js';
import { type FakeAws, READ_ONLY_ACTIONS, startFakeAws } from './fake-aws.js';

/** The fake AWS refuses what AWS refuses, with AWS's codes, and answers the documented shapes. */

const KEY = { accessKeyId: 'AKIAFAKE000000000001', secretAccessKey: 'fake-secret-key-0001/abc' };
const LIST_ONLY = { accessKeyId: 'AKIAFAKE000000000002', secretAccessKey: 'fake-secret-key-0002/abc' };
const TARGET = 'AmazonEC2ContainerRegistry_V20150921.';
const JSON_11 = 'application/x-amz-json-1.1';

describe('the fake AWS (ECR API and STS)', () => {
  let fake: FakeAws;
  let clock = Date.now();

  interface Call {
    readonly operation?: string;
    readonly body?: string;
    readonly keys?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
    readonly date?: Date;
    readonly region?: string;
    readonly service?: string;
    readonly headers?: Record<string, string>;
    /** Changes the signed headers before sending (tampering). */
    readonly after?: (headers: Record<string, string>) => Record<string, string>;
  }

  async function send(call: Call) {
    const url = new URL(`${fake.url}/`);
    const body = call.body ?? '{}';
    const base = call.headers ?? {
      'content-type': JSON_11,
      'x-amz-target': `${TARGET}${call.operation ?? 'GetAuthorizationToken'}`,
    };
    const signed = await signRequest(call.keys ?? KEY, {
      url,
      headers: base,
      body,
      region: call.region ?? 'us-east-1',
      service: call.service ?? 'ecr',
      signingDate: call.date ?? new Date(clock),
    });
    const headers = call.after ? call.after(signed) : signed;
    const response = await fetch(url, { method: 'POST', headers, body });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  }

  beforeAll(async () => {
    fake = await startFakeAws({ registryPassword: 'registry-password-1', now: () => clock });
    fake.addKey({ ...KEY, actions: READ_ONLY_ACTIONS });
    fake.addKey({ ...LIST_ONLY, actions: ['ecr:DescribeRepositories'] });
    for (const name of ['acme/app', 'acme/api', 'base', 'tools/ci']) fake.addRepository(name);
  });
  afterEach(() => {
    clock = Date.now();
    fake.clearFaults();
    fake.reset();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('issues a registry token for AWS:<password>, valid 12 hours, with the proxy endpoint', async () => {
    const answer = await send({});

    const data = (answer.json().authorizationData as Record<string, unknown>[])[0]!;
    expect(answer.status).toBe(200);
    expect(Buffer.from(String(data.authorizationToken), 'base64').toString()).toBe('AWS:registry-password-1');
    expect(Number(data.expiresAt) * 1000 - clock).toBeGreaterThan(12 * 3600 * 1000 - 1000);
    expect(data.proxyEndpoint).toBe('https://123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(fake.violations).toEqual([]);
  });

  it('pages DescribeRepositories by maxResults and nextToken', async () => {
    const first = (await send({ operation: 'DescribeRepositories', body: '{"maxResults":3}' })).json();
    const second = (
      await send({
        operation: 'DescribeRepositories',
        body: JSON.stringify({ maxResults: 3, nextToken: first.nextToken }),
      })
    ).json();

    const names = (page: Record<string, unknown>) =>
      (page.repositories as { repositoryName: string }[]).map((r) => r.repositoryName);
    expect(names(first)).toEqual(['acme/api', 'acme/app', 'base']);
    expect(typeof first.nextToken).toBe('string');
    expect(names(second)).toEqual(['tools/ci']);
    expect(second.nextToken).toBeUndefined();
    expect((first.repositories as Record<string, unknown>[])[0]).toMatchObject({
      registryId: '123456789012',
      repositoryUri: '123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/api',
    });
  });

  it.each([
    ['a wrong secret', { keys: { ...KEY, secretAccessKey: 'wrong' } }, 403, 'InvalidSignatureException'],
    [
      'an unknown key',
      { keys: { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' } },
      403,
      'UnrecognizedClientException',
    ],
    [
      'a body changed after signing',
      { after: (h: Record<string, string>) => ({ ...h, 'x-amz-target': `${TARGET}DescribeRepositories` }) },
      403,
      'InvalidSignatureException',
    ],
    [
      'a date 6 minutes behind',
      { date: new Date(Date.now() - 6 * 60_000) },
      403,
      'InvalidSignatureException',
    ],
    ['a date 6 minutes ahead', { date: new Date(Date.now() + 6 * 60_000) }, 403, 'InvalidSignatureException'],
    ['another region in the scope', { region: 'eu-west-1' }, 403, 'InvalidSignatureException'],
    [
      'no signature',
      { after: ({ authorization: _, ...rest }: Record<string, string>) => rest },
      403,
      'MissingAuthenticationTokenException',
    ],
  ])('refuses %s', async (_name, call, status, type) => {
    const answer = await send(call as Call);

    expect(answer.status).toBe(status);
    expect(answer.json().__type).toBe(type);
  });

  it('says "Signature expired" for a stale date, as AWS words it', async () => {
    const answer = await send({ date: new Date(Date.now() - 10 * 60_000) });

    expect(String(answer.json().message)).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
  });

  it('refuses a revoked key, and an expired session token', async () => {
    const revoked = fake.addKey({
      accessKeyId: 'AKIAFAKE000000000003',
      secretAccessKey: 's3',
      actions: READ_ONLY_ACTIONS,
    });
    fake.revokeKey(revoked.accessKeyId);
    const temporary = fake.addKey({
      accessKeyId: 'ASIAFAKE000000000004',
      secretAccessKey: 's4',
      sessionToken: 'token-4',
      expiresAt: clock + 60_000,
      actions: READ_ONLY_ACTIONS,
    });

    const gone = await send({ keys: revoked });
    const fresh = await send({ keys: temporary });
    const tokenless = await send({ keys: { accessKeyId: temporary.accessKeyId, secretAccessKey: 's4' } });
    clock += 120_000;
    const expired = await send({ keys: temporary, date: new Date(clock) });

    expect(gone.json().__type).toBe('UnrecognizedClientException');
    expect(fresh.status).toBe(200);
    expect(tokenless.json().__type).toBe('UnrecognizedClientException');
    expect(expired.json()).toEqual({
      __type: 'ExpiredTokenException',
      message: 'The security token included in the request is expired',
    });
  });

  it('denies an action the key’s policy lacks, naming it', async () => {
    const answer = await send({ keys: LIST_ONLY });

    expect(answer.status).toBe(400);
    expect(answer.json().__type).toBe('AccessDeniedException');
    expect(String(answer.json().message)).toMatch(/is not authorized to perform: ecr:GetAuthorizationToken/);
  });

  it.each([
    ['maxResults 0', '{"maxResults":0}', 'ValidationException', /greater than or equal to 1/],
    ['maxResults 1001', '{"maxResults":1001}', 'ValidationException', /less than or equal to 1000/],
    [
      'an unknown member',
      '{"maxResults":1,"filter":"x"}',
      'SerializationException',
      /Unrecognized field "filter"/,
    ],
    ['a nextToken it never gave', '{"nextToken":"made-up"}', 'InvalidParameterException', /pagination token/],
    ['a body that is not JSON', '{max', 'SerializationException', /./],
  ])('refuses DescribeRepositories with %s', async (_name, body, type, message) => {
    const answer = await send({ operation: 'DescribeRepositories', body });

    expect(answer.status).toBe(400);
    expect(answer.json().__type).toBe(type);
    expect(String(answer.json().message ?? '')).toMatch(message);
  });

  it('refuses a wrong X-Amz-Target or content type, and lists them as violations', async () => {
    const target = await send({
      headers: { 'content-type': JSON_11, 'x-amz-target': `${TARGET}ListEverything` },
    });
    const type = await send({
      headers: { 'content-type': 'application/json', 'x-amz-target': `${TARGET}GetAuthorizationToken` },
    });
    const member = await send({ body: '{"registryIds":["123456789012"],"extra":1}' });

    expect([target.status, target.json().__type]).toEqual([400, 'UnknownOperationException']);
    expect([type.status, type.json().__type]).toEqual([400, 'SerializationException']);
    expect(member.json().__type).toBe('SerializationException');
    expect(fake.violations).toHaveLength(3);
  });

  it('injects throttling and 5xx on valid requests', async () => {
    fake.inject({ operation: 'GetAuthorizationToken', response: 'throttle', times: 1 });
    fake.inject({ operation: 'DescribeRepositories', response: 'unavailable', times: 1 });

    const throttled = await send({});
    const unavailable = await send({ operation: 'DescribeRepositories' });
    const after = await send({});

    expect([throttled.status, throttled.json().__type]).toEqual([400, 'ThrottlingException']);
    expect([unavailable.status, unavailable.json().__type]).toEqual([503, 'ServiceUnavailableException']);
    expect(after.status).toBe(200);
  });

  describe('STS AssumeRole', () => {
    const ROLE = 'arn:aws:iam::210987654321:role/vendor-read';
    const form = (params: Record<string, string>) => ({
      service: 'sts',
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body: new URLSearchParams({ Action: 'AssumeRole', Version: '2011-06-15', ...params }).toString(),
    });

    beforeAll(() => {
      fake.addRole({
        roleArn: ROLE,
        externalId: 'customer-org-42',
        trusted: [KEY.accessKeyId],
        actions: READ_ONLY_ACTIONS,
      });
    });

    it('answers temporary keys that ECR then accepts', async () => {
      const answer = await send(
        form({
          RoleArn: ROLE,
          RoleSessionName: 'scanner',
          ExternalId: 'customer-org-42',
          DurationSeconds: '900',
        }),
      );
      const text = (name: string) => new RegExp(`<${name}>([^<]*)</${name}>`).exec(answer.text)?.[1] ?? '';
      const keys = {
        accessKeyId: text('AccessKeyId'),
        secretAccessKey: text('SecretAccessKey'),
        sessionToken: text('SessionToken'),
      };

      const token = await send({ keys });

      expect(answer.status).toBe(200);
      expect(keys.accessKeyId).toMatch(/^ASIA/);
      expect(Date.parse(text('Expiration')) - clock).toBeGreaterThan(899_000);
      expect(token.status).toBe(200);
    });

    it.each([
      ['a wrong external id', { ExternalId: 'someone-else' }, 403, 'AccessDenied'],
      ['no external id', {}, 403, 'AccessDenied'],
      [
        'a duration above the role’s maximum',
        { ExternalId: 'customer-org-42', DurationSeconds: '7200' },
        400,
        'ValidationError',
      ],
      [
        'a duration below 900 s',
        { ExternalId: 'customer-org-42', DurationSeconds: '60' },
        400,
        'ValidationError',
      ],
    ])('refuses %s', async (_name, extra, status, code) => {
      const answer = await send(form({ RoleArn: ROLE, RoleSessionName: 'scanner', ...extra }));

      expect(answer.status).toBe(status);
      expect(answer.text).toContain(`<Code>${code}</Code>`);
    });

    it('refuses a key the role does not trust, and an unknown parameter', async () => {
      const untrusted = await send({
        ...form({ RoleArn: ROLE, RoleSessionName: 'scanner', ExternalId: 'customer-org-42' }),
        keys: LIST_ONLY,
      });
      const unknown = await send(form({ RoleArn: ROLE, RoleSessionName: 'scanner', Policy: '{}' }));

      expect(untrusted.text).toContain('is not authorized to perform: sts:AssumeRole');
      expect(unknown.status).toBe(400);
      expect(fake.violations).toHaveLength(1);
    });
  });
});
