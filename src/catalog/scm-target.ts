import {
  type Platform,
  type PolicyConfig,
  resolveLevelMapping,
  resolvePolicy,
  type Severity,
} from '../annotations/index.js';
import { checkName } from '../annotations/render-status.js';
import { ConflictError, InvalidInputError } from '../core/errors.js';
import type { Integration } from '../core/integration.js';
import type { Principal } from '../core/scopes.js';
import type { Capability, IntegrationConfig, ScmAnnotationLevel } from '../plugins/contracts.js';
import type { PluginRegistry, RegisteredPlugin } from '../plugins/registry.js';
import type { IntegrationService } from './integration-service.js';

/** The SCM operations, as requests and responses name them. */
export const SCM_OPERATIONS = ['comment', 'status', 'checkRun', 'inline'] as const;
export type ScmOperation = (typeof SCM_OPERATIONS)[number];

/** The operations that need a pull request. */
export const PULL_REQUEST_OPERATIONS: readonly ScmOperation[] = ['comment', 'inline'];

/** The operation as metrics, logs and events name it (the design's `comment`, `status`, `check_run`). */
export const OPERATION_LABEL: Readonly<
  Record<ScmOperation, 'comment' | 'status' | 'check_run' | 'inline_comment'>
> = {
  comment: 'comment',
  status: 'status',
  checkRun: 'check_run',
  inline: 'inline_comment',
};

export const OPERATION_CAPABILITY: Readonly<Record<ScmOperation, Capability>> = {
  comment: 'scm.comment',
  status: 'scm.status',
  checkRun: 'scm.check_run',
  inline: 'scm.inline_comment',
};

/** An integration of the caller's tenant that can annotate, with its plugin and validated config. */
export interface ScmTarget {
  readonly integration: Integration;
  readonly plugin: RegisteredPlugin;
  /** What the plugin gets: the config validated against its schema, defaults filled. */
  readonly config: IntegrationConfig;
  /** Whose limits payloads respect: `github_app` → github, `gitlab` → gitlab, else generic. */
  readonly platform: Platform;
  /** The integration's default policy (`config.policy`), when it has a valid one. */
  readonly policy?: PolicyConfig;
  /** The integration's default severity → level overrides (`config.levelMapping`), when valid. */
  readonly levelMapping?: Partial<Record<Severity, ScmAnnotationLevel>>;
  /** The integration's default check run name (`config.checkRunName`), when valid. */
  readonly checkRunName?: string;
  /** The SCM operations the provider declares. */
  readonly operations: readonly ScmOperation[];
}

export interface ScmTargets {
  /**
   * Loads an integration for SCM work: 404 for another tenant's, 400 when its provider does not offer
   * the `scm` capability (or is not loaded here) or it is not an `scm` integration, 409 when disabled.
   */
  load(
    principal: Principal,
    integrationId: string,
    options?: { allowDisabled?: boolean },
  ): Promise<ScmTarget>;
}

export function createScmTargets(deps: {
  readonly integrations: IntegrationService;
  readonly plugins: PluginRegistry;
}): ScmTargets {
  return {
    async load(principal, integrationId, options = {}) {
      const integration = await deps.integrations.get(principal, integrationId);
      const plugin = deps.plugins.get(integration.provider);
      if (!plugin) {
        throw InvalidInputError.field(
          '/params/id',
          `provider '${integration.provider}' is not loaded in this instance, so it cannot annotate`,
        );
      }
      const operations = SCM_OPERATIONS.filter((operation) =>
        plugin.plugin.capabilities.includes(OPERATION_CAPABILITY[operation]),
      );
      if (!plugin.plugin.scm || operations.length === 0) {
        throw InvalidInputError.field(
          '/params/id',
          `provider '${integration.provider}' does not offer the scm capability (scm.comment, scm.status, scm.check_run)`,
        );
      }
      if (integration.type !== 'scm') {
        throw InvalidInputError.field(
          '/params/id',
          `integration '${integration.name}' is a ${integration.type} integration; annotations need an scm one`,
        );
      }
      if (!integration.enabled && !options.allowDisabled) {
        throw new ConflictError(`integration '${integration.name}' is disabled; enable it to post to it`);
      }
      // An unavailable provider is not the caller's fault: the operations report it and their payloads
      // are kept, as for any permanent failure.
      const config = plugin.availability.available
        ? deps.plugins.validateConfig(integration.provider, integration.type, integration.config)
        : { ...integration.config };
      const policy = readPolicy(config.policy);
      const levelMapping = readLevelMapping(config.levelMapping);
      const checkRunName = readName(config.checkRunName);
      return {
        integration,
        plugin,
        config: { ...integration, config },
        platform: platformOf(integration.provider),
        ...(policy === undefined ? {} : { policy }),
        ...(levelMapping === undefined ? {} : { levelMapping }),
        ...(checkRunName === undefined ? {} : { checkRunName }),
        operations,
      };
    },
  };
}

/** The platform whose limits apply to a provider's payloads. */
export function platformOf(provider: string): Platform {
  if (provider === 'github_app' || provider === 'github') return 'github';
  if (provider === 'gitlab') return 'gitlab';
  return 'generic';
}

/**
 * Defaults an integration's config may carry for annotate (`policy`, `levelMapping`, `checkRunName`; the
 * request's own values win). Providers that take them validate them with their schema; a provider whose
 * schema lets anything through gets them checked here, and an unusable one is ignored.
 */
function readLevelMapping(value: unknown): Partial<Record<Severity, ScmAnnotationLevel>> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  try {
    resolveLevelMapping(value as Partial<Record<Severity, ScmAnnotationLevel>>);
    return value as Partial<Record<Severity, ScmAnnotationLevel>>;
  } catch {
    return undefined;
  }
}

function readName(value: unknown): string | undefined {
  try {
    return checkName(value, 'checkRunName');
  } catch {
    return undefined;
  }
}

/**
 * The integration's default policy. Providers that take one validate it with `PolicySchema`; a provider
 * whose schema lets anything through gets its value checked here, and an unusable one is ignored.
 */
function readPolicy(value: unknown): PolicyConfig | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  try {
    resolvePolicy(value as PolicyConfig);
    return value as PolicyConfig;
  } catch {
    return undefined;
  }
}
