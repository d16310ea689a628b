import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { issueCertificate, makeCa, opensslAvailable } from '../net/certificates.test-kit.js';
import { createGitLabPlugin } from '../providers/gitlab/plugin.js';
import { createOciPlugin } from '../providers/oci/plugin.js';
import { caCertificateProblem, MAX_CA_CERTIFICATE_CHARS } from './ca-certificate.js';
import type { ConnectorPlugin } from './contracts.js';
import { createPluginRegistry } from './registry.js';

/**
 * `config.caCertificate` is checked when an integration is created or updated: every PEM block parses
 * as an X.509 certificate, a key or garbage is refused naming the field, and the value never comes back.
 */

const openssl = opensslAvailable();
const registry = createPluginRegistry(
  [createOciPlugin(), createGitLabPlugin()].map((plugin) => ({
    plugin: plugin as unknown as ConnectorPlugin,
    availability: { available: true },
    source: 'builtin',
  })),
);

function refusal(provider: string, type: 'registry' | 'scm', caCertificate: unknown): InvalidInputError {
  try {
    registry.validateConfig(provider, type, { caCertificate });
  } catch (error) {
    if (error instanceof InvalidInputError) return error;
    throw error;
  }
  throw new Error('the config was accepted');
}

const privateKey = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

describe.skipIf(!openssl)('config.caCertificate', () => {
  const ca = openssl ? makeCa('Config Test CA') : undefined;
  const other = openssl ? makeCa('Second CA') : undefined;

  it('takes a CA certificate, a chain of them, or a server certificate, on every provider that has it', () => {
    const leaf = issueCertificate(ca!, ['registry.test']).cert;

    for (const value of [ca!.cert, `${ca!.cert}\n# comment\n${other!.cert}`, leaf]) {
      expect(registry.validateConfig('oci', 'registry', { caCertificate: value })).toMatchObject({
        caCertificate: value,
      });
    }
    expect(registry.validateConfig('gitlab', 'scm', { caCertificate: ca!.cert })).toMatchObject({
      caCertificate: ca!.cert,
    });
  });

  it('refuses a private key, naming the field, without echoing it', () => {
    const error = refusal('oci', 'registry', `${ca!.cert}\n${privateKey}`);

    expect(error.message).toContain('/config/caCertificate');
    expect(error.message).toContain('PEM block 2 is a private key');
    expect(JSON.stringify(error)).not.toContain(privateKey.split('\n')[1]);
    expect(error.message).not.toContain(ca!.cert.split('\n')[1]);
  });

  it('refuses garbage, a broken certificate, other PEM blocks and an unfinished block', () => {
    const body = ca!.cert.split('\n');
    const broken = [body[0], body[1]!.replace(/[A-Za-z]/g, 'A'), ...body.slice(2)].join('\n');

    expect(refusal('gitlab', 'scm', 'not a certificate').message).toMatch(
      /\/config\/caCertificate holds no PEM certificate/,
    );
    expect(refusal('oci', 'registry', broken).message).toContain('does not parse as an X.509 certificate');
    expect(
      refusal(
        'oci',
        'registry',
        '-----BEGIN CERTIFICATE REQUEST-----\nAA==\n-----END CERTIFICATE REQUEST-----',
      ).message,
    ).toContain('is a CERTIFICATE REQUEST, not a CERTIFICATE');
    expect(refusal('oci', 'registry', `${ca!.cert}-----BEGIN CERTIFICATE-----\nMIIB`).message).toContain(
      'incomplete PEM block',
    );
    expect(refusal('oci', 'registry', 42).details[0]).toMatchObject({ field: '/config/caCertificate' });
  });

  it('refuses more than 64 KiB', () => {
    const huge = `${ca!.cert}\n${'#'.repeat(MAX_CA_CERTIFICATE_CHARS)}`;

    expect(refusal('oci', 'registry', huge).message).toContain('/config/caCertificate');
    expect(caCertificateProblem(huge)).toContain('longer than');
  });
});
