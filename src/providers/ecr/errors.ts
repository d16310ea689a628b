import { UpstreamError } from '../../core/errors.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';

/**
 * AWS's error answers, read once here for the ECR JSON API (`{"__type": "…Exception", "message"}`)
 * and STS's Query API (`<ErrorResponse><Error><Code>…</Code><Message>…`), and turned into what a user
 * can act on. Codes from AWS's common errors (e.g.
 * https://docs.aws.amazon.com/AmazonECR/latest/APIReference/CommonErrors.html).
 */

/** An AWS error as read from an answer: the code without its namespace, AWS's message. */
export interface AwsErrorAnswer {
  /** `ECR` or `STS`, for messages. */
  readonly service: string;
  /** The API action, e.g. `GetAuthorizationToken`. */
  readonly action: string;
  /** The IAM action it needs, e.g. `ecr:GetAuthorizationToken`. */
  readonly iamAction: string;
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

/** The key or its signature was not accepted: resolving the secret again may help (it was rotated). */
const REFUSED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationTokenException',
  'MissingAuthenticationToken',
  'ExpiredTokenException',
  'ExpiredToken',
]);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'NotAuthorized', 'UnauthorizedOperation']);
const TRANSIENT = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalServerError',
  'ServerException',
]);

/** AWS's code without the `com.amazon.coral.service#` namespace or a `:http://…` suffix. */
export function bareCode(type: string): string {
  return type.split('#').at(-1)!.split(':')[0]!.trim();
}

const excerpt = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

/** The error an AWS error answer stands for. */
export function awsFailure(answer: AwsErrorAnswer): UpstreamError {
  const { service, action, iamAction, code } = answer;
  const words = `${code}${answer.message ? `: ${excerpt(answer.message)}` : ''}`;
  if (code === 'ExpiredTokenException' || code === 'ExpiredToken')
    return new RegistryAuthError(
      `${service} refused the AWS keys for ${action}: the session token has expired (${words}); store fresh temporary keys, or long-term keys with a roleArn to assume`,
      { reason: 'refused' },
    );
  if (
    (code === 'InvalidSignatureException' || code === 'SignatureDoesNotMatch') &&
    /signature expired/i.test(answer.message)
  )
    return new UpstreamError(
      `${service} refused the request's date (${words}); this machine's clock is more than 5 minutes off AWS's: synchronise it (NTP)`,
      { isTransient: false },
    );
  if (REFUSED.has(code))
    return new RegistryAuthError(
      `${service} refused the AWS keys for ${action} (${words}); check the accessKeyId and secretAccessKey in the secret, and that the key is active`,
      { reason: 'refused' },
    );
  if (DENIED.has(code))
    return new RegistryAuthError(
      `${service} accepted the AWS keys but does not allow ${action} (${words}); grant the IAM action ${iamAction}`,
      { reason: 'not_granted' },
    );
  if (TRANSIENT.has(code) || answer.status >= 500)
    return new UpstreamError(
      `${service} ${action} failed for now (HTTP ${answer.status}, ${words}); it is retried later`,
      {
        isTransient: true,
      },
    );
  return new UpstreamError(`${service} refused ${action} (HTTP ${answer.status}, ${words})`, {
    isTransient: false,
  });
}

/** The error of an ECR JSON answer that is not 2xx; not AWS's JSON: a protocol error naming the endpoint. */
export function ecrFailure(
  status: number,
  body: Buffer,
  call: { readonly action: string; readonly iamAction: string; readonly host: string },
): UpstreamError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const fields = (parsed ?? {}) as Record<string, unknown>;
  const type = fields.__type ?? fields.code;
  if (typeof type !== 'string' || type === '')
    return notAws('the ECR API', call.host, call.action, status, 'config.apiEndpoint');
  const message = fields.message ?? fields.Message;
  return awsFailure({
    service: 'ECR',
    ...call,
    status,
    code: bareCode(type),
    message: typeof message === 'string' ? message : '',
  });
}

/** The error of an STS Query answer that is not 2xx. */
export function stsFailure(status: number, body: string, host: string): UpstreamError {
  const code = xmlText(body, 'Code');
  if (!code) return notAws('STS', host, 'AssumeRole', status, 'config.stsEndpoint');
  return awsFailure({
    service: 'STS',
    action: 'AssumeRole',
    iamAction: 'sts:AssumeRole (in the role trust policy, for this key, with the externalId)',
    status,
    code,
    message: xmlText(body, 'Message') ?? '',
  });
}

function notAws(what: string, host: string, action: string, status: number, setting: string): UpstreamError {
  if (status >= 500)
    return new UpstreamError(`${what} at ${host} failed ${action} with HTTP ${status}; it is retried later`, {
      isTransient: true,
    });
  return new RegistryProtocolError(
    `${what} at ${host} answered ${action} with HTTP ${status} and no AWS error; check ${setting}`,
  );
}

/** The text of the first `<name>` element, XML entities decoded; nothing when absent. */
export function xmlText(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  if (!match) return undefined;
  return match[1]!.replace(/&(lt|gt|quot|apos|amp|#\d+|#x[0-9a-fA-F]+);/g, (_, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'quot') return '"';
    if (entity === 'apos') return "'";
    if (entity === 'amp') return '&';
    const code = entity.startsWith('#x') ? Number.parseInt(entity.slice(2), 16) : Number(entity.slice(1));
    return String.fromCodePoint(code);
  });
}
