import type { Logger } from '../core/logger.js';
import type { HttpClient } from '../net/index.js';
import type { IntegrationConfig, PluginContext } from '../plugins/contracts.js';

/** Makes the context a plugin gets for one operation on one integration. */
export interface PluginContextFactory {
  create(integration: IntegrationConfig, signal: AbortSignal, operation: string): PluginContext;
}

export interface PluginContextDeps {
  readonly http: HttpClient;
  readonly logger: Logger;
  readonly now: () => Date;
}

export function createPluginContextFactory(deps: PluginContextDeps): PluginContextFactory {
  return {
    create(integration, signal, operation) {
      return {
        integration,
        signal,
        http: deps.http,
        now: deps.now,
        logger: deps.logger.child({
          integrationId: integration.id ?? undefined,
          tenantId: integration.tenantId,
          operation,
        }),
      };
    },
  };
}
