import type { Logger } from '../core/logger.js';
import type { HttpClient } from '../net/index.js';
import type { IntegrationConfig, PluginContext } from '../plugins/contracts.js';
import {
  createInlineCredentialsAccessor,
  type ResolvePurpose,
  type SecretInput,
  type Secrets,
} from '../secrets/index.js';

/** Who runs an operation and why: the credentials' audit records say so. */
export interface OperationInfo {
  /** `health_check`, `test_connection`, `annotate`, …: in every log line of the operation. */
  readonly operation: string;
  readonly purpose: ResolvePurpose;
  /** `token:<name>` of the API caller, or `system` for background work. */
  readonly actor: string;
  /** The integration's provider, bound to every log line of the operation when given. */
  readonly provider?: string;
  /** Credentials sent with the request instead of a stored reference (a test before saving). */
  readonly inline?: SecretInput;
}

/** Makes the context a plugin gets for one operation on one integration. */
export interface PluginContextFactory {
  create(integration: IntegrationConfig, signal: AbortSignal, info: OperationInfo): PluginContext;
}

export interface PluginContextDeps {
  readonly http: HttpClient;
  readonly secrets: Pick<Secrets, 'credentialsFor'>;
  readonly logger: Logger;
  readonly now: () => Date;
}

export function createPluginContextFactory(deps: PluginContextDeps): PluginContextFactory {
  return {
    create(integration, signal, info) {
      return {
        integration,
        signal,
        http: deps.http,
        credentials: info.inline
          ? createInlineCredentialsAccessor(info.inline)
          : deps.secrets.credentialsFor(integration, { actor: info.actor, purpose: info.purpose, signal }),
        now: deps.now,
        logger: deps.logger.child({
          integrationId: integration.id ?? undefined,
          tenantId: integration.tenantId,
          operation: info.operation,
          ...(info.provider === undefined ? {} : { provider: info.provider }),
        }),
      };
    },
  };
}
