import { randomBytes } from 'node:crypto';
import type { FakeKey, FakeRole } from './state.js';

/**
 * STS `AssumeRole` in the Query protocol: a form body `Action=AssumeRole&Version=2011-06-15&…`, an XML
 * answer. https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
 */

export const STS_VERSION = '2011-06-15';
const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const PARAMS = new Set(['Action', 'Version', 'RoleArn', 'RoleSessionName', 'ExternalId', 'DurationSeconds']);

export interface StsAnswer {
  readonly status: number;
  readonly body: string;
  /** The temporary key made, for the fake to honour afterwards. */
  readonly issued?: FakeKey;
}

const xmlEscape = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function stsError(status: number, code: string, message: string, type = 'Sender'): StsAnswer {
  return {
    status,
    body: `<ErrorResponse xmlns="${NS}">\n  <Error>\n    <Type>${type}</Type>\n    <Code>${code}</Code>\n    <Message>${xmlEscape(message)}</Message>\n  </Error>\n  <RequestId>${randomBytes(16).toString('hex')}</RequestId>\n</ErrorResponse>\n`,
  };
}

/** Why the parameters are not a valid AssumeRole call, or nothing. */
export function invalidStsInput(params: URLSearchParams): StsAnswer | undefined {
  for (const name of new Set(params.keys())) {
    if (!PARAMS.has(name))
      return stsError(400, 'InvalidParameterValue', `The parameter ${name} is not recognized`);
    if (params.getAll(name).length > 1)
      return stsError(400, 'InvalidParameterValue', `The parameter ${name} is repeated`);
  }
  if (params.get('Action') !== 'AssumeRole')
    return stsError(
      400,
      'InvalidAction',
      `Could not find operation ${params.get('Action') ?? ''} for version ${STS_VERSION}`,
    );
  if (params.get('Version') !== STS_VERSION)
    return stsError(
      400,
      'InvalidAction',
      `Could not find operation AssumeRole for version ${params.get('Version') ?? 'NO_VERSION_SPECIFIED'}`,
    );
  const problems: string[] = [];
  const arn = params.get('RoleArn');
  if (!arn || arn.length < 20 || arn.length > 2048)
    problems.push(
      `Value '${arn ?? 'null'}' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20`,
    );
  const name = params.get('RoleSessionName');
  if (!name || !/^[\w+=,.@-]{2,64}$/.test(name))
    problems.push(
      `Value '${name ?? 'null'}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  const external = params.get('ExternalId');
  if (external !== null && !/^[\w+=,.@:/-]{2,1224}$/.test(external))
    problems.push(
      `Value at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*`,
    );
  const duration = params.get('DurationSeconds');
  if (duration !== null && (!/^\d+$/.test(duration) || Number(duration) < 900 || Number(duration) > 43200))
    problems.push(
      `Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  if (problems.length === 0) return undefined;
  return stsError(
    400,
    'ValidationError',
    `${problems.length} validation error${problems.length > 1 ? 's' : ''} detected: ${problems.join('; ')}`,
  );
}

/** AssumeRole: temporary keys with the role's actions, when the role trusts the caller and the external id matches. */
export function assumeRole(
  caller: FakeKey,
  params: URLSearchParams,
  roles: ReadonlyMap<string, FakeRole>,
  now: number,
): StsAnswer {
  const roleArn = params.get('RoleArn') ?? '';
  const role = roles.get(roleArn);
  const deniedAnswer = () =>
    stsError(
      403,
      'AccessDenied',
      `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
    );
  if (!role?.trusted.includes(caller.accessKeyId)) return deniedAnswer();
  if (role.externalId !== undefined && params.get('ExternalId') !== role.externalId) return deniedAnswer();
  const seconds = Number(params.get('DurationSeconds') ?? 3600);
  const max = role.maxSessionSeconds ?? 3600;
  if (seconds > max)
    return stsError(
      400,
      'ValidationError',
      `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
    );
  const sessionName = params.get('RoleSessionName') ?? '';
  const roleName = roleArn.split('/').at(-1) ?? 'role';
  const account = roleArn.split(':')[4] ?? '000000000000';
  const issued: FakeKey = {
    accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: randomBytes(96).toString('base64'),
    expiresAt: now + seconds * 1000,
    actions: role.actions,
    arn: `arn:aws:sts::${account}:assumed-role/${roleName}/${sessionName}`,
  };
  const expiration = new Date(issued.expiresAt!).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const body = `<AssumeRoleResponse xmlns="${NS}">
  <AssumeRoleResult>
    <AssumedRoleUser>
      <AssumedRoleId>AROA${randomBytes(8).toString('hex').toUpperCase()}:${xmlEscape(sessionName)}</AssumedRoleId>
      <Arn>${xmlEscape(issued.arn)}</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>${issued.accessKeyId}</AccessKeyId>
      <SecretAccessKey>${xmlEscape(issued.secretAccessKey)}</SecretAccessKey>
      <SessionToken>${xmlEscape(issued.sessionToken!)}</SessionToken>
      <Expiration>${expiration}</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>${randomBytes(16).toString('hex')}</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
`;
  return { status: 200, body, issued };
}
