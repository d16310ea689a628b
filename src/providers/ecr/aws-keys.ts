import { BoundedMap } from '../../core/bounded-map.js';
import type { PluginContext } from '../../plugins/contracts.js';
import type { ResolvedCredential } from '../../secrets/index.js';
import { createSharedState, RegistryAuthError, type SharedState } from '../oci/index.js';
import type { EcrConfig } from './config.js';
import { type AwsCredential, type AwsKeys, readAwsCredential } from './credentials.js';
import type { EcrEndpoints } from './endpoint.js';
import { type AssumedKeys, assumeRole } from './sts.js';

/**
 * The keys ECR calls are signed with: the stored keys, or the temporary keys of the role they assume.
 * Assumed-role keys are kept in the plugin instance (per tenant, integration, credential and role)
 * until 10 % of their life (at least 5 minutes) is left, so operations do not assume the role again
 * each time.
 */

/** What an `ecr` plugin instance keeps across operations. */
export interface EcrShared {
  /** The `oci` session's caches: registry logins made by GetAuthorizationToken, challenges. */
  readonly oci: SharedState;
  readonly roles: BoundedMap<{ readonly assumed: AssumedKeys; readonly renewAt: number }>;
  readonly now: () => number;
}

export function createEcrShared(now: () => number = Date.now): EcrShared {
  return { oci: createSharedState(now), roles: new BoundedMap(), now };
}

const RENEW_MARGIN_MS = 5 * 60 * 1000;

export interface KeySource {
  /** The stored credential read; `login` shapes have no keys. */
  credentialOf(resolved: ResolvedCredential): AwsCredential;
  /** Keys to sign with: assumed anew when `fresh`, else cached while they last. */
  keysOf(resolved: ResolvedCredential, fresh?: boolean): Promise<{ keys: AwsKeys; assumed?: AssumedKeys }>;
  /** Forget the cached role keys of this credential (ECR refused them). */
  forget(resolved: ResolvedCredential): void;
}

export function createKeySource(
  context: PluginContext<EcrConfig>,
  endpoints: () => EcrEndpoints,
  shared: EcrShared,
): KeySource {
  const { integration } = context;
  const cacheKey = (resolved: ResolvedCredential, credential: AwsCredential & { kind: 'keys' }) =>
    integration.id === null
      ? undefined
      : [
          integration.tenantId,
          integration.id,
          resolved.ref,
          resolved.fingerprint,
          credential.keys.accessKeyId,
          credential.roleArn,
          credential.externalId ?? '',
        ].join('|');

  return {
    credentialOf: (resolved) => readAwsCredential(resolved.value),
    async keysOf(resolved, fresh = false) {
      const credential = readAwsCredential(resolved.value);
      if (credential.kind !== 'keys')
        throw new RegistryAuthError('the credential is a registry login, not AWS keys', {
          reason: 'missing',
        });
      if (!credential.roleArn) return { keys: credential.keys };
      const key = cacheKey(resolved, credential);
      const cached = key === undefined ? undefined : shared.roles.get(key);
      const now = shared.now();
      if (!fresh && cached && now < cached.renewAt)
        return { keys: cached.assumed.keys, assumed: cached.assumed };
      const assumed = await assumeRole(context, endpoints(), credential.keys, {
        roleArn: credential.roleArn,
        ...(credential.externalId !== undefined ? { externalId: credential.externalId } : {}),
      });
      if (key !== undefined) shared.roles.set(key, { assumed, renewAt: renewAtOf(now, assumed.expiresAt) });
      return { keys: assumed.keys, assumed };
    },
    forget(resolved) {
      const credential = readAwsCredential(resolved.value);
      if (credential.kind !== 'keys' || !credential.roleArn) return;
      const key = cacheKey(resolved, credential);
      if (key !== undefined) shared.roles.delete(key);
    },
  };
}

function renewAtOf(now: number, expiresAt: number): number {
  const life = Math.max(0, expiresAt - now);
  return expiresAt - Math.max(RENEW_MARGIN_MS, life * 0.1);
}
