import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../../core/errors.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import { bareCode, ecrFailure, stsFailure, xmlText } from './errors.js';

/** AWS's error answers mapped to what a user can act on. */

const call = {
  action: 'DescribeRepositories',
  iamAction: 'ecr:DescribeRepositories',
  host: 'api.ecr.us-east-1.amazonaws.com',
};
const ecr = (status: number, body: unknown) =>
  ecrFailure(status, Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), call);

describe('ecr error mapping', () => {
  it.each([
    ['UnrecognizedClientException', 403, 'refused'],
    ['InvalidSignatureException', 403, 'refused'],
    ['MissingAuthenticationTokenException', 403, 'refused'],
    ['ExpiredTokenException', 403, 'refused'],
    ['AccessDeniedException', 400, 'not_granted'],
  ])('%s is a RegistryAuthError (%s)', (type, status, reason) => {
    const error = ecr(status, { __type: type, message: 'words' });

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as RegistryAuthError).reason).toBe(reason);
    expect(error.isTransient).toBe(false);
  });

  it('names the IAM action to grant, and says what to do with an expired session token', () => {
    expect(
      ecr(400, { __type: 'AccessDeniedException', message: 'User: arn:aws:iam::1:user/x is not authorized' })
        .message,
    ).toBe(
      'ECR accepted the AWS keys but does not allow DescribeRepositories (AccessDeniedException: User: arn:aws:iam::1:user/x is not authorized); grant the IAM action ecr:DescribeRepositories',
    );
    expect(
      ecr(403, {
        __type: 'ExpiredTokenException',
        message: 'The security token included in the request is expired',
      }).message,
    ).toMatch(/the session token has expired .*store fresh temporary keys, or long-term keys with a roleArn/);
  });

  it.each([
    [400, { __type: 'ThrottlingException', message: 'Rate exceeded' }],
    [400, { __type: 'com.amazon.coral.availability#ThrottlingException', Message: 'Rate exceeded' }],
    [503, { __type: 'ServiceUnavailableException' }],
    [502, '<html>bad gateway</html>'],
  ])('HTTP %i %j is transient', (status, body) => {
    const error = ecr(status, body);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.isTransient).toBe(true);
  });

  it('other AWS errors are permanent with their words; non-AWS answers point at the endpoint setting', () => {
    const validation = ecr(400, {
      __type: 'ValidationException',
      message: "Value '0' at 'maxResults' failed",
    });
    const html = ecr(404, '<html>Not Found</html>');
    const empty = ecr(403, { message: 'no type' });

    expect(validation.isTransient).toBe(false);
    expect(validation.message).toBe(
      "ECR refused DescribeRepositories (HTTP 400, ValidationException: Value '0' at 'maxResults' failed)",
    );
    expect(html).toBeInstanceOf(RegistryProtocolError);
    expect(html.message).toBe(
      'the ECR API at api.ecr.us-east-1.amazonaws.com answered DescribeRepositories with HTTP 404 and no AWS error; check config.apiEndpoint',
    );
    expect(empty).toBeInstanceOf(RegistryProtocolError);
  });

  it('reads STS XML errors', () => {
    const denied = stsFailure(
      403,
      '<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: a &amp; b is not authorized</Message></Error></ErrorResponse>',
      'sts.us-east-1.amazonaws.com',
    );
    const garbage = stsFailure(400, 'not xml', 'sts.example.com');

    expect(denied).toBeInstanceOf(RegistryAuthError);
    expect(denied.message).toMatch(
      /^STS accepted the AWS keys but does not allow AssumeRole \(AccessDenied: User: a & b is not authorized\)/,
    );
    expect(garbage.message).toMatch(
      /STS at sts\.example\.com answered AssumeRole with HTTP 400 and no AWS error; check config\.stsEndpoint/,
    );
  });

  it('strips namespaces from codes and decodes XML entities', () => {
    expect(bareCode('com.amazon.coral.service#UnrecognizedClientException')).toBe(
      'UnrecognizedClientException',
    );
    expect(bareCode('ValidationException:http://internal.amazon.com/coral/')).toBe('ValidationException');
    expect(xmlText('<A>x &lt;y&gt; &#65;&#x42;</A>', 'A')).toBe('x <y> AB');
    expect(xmlText('<A>x</A>', 'B')).toBeUndefined();
  });
});
