import type { Integration } from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import type { Principal } from '../core/scopes.js';
import type { EgressPolicy } from '../net/index.js';
import type { ConnectionCheck, IntegrationConfig } from '../plugins/contracts.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { SecretInput } from '../secrets/index.js';
import type { Store } from '../store/store.js';
import type { CredentialPort } from './credential-port.js';
import type { HealthMetrics } from './health-metrics.js';
import { parseEndpoint } from './integration-input.js';
import type { CreateIntegrationInput, IntegrationService } from './integration-service.js';
import type { PluginContextFactory } from './plugin-context.js';
import { safeConnectionTest } from './run-check.js';

/** What a connection test found, step by step. */
export interface ConnectionTestOutcome {
  readonly success: boolean;
  readonly message: string;
  readonly latencyMs: number;
  readonly checkedAt: string;
  readonly checks: ConnectionCheck[];
  /** True when nothing was tried because the service runs offline. */
  readonly skippedOffline: boolean;
}

export interface ConnectionTester {
  /** Tests a saved integration; records the result in its history and a `integration.test_completed` event. */
  testSaved(principal: Principal, id: string): Promise<ConnectionTestOutcome>;
  /** Tests a registration before it is saved (same body as create); records nothing. */
  testUnsaved(principal: Principal, input: CreateIntegrationInput): Promise<ConnectionTestOutcome>;
}

export interface ConnectionTesterDeps {
  readonly store: Store;
  readonly plugins: PluginRegistry;
  readonly integrations: IntegrationService;
  readonly contexts: PluginContextFactory;
  readonly metrics: HealthMetrics;
  readonly logger: Logger;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly instanceId: string;
  readonly timeoutMs: number;
  readonly historyLimit: number;
  readonly egress: EgressPolicy;
  readonly credentials: CredentialPort;
  /** Offline mode: tests are skipped without calling the plugin. */
  readonly offline: boolean;
}

export function createConnectionTester(deps: ConnectionTesterDeps): ConnectionTester {
  async function run(
    provider: string,
    integration: IntegrationConfig,
    principal: Principal,
    inline?: SecretInput,
  ): Promise<ConnectionTestOutcome> {
    const checkedAt = deps.now();
    if (deps.offline) {
      const message = 'offline mode: the connection was not tested and no request was made';
      deps.logger.warn({ integrationId: integration.id, provider, operation: 'test_connection' }, message);
      return {
        success: false,
        message,
        latencyMs: 0,
        checkedAt: checkedAt.toISOString(),
        checks: [],
        skippedOffline: true,
      };
    }
    const entry = deps.plugins.get(provider);
    const started = performance.now();
    const result = entry?.availability.available
      ? await safeConnectionTest(deps.timeoutMs, (signal) =>
          entry.plugin.testConnection(
            deps.contexts.create(integration, signal, {
              operation: 'test_connection',
              purpose: 'test',
              actor: principal.actor,
              inline,
            }),
          ),
        )
      : {
          success: false,
          message: `provider '${provider}' is not available in this instance`,
          checks: [{ name: 'provider', ok: false, message: entry?.availability.reason ?? 'not loaded' }],
        };
    const latencyMs = Math.round(performance.now() - started);
    deps.metrics.testConnectionDuration.observe({ provider }, latencyMs / 1000);
    deps.logger.info(
      {
        integrationId: integration.id,
        provider,
        operation: 'test_connection',
        success: result.success,
        latencyMs,
      },
      'connection tested',
    );
    return {
      ...result,
      checks: [...result.checks],
      latencyMs,
      checkedAt: checkedAt.toISOString(),
      skippedOffline: false,
    };
  }

  return {
    async testSaved(principal, id) {
      const integration: Integration = await deps.integrations.get(principal, id);
      const config = deps.plugins.validateConfig(integration.provider, integration.type, integration.config);
      const outcome = await run(integration.provider, { ...integration, config }, principal);
      if (outcome.skippedOffline) return outcome;
      await deps.store.transaction(async (tx) => {
        await tx.health.appendCheck(
          {
            id: deps.newId(),
            tenantId: integration.tenantId,
            integrationId: integration.id,
            kind: 'test',
            status: outcome.success ? 'healthy' : 'unhealthy',
            message: outcome.message,
            latencyMs: outcome.latencyMs,
            checks: [...outcome.checks],
            checkedAt: outcome.checkedAt,
            instance: deps.instanceId,
          },
          deps.historyLimit,
        );
        await tx.outbox.append({
          id: deps.newId(),
          tenantId: integration.tenantId,
          subject: integration.id,
          type: 'integration.test_completed',
          data: {
            integrationId: integration.id,
            success: outcome.success,
            message: outcome.message,
            latencyMs: outcome.latencyMs,
            checks: outcome.checks.map(({ name, ok }) => ({ name, ok })),
            testedBy: principal.actor,
          },
          createdAt: outcome.checkedAt,
        });
      });
      return outcome;
    },

    async testUnsaved(principal, input) {
      const config = deps.plugins.validateConfig(input.provider, input.type, input.config ?? {});
      return run(
        input.provider,
        {
          id: null,
          tenantId: principal.tenantId,
          name: input.name,
          type: input.type,
          endpoint: parseEndpoint(input.endpoint, deps.egress),
          authRef:
            input.authRef == null ? null : deps.credentials.canonicalRef(input.authRef, principal.tenantId),
          config,
        },
        principal,
        input.credentials,
      );
    },
  };
}
