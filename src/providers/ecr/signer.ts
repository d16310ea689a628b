import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsKeys } from './credentials.js';

/**
 * Signs an AWS API request with Signature Version 4 (`@smithy/signature-v4`, the AWS SDK's own
 * signer) and hands back the headers to send through the outbound client. The signer only computes
 * headers; the request itself goes out through our net layer like every other.
 */

export interface UnsignedRequest {
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly region: string;
  /** The signing name: `ecr`, `sts`. */
  readonly service: string;
  readonly signingDate: Date;
}

/**
 * The request's headers with `x-amz-date`, `x-amz-content-sha256`, `x-amz-security-token` (temporary
 * keys) and `authorization` added. `host` is signed but left out of the result: the client sets it
 * from the URL, to the same value.
 */
export async function signRequest(keys: AwsKeys, request: UnsignedRequest): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: {
      accessKeyId: keys.accessKeyId,
      secretAccessKey: keys.secretAccessKey,
      ...(keys.sessionToken ? { sessionToken: keys.sessionToken } : {}),
    },
    region: request.region,
    service: request.service,
    sha256: Hash.bind(null, 'sha256'),
  });
  const { url } = request;
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query: {},
      headers: { ...request.headers, host: url.host },
      body: request.body,
    },
    { signingDate: request.signingDate },
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) {
    if (name.toLowerCase() !== 'host') headers[name.toLowerCase()] = String(value);
  }
  return headers;
}
