import {
  newAccount,
  newKey,
  type ServiceAccountKeyFile,
} from '../../../test/fakes/google/service-accounts.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { type RegistryContextOptions, registryContext } from '../oci/oci.test-kit.js';
import type { GcrConfig } from './config.js';

export { loopbackClient } from '../oci/oci.test-kit.js';

export type GcrContextOptions = RegistryContextOptions<GcrConfig> & {
  /** The credential: a key file (stored as its JSON text) or an object secret's fields. */
  readonly secret?: ServiceAccountKeyFile | string | Readonly<Record<string, string>>;
};

/**
 * A plugin context for a `gcr` integration at `endpoint` (a loopback registry: plain http and a
 * non-Google host allowed), its credential the key file's JSON text unless given otherwise.
 */
export function gcrContext(options: GcrContextOptions): PluginContext<GcrConfig> {
  const { secret } = options;
  const credentials =
    options.credentials ??
    (secret === undefined
      ? undefined
      : createInlineCredentialsAccessor(
          typeof secret === 'string' || 'username' in secret
            ? (secret as string | Record<string, string>)
            : JSON.stringify(secret),
        ));
  return registryContext<GcrConfig>('gcr', {
    ...options,
    ...(credentials ? { credentials } : {}),
    config: { nonGoogleHost: true, ...options.config },
  });
}

/** A key file of a service account no token service knows (for parsing and signing alone). */
export function standaloneKey(name = 'scanner', projectId = 'acme-prod'): ServiceAccountKeyFile {
  return newKey(newAccount(`${name}@${projectId}.iam.gserviceaccount.com`, projectId));
}
