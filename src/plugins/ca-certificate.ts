import { X509Certificate } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { ErrorObject, FuncKeywordDefinition } from 'ajv';

/**
 * `config.caCertificate`: the private CA a self-hosted system's TLS certificate is issued by (an
 * organisation's internal CA in front of a GitLab, a Harbor or a registry). Sent as `ca` with every
 * request of the integration, it is trusted besides Node's roots and the deployment's `caBundleFile`
 * for that integration only. There is no switch that turns verification off.
 *
 * A pattern cannot tell a certificate from a look-alike, so the schema carries a keyword of ours,
 * `x-pem-certificates`, which the plugin registry's ajv runs (`pemCertificatesKeyword`): every block
 * must parse as an X.509 certificate when the integration is created or updated, not at first use.
 */

/** Most characters (PEM is ASCII, so bytes) the field takes: a chain of a few CAs fits many times. */
export const MAX_CA_CERTIFICATE_CHARS = 64 * 1024;
/** Most certificates in one field. */
export const MAX_CA_CERTIFICATES = 20;

export const PEM_CERTIFICATES_KEYWORD = 'x-pem-certificates';

/** The schema of the field, the same for every provider that takes it. */
export const CaCertificateSchema = Type.Optional(
  Type.String({
    maxLength: MAX_CA_CERTIFICATE_CHARS,
    [PEM_CERTIFICATES_KEYWORD]: true,
    description:
      "PEM certificates (one or more -----BEGIN CERTIFICATE----- blocks) of the private CA that issued the server's TLS certificate, trusted for this integration only, besides the public roots and the deployment's CA bundle. Certificates only, never a key; there is no option to turn TLS verification off.",
  }),
);

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/**
 * What is wrong with a `caCertificate` value, or undefined when every block is a certificate. The
 * answer never quotes the value: a pasted private key must not come back in an error.
 */
export function caCertificateProblem(pem: string): string | undefined {
  if (pem.length > MAX_CA_CERTIFICATE_CHARS)
    return `is longer than ${MAX_CA_CERTIFICATE_CHARS} characters; give only the CA certificates`;
  const blocks = [...pem.matchAll(BLOCK)];
  if (blocks.length === 0)
    return 'holds no PEM certificate: paste the CA certificate, -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----';
  if (blocks.length > MAX_CA_CERTIFICATES) return `holds more than ${MAX_CA_CERTIFICATES} certificates`;
  for (const [index, block] of blocks.entries()) {
    const label = block[1]!;
    const which = blocks.length === 1 ? 'the PEM block' : `PEM block ${index + 1}`;
    if (label.includes('PRIVATE KEY'))
      return `${which} is a private key: give the CA's certificate only, and treat that key as exposed`;
    if (label !== 'CERTIFICATE') return `${which} is a ${label}, not a CERTIFICATE`;
    try {
      new X509Certificate(block[0]);
    } catch {
      return `${which} does not parse as an X.509 certificate`;
    }
  }
  if (pem.replace(BLOCK, '').includes('-----BEGIN'))
    return 'holds an incomplete PEM block (a BEGIN line without its END line)';
  return undefined;
}

const checkPem: ((enabled: boolean, data: string) => boolean) & { errors?: Partial<ErrorObject>[] } = (
  enabled,
  data,
) => {
  const problem = enabled ? caCertificateProblem(data) : undefined;
  checkPem.errors =
    problem === undefined ? [] : [{ keyword: PEM_CERTIFICATES_KEYWORD, message: problem, params: {} }];
  return problem === undefined;
};

/** The ajv keyword behind `x-pem-certificates` (registered by the plugin registry). */
export const pemCertificatesKeyword: FuncKeywordDefinition = {
  keyword: PEM_CERTIFICATES_KEYWORD,
  type: 'string',
  schemaType: 'boolean',
  errors: true,
  validate: checkPem,
};

/** The `ca` option of an integration's requests: its `caCertificate`, when it has one. */
export function caOf(config: { readonly caCertificate?: string | undefined }): { ca?: string } {
  return config.caCertificate ? { ca: config.caCertificate } : {};
}
