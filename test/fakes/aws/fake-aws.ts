import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  describeRepositories,
  ECR_CONTENT_TYPE,
  ECR_OPERATIONS,
  ECR_TARGET_PREFIX,
  type EcrAnswer,
  type EcrWorld,
  ecrError,
  getAuthorizationToken,
  invalidInput,
} from './ecr-operations.js';
import { computeSignature, formatAmzDate, parseAmzDate, parseAuthorization, sameSignature } from './sigv4.js';
import type { AwsFault, AwsRequestRecord, FakeKey, FakeRepository, FakeRole } from './state.js';
import { assumeRole, invalidStsInput, type StsAnswer, stsError } from './sts-operations.js';

export type { AwsFault, AwsRequestRecord, FakeKey, FakeRole } from './state.js';
export { ECR_ACTIONS, READ_ONLY_ACTIONS } from './state.js';

/**
 * A small AWS on loopback for the `ecr` provider: the ECR API (`GetAuthorizationToken`,
 * `DescribeRepositories`, awsJson1_1) and STS `AssumeRole` (Query protocol), both at `POST /`, told
 * apart as AWS's endpoints are by the signing scope's service. Every request's Signature Version 4 is
 * recomputed with the fake's own verifier (`sigv4.ts`) from the secret it holds for the access key;
 * dates more than 5 minutes off, unknown, revoked or expired keys, actions the key's policy lacks and
 * bodies that are not the operation's input are refused with AWS's words. A request no correct client
 * sends (wrong target or content type, unknown members, no signature) is also listed in `violations`.
 */

export interface FakeAwsOptions {
  /** The password every registry token carries (give the test registry an account `AWS` with it). */
  readonly registryPassword: string;
  readonly accountId?: string;
  readonly region?: string;
  /** The fake's clock, epoch ms (default `Date.now`). */
  readonly now?: () => number;
  /** Life of a registry token (default 12 h, as ECR's). */
  readonly tokenLifeMs?: number;
}

export interface FakeAws {
  /** `http://127.0.0.1:PORT`: the ECR API and STS endpoint. */
  readonly url: string;
  readonly accountId: string;
  readonly region: string;
  readonly requests: readonly AwsRequestRecord[];
  readonly violations: readonly string[];
  addKey(key: Omit<FakeKey, 'arn'> & { readonly arn?: string }): FakeKey;
  revokeKey(accessKeyId: string): void;
  addRole(role: FakeRole): void;
  addRepository(name: string, createdAt?: number): void;
  inject(fault: AwsFault): void;
  clearFaults(): void;
  /** How many requests of `operation` were answered (whatever their status). */
  count(operation: string): number;
  /** Forgets recorded requests and violations. */
  reset(): void;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
/** The Query API's names for the JSON API's error codes. */
const STS_CODES: Record<string, string> = {
  MissingAuthenticationTokenException: 'MissingAuthenticationToken',
  IncompleteSignatureException: 'IncompleteSignature',
  InvalidSignatureException: 'SignatureDoesNotMatch',
  ExpiredTokenException: 'ExpiredToken',
  SerializationException: 'MalformedInput',
};
/** AWS refuses a signature whose date is more than 5 minutes from its clock. */
export const MAX_SKEW_MS = 5 * 60 * 1000;

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  const accountId = options.accountId ?? '123456789012';
  const region = options.region ?? 'us-east-1';
  const now = options.now ?? Date.now;
  const keys = new Map<string, FakeKey>();
  const roles = new Map<string, FakeRole>();
  const repositories = new Map<string, FakeRepository>();
  const faults: AwsFault[] = [];
  const requests: AwsRequestRecord[] = [];
  const violations: string[] = [];
  const world: EcrWorld = {
    accountId,
    region,
    registryPassword: options.registryPassword,
    tokenLifeMs: options.tokenLifeMs ?? 12 * 60 * 60 * 1000,
    now,
    repositories,
    pageTokens: new Map(),
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req);
    const headers = headersOf(req);
    const target = headers['x-amz-target'];
    const type = (headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    const service: AwsRequestRecord['service'] =
      target !== undefined ? 'ecr' : type === 'application/x-www-form-urlencoded' ? 'sts' : 'unknown';
    const form = service === 'sts' ? new URLSearchParams(body.toString('utf8')) : undefined;
    const operation =
      service === 'ecr' ? (target ?? '').replace(ECR_TARGET_PREFIX, '') : (form?.get('Action') ?? 'unknown');
    const record = (status: number, extra: Partial<AwsRequestRecord>) =>
      requests.push({ service, operation, status, ...extra });
    const reply = (answer: EcrAnswer | StsAnswer, extra: Partial<AwsRequestRecord> = {}) => {
      const json = service !== 'sts';
      const text = json ? JSON.stringify((answer as EcrAnswer).body) : (answer as StsAnswer).body;
      const error = answer.status >= 300 ? errorCodeOf(answer, json) : undefined;
      record(answer.status, { ...extra, ...(error ? { error } : {}) });
      res.writeHead(answer.status, {
        'content-type': json ? ECR_CONTENT_TYPE : 'text/xml',
        'x-amzn-requestid': createHash('sha256').update(String(requests.length)).digest('hex').slice(0, 32),
      });
      res.end(text);
    };
    const fail = (status: number, code: string, message: string, violation?: string) => {
      if (violation) violations.push(`${req.method} ${req.url} (${operation}): ${violation}`);
      reply(
        service === 'sts'
          ? stsError(status, STS_CODES[code] ?? code, message)
          : ecrError(status, code, message),
      );
    };

    if (req.method !== 'POST' || req.url !== '/')
      return fail(
        404,
        'UnknownOperationException',
        'Unknown operation',
        `${req.method} ${req.url} is not an AWS JSON or Query API call`,
      );
    if (service === 'unknown')
      return fail(
        400,
        'UnknownOperationException',
        'Unknown operation',
        'neither an X-Amz-Target (JSON API) nor a form body (Query API)',
      );
    if (service === 'ecr') {
      if (!target?.startsWith(ECR_TARGET_PREFIX) || !ECR_OPERATIONS.has(operation))
        return fail(400, 'UnknownOperationException', '', `X-Amz-Target '${target}' is not an ECR operation`);
      if (type !== ECR_CONTENT_TYPE)
        return fail(
          400,
          'SerializationException',
          `Content type ${type || 'none'} is not supported`,
          `content type '${type}' is not ${ECR_CONTENT_TYPE}`,
        );
    }

    // Signature Version 4, checked as AWS does.
    const auth = parseAuthorization(headers.authorization);
    if ('problem' in auth) {
      if (auth.problem === 'missing')
        return fail(
          403,
          'MissingAuthenticationTokenException',
          'Missing Authentication Token',
          'unsigned request',
        );
      return fail(
        403,
        'IncompleteSignatureException',
        `Authorization header requires a valid signature: ${auth.problem}`,
        auth.problem,
      );
    }
    const amzDate = headers['x-amz-date'];
    const signedAt = parseAmzDate(amzDate);
    if (
      !auth.signedHeaders.includes('host') ||
      !auth.signedHeaders.includes('x-amz-date') ||
      Number.isNaN(signedAt)
    )
      return fail(
        403,
        'IncompleteSignatureException',
        "Authorization header requires 'host' and 'x-amz-date' to be signed, and a valid X-Amz-Date",
        'host or x-amz-date not signed',
      );
    const clock = now();
    if (Math.abs(clock - signedAt) > MAX_SKEW_MS)
      return fail(
        403,
        'InvalidSignatureException',
        `Signature expired: ${amzDate} is now ${signedAt < clock ? 'earlier' : 'later'} than ${formatAmzDate(clock + (signedAt < clock ? -MAX_SKEW_MS : MAX_SKEW_MS))} (${formatAmzDate(clock)} ${signedAt < clock ? '-' : '+'} 5 min.)`,
      );
    if (auth.date !== amzDate?.slice(0, 8) || auth.region !== region || auth.service !== service)
      return fail(
        403,
        'InvalidSignatureException',
        `Credential should be scoped to a valid region and service: ${auth.date}/${region}/${service}, not ${auth.date}/${auth.region}/${auth.service}.`,
      );
    const key = keys.get(auth.accessKeyId);
    const token = headers['x-amz-security-token'];
    if (
      !key ||
      key.revoked ||
      (key.sessionToken !== undefined && token !== key.sessionToken) ||
      (key.sessionToken === undefined && token !== undefined)
    )
      return service === 'sts'
        ? reply(
            stsError(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.'),
            { accessKeyId: auth.accessKeyId },
          )
        : reply(
            ecrError(
              403,
              'UnrecognizedClientException',
              'The security token included in the request is invalid.',
            ),
            { accessKeyId: auth.accessKeyId },
          );
    if (token !== undefined && !auth.signedHeaders.includes('x-amz-security-token'))
      return fail(
        403,
        'IncompleteSignatureException',
        'X-Amz-Security-Token must be signed',
        'session token not signed',
      );
    if (key.expiresAt !== undefined && key.expiresAt <= clock)
      return fail(403, 'ExpiredTokenException', 'The security token included in the request is expired');
    const contentHash = headers['x-amz-content-sha256'];
    if (contentHash !== undefined && contentHash !== createHash('sha256').update(body).digest('hex'))
      return fail(
        400,
        'XAmzContentSHA256Mismatch',
        'The provided x-amz-content-sha256 header does not match what was computed.',
      );
    const expected = computeSignature(
      { method: req.method, path: '/', query: '', headers, body },
      { secret: key.secretAccessKey, amzDate: amzDate!, region, service, signedHeaders: auth.signedHeaders },
    );
    if (!sameSignature(expected, auth.signature))
      return service === 'sts'
        ? reply(
            stsError(
              403,
              'SignatureDoesNotMatch',
              'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
            ),
            { accessKeyId: key.accessKeyId },
          )
        : reply(
            ecrError(
              403,
              'InvalidSignatureException',
              'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
            ),
            { accessKeyId: key.accessKeyId },
          );

    // The operation's input.
    let input: unknown;
    if (service === 'ecr') {
      try {
        input = JSON.parse(body.toString('utf8'));
      } catch {
        return fail(400, 'SerializationException', 'Unexpected end of input', 'the body is not JSON');
      }
      const invalid = invalidInput(operation, input);
      if (invalid) {
        if (invalid.body.__type === 'SerializationException')
          violations.push(`${operation}: ${String(invalid.body.message)}`);
        return reply(invalid, { accessKeyId: key.accessKeyId, input });
      }
    } else {
      input = Object.fromEntries(form!);
      const invalid = invalidStsInput(form!);
      if (invalid) {
        violations.push(`AssumeRole: ${invalid.body.match(/<Message>(.*)<\/Message>/)?.[1] ?? 'invalid'}`);
        return reply(invalid, { accessKeyId: key.accessKeyId, input });
      }
    }

    const fault = faults.find((candidate) => candidate.operation === operation);
    if (fault) {
      if (fault.times !== undefined && --fault.times <= 0) faults.splice(faults.indexOf(fault), 1);
      const extra = { accessKeyId: key.accessKeyId, input, injected: true };
      if (fault.response === 'throttle')
        return reply(
          service === 'sts'
            ? stsError(400, 'Throttling', 'Rate exceeded')
            : ecrError(400, 'ThrottlingException', 'Rate exceeded'),
          extra,
        );
      if (fault.response === 'unavailable')
        return reply(
          service === 'sts'
            ? stsError(503, 'ServiceUnavailable', 'Service unavailable', 'Receiver')
            : ecrError(503, 'ServiceUnavailableException', 'Service Unavailable'),
          extra,
        );
      record(fault.response.status, extra);
      res.writeHead(fault.response.status, {
        'content-type': fault.response.contentType ?? ECR_CONTENT_TYPE,
      });
      return res.end(fault.response.body);
    }

    const extra = { accessKeyId: key.accessKeyId, input };
    if (service === 'sts') {
      const answer = assumeRole(key, form!, roles, clock);
      if (answer.issued) keys.set(answer.issued.accessKeyId, answer.issued);
      return reply(answer, extra);
    }
    if (operation === 'GetAuthorizationToken') return reply(getAuthorizationToken(key, world), extra);
    return reply(describeRepositories(key, input as Record<string, unknown>, world), extra);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      violations.push(`the fake failed: ${(error as Error).message}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    accountId,
    region,
    requests,
    violations,
    addKey(key) {
      const full: FakeKey = { arn: `arn:aws:iam::${accountId}:user/scanner`, ...key };
      keys.set(full.accessKeyId, full);
      return full;
    },
    revokeKey(accessKeyId) {
      const key = keys.get(accessKeyId);
      if (key) key.revoked = true;
    },
    addRole: (role) => void roles.set(role.roleArn, role),
    addRepository: (name, createdAt = Math.floor(now() / 1000)) =>
      void repositories.set(name, { repositoryName: name, createdAt }),
    inject: (fault) => void faults.push({ ...fault }),
    clearFaults: () => void faults.splice(0),
    count: (operation) => requests.filter((request) => request.operation === operation).length,
    reset() {
      requests.splice(0);
      violations.splice(0);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headersOf(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new Error('request body over 64 KiB');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function errorCodeOf(answer: EcrAnswer | StsAnswer, json: boolean): string | undefined {
  if (json) return String((answer as EcrAnswer).body.__type ?? '');
  return /<Code>(.*)<\/Code>/.exec((answer as StsAnswer).body)?.[1];
}
