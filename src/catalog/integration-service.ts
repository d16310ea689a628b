import { ConflictError, InvalidInputError, NotFoundError, PreconditionFailedError } from '../core/errors.js';
import { isUuid } from '../core/ids.js';
import {
  type Integration,
  type IntegrationStatus,
  type IntegrationType,
  UNKNOWN_HEALTH,
} from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import type { Principal } from '../core/scopes.js';
import type { EgressPolicy } from '../net/index.js';
import type { Metrics } from '../observability/metrics.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { SecretInput } from '../secrets/index.js';
import type { IntegrationFilter } from '../store/integration-repository.js';
import { isUniqueViolation } from '../store/rows.js';
import type { Repositories, Store } from '../store/store.js';
import type { CredentialPort } from './credential-port.js';
import { mergePatch, parseEndpoint } from './integration-input.js';
import { decodePageToken, encodePageToken } from './page-token.js';
import { firstRunAt } from './poll-timing.js';

export interface CreateIntegrationInput {
  readonly name: string;
  readonly type: IntegrationType;
  readonly provider: string;
  readonly endpoint: string;
  readonly authRef?: string | null;
  readonly config?: Record<string, unknown>;
  readonly tags?: readonly string[];
  readonly owner?: string | null;
  readonly enabled?: boolean;
  readonly pollIntervalSeconds?: number | null;
  /** A secret handed in inline: stored in the `local` store and replaced by its `authRef`. */
  readonly credentials?: SecretInput;
}

/** Fields a PATCH may change; `config` is merged (RFC 7396), the rest replace. */
export interface UpdateIntegrationInput {
  readonly name?: string;
  readonly endpoint?: string;
  readonly authRef?: string | null;
  readonly config?: Record<string, unknown>;
  readonly tags?: readonly string[];
  readonly owner?: string | null;
  readonly enabled?: boolean;
  readonly pollIntervalSeconds?: number | null;
  /** New credentials: a new version of the integration's local secret (or a new one), replacing `authRef`. */
  readonly credentials?: SecretInput;
}

export interface ListIntegrationsQuery extends IntegrationFilter {
  readonly pageSize: number;
  readonly pageToken?: string;
}

export interface IntegrationPage {
  readonly items: Integration[];
  readonly nextPageToken: string | null;
}

export interface IntegrationServiceDeps {
  readonly store: Store;
  readonly plugins: PluginRegistry;
  readonly newId: () => string;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Endpoints must be reachable under the outbound policy. */
  readonly egress: EgressPolicy;
  readonly credentials: CredentialPort;
  /** The poller's default interval, to place a new integration's first check. */
  readonly defaultPollIntervalMs: number;
}

/** Registration CRUD. Every change and its lifecycle event commit in one transaction. */
export interface IntegrationService {
  create(principal: Principal, input: CreateIntegrationInput): Promise<Integration>;
  get(principal: Principal, id: string): Promise<Integration>;
  list(principal: Principal, query: ListIntegrationsQuery): Promise<IntegrationPage>;
  /** `expectedVersion` comes from If-Match; without it the change applies to the latest version. */
  update(
    principal: Principal,
    id: string,
    patch: UpdateIntegrationInput,
    expectedVersion?: number,
  ): Promise<Integration>;
  delete(principal: Principal, id: string, expectedVersion?: number): Promise<void>;
}

const SUMMARY_FIELDS = [
  'name',
  'type',
  'provider',
  'endpoint',
  'authRef',
  'tags',
  'owner',
  'enabled',
  'status',
] as const;
const PATCHABLE_FIELDS = [
  'name',
  'endpoint',
  'authRef',
  'config',
  'tags',
  'owner',
  'enabled',
  'pollIntervalSeconds',
] as const;

export function createIntegrationService(deps: IntegrationServiceDeps): IntegrationService {
  const { store, plugins, newId, now, metrics } = deps;

  async function appendEvent(
    tx: Repositories,
    integration: Integration,
    type: string,
    data: Record<string, unknown>,
  ) {
    await tx.outbox.append({
      id: newId(),
      tenantId: integration.tenantId,
      subject: integration.id,
      type,
      data: { integrationId: integration.id, version: integration.version, ...data },
      createdAt: now().toISOString(),
    });
  }

  function duplicateName(name: string): ConflictError {
    return new ConflictError(`an integration named '${name}' already exists`, [
      { field: '/name', message: 'is taken' },
    ]);
  }

  async function load(tx: Repositories, principal: Principal, id: string): Promise<Integration> {
    const integration = isUuid(id) ? await tx.integrations.findById(principal.tenantId, id) : undefined;
    if (!integration) throw new NotFoundError('integration', id);
    return integration;
  }

  return {
    async create(principal, input) {
      refuseBothCredentialForms(input);
      const config = plugins.validateConfig(input.provider, input.type, input.config ?? {});
      const at = now().toISOString();
      const enabled = input.enabled ?? true;
      let integration: Integration = {
        id: newId(),
        tenantId: principal.tenantId,
        name: input.name,
        type: input.type,
        provider: input.provider,
        endpoint: parseEndpoint(input.endpoint, deps.egress),
        authRef:
          input.authRef == null ? null : deps.credentials.canonicalRef(input.authRef, principal.tenantId),
        config,
        tags: normaliseTags(input.tags),
        owner: input.owner ?? null,
        enabled,
        status: enabled ? 'pending' : 'disabled',
        health: UNKNOWN_HEALTH,
        pollIntervalSeconds: input.pollIntervalSeconds ?? null,
        version: 1,
        createdAt: at,
        createdBy: principal.actor,
        updatedAt: at,
        updatedBy: principal.actor,
      };
      try {
        await store.transaction(async (tx) => {
          if (input.credentials !== undefined) {
            const authRef = await deps.credentials.storeInline(tx, {
              tenantId: principal.tenantId,
              actor: principal.actor,
              integrationId: integration.id,
              current: null,
              value: input.credentials,
            });
            integration = { ...integration, authRef };
          }
          await tx.integrations.insert(integration);
          const intervalMs = (integration.pollIntervalSeconds ?? 0) * 1000 || deps.defaultPollIntervalMs;
          await tx.health.schedule(
            integration.tenantId,
            integration.id,
            firstRunAt(integration.id, now(), intervalMs).toISOString(),
          );
          await appendEvent(tx, integration, 'integration.created', { integration: summary(integration) });
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw duplicateName(integration.name);
        throw error;
      }
      metrics.integrationChanges.inc({ operation: 'create', provider: integration.provider });
      deps.logger.info(
        { integrationId: integration.id, provider: integration.provider, tenantId: integration.tenantId },
        'integration created',
      );
      return integration;
    },

    async get(principal, id) {
      return load(store, principal, id);
    },

    async list(principal, query) {
      const afterId = query.pageToken ? decodePageToken(query.pageToken) : undefined;
      const { pageSize, pageToken: _token, ...filter } = query;
      const rows = await store.integrations.list(principal.tenantId, filter, {
        limit: pageSize + 1,
        afterId,
      });
      const items = rows.slice(0, pageSize);
      const nextPageToken = rows.length > pageSize ? encodePageToken(items.at(-1)!.id) : null;
      return { items, nextPageToken };
    },

    async update(principal, id, patch, expectedVersion) {
      refuseBothCredentialForms(patch);
      for (let attempt = 1; ; attempt += 1) {
        try {
          const outcome = await store.transaction(async (tx) => {
            const current = await load(tx, principal, id);
            if (expectedVersion !== undefined && current.version !== expectedVersion) {
              throw new PreconditionFailedError(
                `integration '${id}' is at version ${current.version}, not ${expectedVersion}: read it again and reapply the change`,
              );
            }
            let next = applyPatch(current, patch, principal, now().toISOString());
            if (patch.credentials !== undefined) {
              const authRef = await deps.credentials.storeInline(tx, {
                tenantId: principal.tenantId,
                actor: principal.actor,
                integrationId: current.id,
                current: current.authRef,
                value: patch.credentials,
              });
              next = { ...next, authRef };
            }
            const changed: string[] = PATCHABLE_FIELDS.filter(
              (field) => !sameValue(current[field], next[field]),
            );
            if (patch.credentials !== undefined) changed.push('credentials');
            if (changed.length === 0) return { integration: current, changed: false };
            const written = { ...next, version: current.version + 1 };
            if (!(await tx.integrations.update(written, current.version))) return undefined;
            await appendEvent(tx, written, 'integration.updated', {
              changedFields: changed,
              integration: summary(written),
            });
            return { integration: written, changed: true };
          });
          if (outcome) {
            if (outcome.changed)
              metrics.integrationChanges.inc({ operation: 'update', provider: outcome.integration.provider });
            return outcome.integration;
          }
        } catch (error) {
          if (isUniqueViolation(error)) throw duplicateName(patch.name ?? '');
          throw error;
        }
        // Another writer got there first between our read and write.
        if (expectedVersion !== undefined) {
          throw new PreconditionFailedError(`integration '${id}' changed while this update was applied`);
        }
        if (attempt >= 3) throw new ConflictError(`integration '${id}' keeps changing; try again`);
      }

      function applyPatch(
        current: Integration,
        input: UpdateIntegrationInput,
        who: Principal,
        at: string,
      ): Integration {
        const config =
          input.config === undefined
            ? current.config
            : plugins.validateConfig(
                current.provider,
                current.type,
                mergePatch(current.config, input.config),
              );
        const enabled = input.enabled ?? current.enabled;
        return {
          ...current,
          name: input.name ?? current.name,
          endpoint:
            input.endpoint === undefined ? current.endpoint : parseEndpoint(input.endpoint, deps.egress),
          authRef:
            input.authRef === undefined
              ? current.authRef
              : input.authRef === null
                ? null
                : deps.credentials.canonicalRef(input.authRef, who.tenantId),
          config,
          tags: input.tags === undefined ? current.tags : normaliseTags(input.tags),
          owner: input.owner === undefined ? current.owner : input.owner,
          enabled,
          status: nextStatus(current.status, enabled),
          pollIntervalSeconds:
            input.pollIntervalSeconds === undefined ? current.pollIntervalSeconds : input.pollIntervalSeconds,
          updatedAt: at,
          updatedBy: who.actor,
        };
      }
    },

    async delete(principal, id, expectedVersion) {
      const deleted = await store.transaction(async (tx) => {
        const current = await load(tx, principal, id);
        if (expectedVersion !== undefined && current.version !== expectedVersion) {
          throw new PreconditionFailedError(
            `integration '${id}' is at version ${current.version}, not ${expectedVersion}`,
          );
        }
        if (!(await tx.integrations.delete(principal.tenantId, id, current.version))) {
          throw new PreconditionFailedError(`integration '${id}' changed while it was being deleted`);
        }
        await appendEvent(tx, current, 'integration.deleted', {
          deletedBy: principal.actor,
          integration: summary(current),
        });
        return current;
      });
      metrics.integrationChanges.inc({ operation: 'delete', provider: deleted.provider });
      deps.logger.info(
        { integrationId: id, provider: deleted.provider, tenantId: principal.tenantId },
        'integration deleted',
      );
    },
  };
}

function refuseBothCredentialForms(input: { authRef?: string | null; credentials?: unknown }): void {
  if (input.credentials !== undefined && input.authRef !== undefined) {
    throw InvalidInputError.field(
      '/credentials',
      'cannot be given together with authRef: send the secret inline or a reference to it, not both',
    );
  }
}

function nextStatus(current: IntegrationStatus, enabled: boolean): IntegrationStatus {
  if (!enabled) return 'disabled';
  return current === 'disabled' ? 'pending' : current;
}

function normaliseTags(tags: readonly string[] | undefined): string[] {
  return [...new Set(tags ?? [])].sort();
}

function summary(integration: Integration): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) result[field] = integration[field];
  return result;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
