import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import { asConnectorPlugin, type ConnectorPlugin } from '../../src/plugins/contracts.js';

/**
 * A provider that uses its integration's credential the way a real one does: it resolves it and
 * compares its SHA-256 with the one the test expects (`config.expect`, from `sha256()`: the config
 * is not secret, so it holds no value), reporting only whether it matched. With `config.field` it
 * reads that field of an object secret.
 */
export function credentialProbePlugin(): ConnectorPlugin {
  return asConnectorPlugin<{ expect: string; field?: string }>({
    provider: 'credential_probe',
    displayName: 'Credential probe (tests)',
    types: ['ci'],
    configSchema: Type.Object(
      { expect: Type.String(), field: Type.Optional(Type.String()) },
      { additionalProperties: false },
    ),
    capabilities: ['test_connection', 'health_check'],
    checkAvailability: () => ({ available: true }),
    async testConnection(context) {
      const { expect, field } = context.integration.config;
      const secret = await context.credentials.secret(field);
      const matches = secret.use((value) => createHash('sha256').update(value).digest('hex') === expect);
      context.logger.info(
        { credential: secret, integrationId: context.integration.id },
        'probe resolved a credential',
      );
      return {
        success: matches,
        message: matches ? 'credential resolved' : 'credential differs',
        checks: [
          {
            name: 'authenticated',
            ok: matches,
            message: matches ? 'the credential matched' : 'it did not match',
          },
        ],
      };
    },
    async checkHealth(context) {
      await context.credentials.secret(context.integration.config.field);
      return { status: 'healthy', message: 'credential resolved' };
    },
  });
}

/** What `config.expect` of the probe holds for a credential value. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
