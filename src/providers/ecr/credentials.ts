import { UnprocessableError } from '../../core/errors.js';
import { SecretBundle, type SecretValue } from '../../secrets/index.js';

/**
 * The credential shapes an `ecr` integration's secret may hold. Read once per use, checked by field
 * name and format, never quoting a value back.
 */

/** AWS keys: long-term (`AKIA…`) or temporary (`ASIA…` with its session token). */
export interface AwsKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export type AwsCredential =
  | {
      readonly kind: 'keys';
      readonly keys: AwsKeys;
      /** A role to assume first (a customer's cross-account read role). */
      readonly roleArn?: string;
      readonly externalId?: string;
    }
  /** What `aws ecr get-login-password` prints, as the registry's Basic login. */
  | { readonly kind: 'login'; readonly username: 'AWS'; readonly password: string };

export const ACCEPTED_SHAPES =
  'an object with accessKeyId and secretAccessKey (optionally sessionToken, and roleArn with an optional externalId to assume a role), or { username: "AWS", password } as printed by `aws ecr get-login-password`';

/** IAM's access key id: 16 to 128 word characters (AKIA… long-term, ASIA… temporary). */
const ACCESS_KEY_ID = /^\w{16,128}$/;
/** `arn:<partition>:iam::<account>:role/<path/name>`. */
const ROLE_ARN =
  /^arn:aws(?:-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** STS's ExternalId: 2 to 1224 of `[\w+=,.@:/-]`. */
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const KEY_FIELDS = new Set(['accessKeyId', 'secretAccessKey', 'sessionToken', 'roleArn', 'externalId']);

const shapeError = (problem: string) =>
  new UnprocessableError(
    'credentials_shape',
    `the credential of an ecr integration ${problem}; it must be ${ACCEPTED_SHAPES}`,
  );

/** The credential as one of the accepted shapes, or a `credentials_shape` error naming fields only. */
export function readAwsCredential(value: SecretValue): AwsCredential {
  if (!(value instanceof SecretBundle)) throw shapeError('is a single value');
  const names = value.names();
  if (value.has('username') || value.has('password')) {
    const extra = names.filter((name) => name !== 'username' && name !== 'password');
    if (!value.has('username') || !value.has('password') || extra.length > 0)
      throw shapeError(`has the fields ${names.join(', ')}`);
    if (value.require('username').reveal() !== 'AWS')
      throw shapeError('has a username other than AWS (ECR logins are always AWS)');
    const password = value.require('password').reveal();
    if (password === '' || /\s/.test(password)) throw shapeError('has an empty password or one with spaces');
    return { kind: 'login', username: 'AWS', password };
  }
  const unknown = names.filter((name) => !KEY_FIELDS.has(name));
  if (!value.has('accessKeyId') || !value.has('secretAccessKey') || unknown.length > 0)
    throw shapeError(`has the fields ${names.join(', ') || 'none'}`);
  const field = (name: string) => value.get(name)?.reveal();
  const accessKeyId = field('accessKeyId') ?? '';
  const secretAccessKey = field('secretAccessKey') ?? '';
  const sessionToken = field('sessionToken');
  const roleArn = field('roleArn');
  const externalId = field('externalId');
  if (!ACCESS_KEY_ID.test(accessKeyId))
    throw shapeError(
      'has an accessKeyId that is not an AWS access key id (16 to 128 letters and digits, e.g. AKIA…)',
    );
  if (secretAccessKey === '' || /\s/.test(secretAccessKey))
    throw shapeError('has an empty secretAccessKey or one with spaces');
  if (sessionToken !== undefined && (sessionToken === '' || /\s/.test(sessionToken)))
    throw shapeError('has an empty sessionToken or one with spaces');
  if (roleArn !== undefined && !ROLE_ARN.test(roleArn))
    throw shapeError('has a roleArn that is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)');
  if (externalId !== undefined && (roleArn === undefined || !EXTERNAL_ID.test(externalId)))
    throw shapeError(
      roleArn === undefined
        ? 'has an externalId without a roleArn'
        : 'has an externalId that is not 2 to 1224 of letters, digits and +=,.@:/-',
    );
  return {
    kind: 'keys',
    keys: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) },
    ...(roleArn !== undefined ? { roleArn } : {}),
    ...(externalId !== undefined ? { externalId } : {}),
  };
}
