import { describe, expect, it } from 'vitest';
import { signRequest } from '../../../src/providers/ecr/signer.js';
import {
  canonicalQuery,
  canonicalRequest,
  computeSignature,
  formatAmzDate,
  parseAmzDate,
  parseAuthorization,
} from './sigv4.js';

/**
 * The fake's own Signature Version 4 verifier, proven against AWS's published example (the
 * `get-vanilla` case of the SigV4 test suite, also worked through in the IAM user guide) and against
 * a request signed by the client's signer (`@smithy/signature-v4`).
 */

const EXAMPLE = {
  secret: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  amzDate: '20150830T123600Z',
  region: 'us-east-1',
  service: 'service',
};
const VANILLA = {
  method: 'GET',
  path: '/',
  query: '',
  headers: { host: 'example.amazonaws.com', 'x-amz-date': EXAMPLE.amzDate },
  body: '',
};

describe('the fake AWS signature verifier', () => {
  it("computes AWS's published signature for GET / on example.amazonaws.com", () => {
    const signature = computeSignature(VANILLA, { ...EXAMPLE, signedHeaders: ['host', 'x-amz-date'] });

    expect(canonicalRequest(VANILLA, ['host', 'x-amz-date'])).toBe(
      [
        'GET',
        '/',
        '',
        'host:example.amazonaws.com',
        'x-amz-date:20150830T123600Z',
        '',
        'host;x-amz-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(signature).toBe('5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31');
  });

  it('verifies a request the client signed, and not one changed after signing or signed with another secret', async () => {
    const url = new URL('http://127.0.0.1:4566/');
    const body = '{"maxResults":1}';
    const headers = await signRequest(
      { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: EXAMPLE.secret },
      {
        url,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': 'AmazonEC2ContainerRegistry_V20150921.DescribeRepositories',
        },
        body,
        region: 'eu-west-1',
        service: 'ecr',
        signingDate: new Date('2026-03-01T10:00:00Z'),
      },
    );
    const auth = parseAuthorization(headers.authorization);
    if ('problem' in auth) throw new Error(auth.problem);
    const received = { method: 'POST', path: '/', query: '', headers: { ...headers, host: url.host }, body };
    const verify = (request: typeof received, secret = EXAMPLE.secret) =>
      computeSignature(request, {
        secret,
        amzDate: headers['x-amz-date']!,
        region: auth.region,
        service: auth.service,
        signedHeaders: auth.signedHeaders,
      });

    expect(auth).toMatchObject({
      accessKeyId: 'AKIDEXAMPLE',
      date: '20260301',
      region: 'eu-west-1',
      service: 'ecr',
    });
    expect(auth.signedHeaders).toEqual(
      expect.arrayContaining(['content-type', 'host', 'x-amz-date', 'x-amz-target']),
    );
    expect(verify(received)).toBe(auth.signature);
    expect(verify({ ...received, body: '{"maxResults":2}' })).not.toBe(auth.signature);
    expect(verify(received, `${EXAMPLE.secret}x`)).not.toBe(auth.signature);
    expect(verify({ ...received, headers: { ...received.headers, host: '127.0.0.1:4567' } })).not.toBe(
      auth.signature,
    );
  });

  it('canonicalises queries and reads dates and malformed headers', () => {
    expect(canonicalQuery('b=2&a=%20x&a=1&c')).toBe('a=%20x&a=1&b=2&c=');
    expect(formatAmzDate(parseAmzDate('20150830T123600Z'))).toBe('20150830T123600Z');
    expect(parseAmzDate('2015-08-30')).toBeNaN();
    expect(parseAuthorization(undefined)).toEqual({ problem: 'missing' });
    expect(
      parseAuthorization(
        'AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service, SignedHeaders=host, Signature=00',
      ),
    ).toHaveProperty('problem');
    expect(
      parseAuthorization(
        `AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/service/aws4_request, SignedHeaders=x-amz-date;host, Signature=${'a'.repeat(64)}`,
      ),
    ).toEqual({ problem: 'SignedHeaders is not lower case and sorted' });
  });
});
