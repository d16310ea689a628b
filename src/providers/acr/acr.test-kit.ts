import { type AcrFront, startAcrFront } from '../../../test/fakes/azure/acr-front.js';
import { type FakeEntra, startFakeEntra } from '../../../test/fakes/azure/fake-entra.js';
import type { TokenFormat } from '../../../test/fakes/azure/wire.js';
import type { HttpClient } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { type CredentialsAccessor, createInlineCredentialsAccessor } from '../../secrets/index.js';
import { type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { AcrConfig } from './config.js';

export { loopbackClient } from '../oci/oci.test-kit.js';

/** The tenant and the service principals of `startAzure`, by what they may do on the registry. */
export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const PRINCIPALS = {
  /** `AcrPull`: pulls and reads the catalog. */
  puller: { clientId: '0f7a3b51-7c2e-4d38-9b4e-1a2b3c4d5e6f', clientSecret: 'puller~Secret.0123456789' },
  /** `Container Registry Repository Reader`: pulls, cannot read the catalog. */
  reader: { clientId: '1e8b4c62-8d3f-4e49-8c5f-2b3c4d5e6f70', clientSecret: 'reader~Secret.0123456789' },
  /** No role on the registry. */
  outsider: { clientId: '2d9c5d73-9e4a-4f5a-9d60-3c4d5e6f7081', clientSecret: 'outsider~Secret.01234567' },
  /** `AcrPull`, but its secret has expired. */
  expired: { clientId: '3cad6e84-af5b-4a6b-8e71-4d5e6f708192', clientSecret: 'expired~Secret.012345678' },
} as const;

/** The admin user of the registry (a fixed account of the registry behind the front). */
export const ADMIN_USER = { username: 'contosoregistry', password: 'admin-user-password-0123' } as const;

/** A service principal's credential, as stored. */
export const servicePrincipal = (who: keyof typeof PRINCIPALS, tenantId: string = TENANT) =>
  createInlineCredentialsAccessor({ tenantId, ...PRINCIPALS[who] });

/** The fake Entra ID and ACR front, seeded: one tenant, the principals above, their roles. */
export async function startAzure(
  options: { readonly refreshTokens?: TokenFormat; readonly entraTokens?: TokenFormat } = {},
): Promise<{ entra: FakeEntra; front: AcrFront; close(): Promise<void> }> {
  const entra = await startFakeEntra({ ...(options.entraTokens ? { tokens: options.entraTokens } : {}) });
  entra.addTenant(TENANT, { domain: 'contoso.onmicrosoft.com' });
  for (const [who, principal] of Object.entries(PRINCIPALS))
    entra.addApp({ tenantId: TENANT, ...principal, expired: who === 'expired' });
  const front = await startAcrFront({
    entra,
    ...(options.refreshTokens ? { refreshTokens: options.refreshTokens } : {}),
  });
  front.assignRole(PRINCIPALS.puller.clientId, 'AcrPull');
  front.assignRole(PRINCIPALS.expired.clientId, 'AcrPull');
  front.assignRole(PRINCIPALS.reader.clientId, 'Container Registry Repository Reader');
  return {
    entra,
    front,
    async close() {
      await front.close();
      await entra.close();
    },
  };
}

export type AcrContextOptions = Omit<RegistryContextOptions<AcrConfig>, 'credentials'> & {
  readonly http: HttpClient;
  readonly credentials?: CredentialsAccessor;
};

/** A plugin context for an `acr` integration at `endpoint` (plain http allowed, as the fakes speak it). */
export const acrContext = (options: AcrContextOptions): PluginContext<AcrConfig> =>
  registryContext<AcrConfig>('acr', options);
