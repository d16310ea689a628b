import {
  AppError,
  InvalidInputError,
  NotFoundError,
  UnprocessableError,
  UpstreamError,
} from '../core/errors.js';
import type { Integration } from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import type { Principal } from '../core/scopes.js';
import { OfflineError } from '../net/index.js';
import type {
  Capability,
  PageOf,
  PageOptions,
  PlatformManifest,
  Referrer,
  ReferrerList,
  ReferrerOptions,
  RegistryConnector,
  ResolvedReference,
} from '../plugins/contracts.js';
import type { PluginRegistry } from '../plugins/registry.js';
import type { IntegrationService } from './integration-service.js';
import type { PluginContextFactory } from './plugin-context.js';
import type { RegistryMetrics, RegistryOperation, RegistryOutcome } from './registry-metrics.js';
import { withDeadline } from './run-check.js';

/** One page of repository names or tags; `nextCursor` is absent on the last page. */
export interface RegistryPage {
  readonly items: string[];
  readonly nextCursor?: string;
}

/** What a reference resolves to, as the API returns it. */
export interface ResolvedImage extends ResolvedReference {
  readonly platforms?: PlatformManifest[];
}

/**
 * Reading the container registry behind an integration of the caller's tenant, through its provider's
 * `RegistryConnector`. Errors are the core ones: `NotFoundError` (no such integration, repository or
 * manifest), `UnprocessableError` (`registry_unsupported`, `provider_unavailable`), `InvalidInputError`,
 * `UpstreamError` (the registry failed, transient or not; `offline` when the service runs offline).
 */
export interface RegistryReadService {
  listRepositories(principal: Principal, integrationId: string, page?: PageOptions): Promise<RegistryPage>;
  listTags(
    principal: Principal,
    integrationId: string,
    repository: string,
    page?: PageOptions,
  ): Promise<RegistryPage>;
  /** A tag or digest to the manifest's digest and media type (with the platforms of an index). */
  resolve(
    principal: Principal,
    integrationId: string,
    repository: string,
    reference: string,
  ): Promise<ResolvedImage>;
  /** The manifests that refer to `digest` (signatures, SBOMs, attestations), optionally of one artifact type. */
  listReferrers(
    principal: Principal,
    integrationId: string,
    repository: string,
    digest: string,
    options?: ReferrerOptions,
  ): Promise<ReferrerListing>;
}

/** The referrers of a manifest, as the API returns them. */
export interface ReferrerListing {
  readonly items: Referrer[];
  readonly source: ReferrerList['source'];
}

export interface RegistryReadServiceDeps {
  readonly plugins: PluginRegistry;
  readonly integrations: IntegrationService;
  readonly contexts: PluginContextFactory;
  readonly metrics: RegistryMetrics;
  readonly logger: Logger;
  /** The deadline of one read, as for a connection test. */
  readonly timeoutMs: number;
  /** Offline mode: nothing is read; every call fails with `OfflineError` without reaching the plugin. */
  readonly offline: boolean;
}

const CAPABILITY: Readonly<Record<RegistryOperation, Capability>> = {
  list_repositories: 'registry.repositories',
  list_tags: 'registry.tags',
  resolve: 'registry.resolve',
  list_referrers: 'registry.referrers',
};

/** The longest provider message kept in an error (they reach responses and logs). */
const MAX_ERROR_CHARS = 1000;

/**
 * @example
 * const reads = createRegistryReadService({ plugins, integrations, contexts,
 *   metrics: createRegistryMetrics(registry), logger, timeoutMs: 30_000, offline: false });
 * const { items, nextCursor } = await reads.listTags(principal, integrationId, 'library/nginx', { pageSize: 50 });
 */
export function createRegistryReadService(deps: RegistryReadServiceDeps): RegistryReadService {
  /** Loads the integration, refuses what cannot be read, and runs `call` with a deadline, metrics and a log line. */
  async function read<T>(
    principal: Principal,
    integrationId: string,
    operation: RegistryOperation,
    fields: Record<string, unknown>,
    call: (connector: RegistryConnector) => Promise<unknown>,
    check: (answer: unknown) => T,
  ): Promise<T> {
    const integration = await deps.integrations.get(principal, integrationId);
    const { provider } = integration;
    const plugin = readablePlugin(integration, operation);
    const log = deps.logger.child({
      integrationId: integration.id,
      tenantId: integration.tenantId,
      provider,
      operation,
    });
    if (deps.offline) {
      deps.metrics.requests.inc({ provider, operation, status: 'skipped_offline' });
      log.warn({ ...fields, status: 'skipped_offline' }, 'offline mode: the registry was not read');
      throw new OfflineError('GET', integration.endpoint);
    }
    const config = deps.plugins.validateConfig(provider, integration.type, integration.config);

    const started = performance.now();
    let deadline: AbortSignal | undefined;
    let status: RegistryOutcome = 'success';
    let errorMessage: string | undefined;
    try {
      const answer = await withDeadline<{ value: unknown } | undefined>(
        deps.timeoutMs,
        async (signal) => {
          deadline = signal;
          const context = deps.contexts.create({ ...integration, config }, signal, {
            operation: `registry_${operation}`,
            purpose: 'registry',
            actor: principal.actor,
            provider,
          });
          return { value: await call(plugin.registry!(context)) };
        },
        () => undefined,
      );
      if (answer === undefined) throw timedOut(deps.timeoutMs);
      return check(answer.value);
    } catch (thrown) {
      const error = deadline?.aborted && !(thrown instanceof AppError) ? timedOut(deps.timeoutMs) : thrown;
      const classified = classify(error, provider);
      status = outcomeOf(classified);
      errorMessage = classified.message;
      throw classified;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      deps.metrics.duration.observe({ provider, operation }, seconds);
      deps.metrics.requests.inc({ provider, operation, status });
      const line = { ...fields, status, durationMs: Math.round(seconds * 1000), errorMessage };
      if (status === 'transient_failure' || status === 'permanent_failure')
        log.warn(line, 'registry read failed');
      else log.info(line, 'registry read');
    }
  }

  function readablePlugin(integration: Integration, operation: RegistryOperation) {
    const { provider } = integration;
    const entry = deps.plugins.get(provider);
    if (!entry) {
      throw new UnprocessableError(
        'provider_unavailable',
        `provider '${provider}' is not loaded in this instance, so its registry cannot be read`,
      );
    }
    const capability = CAPABILITY[operation];
    if (!entry.plugin.registry || !entry.plugin.capabilities.includes(capability)) {
      throw new UnprocessableError(
        'registry_unsupported',
        `provider '${provider}' does not offer ${capability}: it is not a container registry provider, or cannot do this`,
      );
    }
    if (integration.type !== 'registry') {
      throw new UnprocessableError(
        'registry_unsupported',
        `integration '${integration.name}' is a ${integration.type} integration; registry reads need a registry one`,
      );
    }
    if (!entry.availability.available) {
      throw new UnprocessableError(
        'provider_unavailable',
        `provider '${provider}' is not available in this instance: ${entry.availability.reason ?? 'no reason given'}`,
      );
    }
    return entry.plugin;
  }

  return {
    listRepositories(principal, integrationId, page = {}) {
      return read(
        principal,
        integrationId,
        'list_repositories',
        { pageSize: page.pageSize },
        (connector) => connector.listRepositories(pageOptions(page)),
        (answer) => checkPage(answer, 'repositories'),
      );
    },
    listTags(principal, integrationId, repository, page = {}) {
      return read(
        principal,
        integrationId,
        'list_tags',
        { repository, pageSize: page.pageSize },
        (connector) => connector.listTags(repository, pageOptions(page)),
        (answer) => checkPage(answer, 'tags'),
      );
    },
    resolve(principal, integrationId, repository, reference) {
      return read(
        principal,
        integrationId,
        'resolve',
        { repository, reference },
        (connector) => connector.resolveReference(repository, reference),
        checkResolved,
      );
    },
    listReferrers(principal, integrationId, repository, digest, options = {}) {
      return read(
        principal,
        integrationId,
        'list_referrers',
        { repository, digest, artifactType: options.artifactType },
        (connector) => {
          if (!connector.listReferrers) throw malformed('registry connector without listReferrers');
          return connector.listReferrers(
            repository,
            digest,
            options.artifactType === undefined ? {} : { artifactType: options.artifactType },
          );
        },
        checkReferrers,
      );
    },
  };
}

/** Only the options given, so a provider sees its own defaults for the rest. */
function pageOptions(page: PageOptions): PageOptions {
  return {
    ...(page.pageSize === undefined ? {} : { pageSize: page.pageSize }),
    ...(page.cursor === undefined ? {} : { cursor: page.cursor }),
  };
}

function timedOut(timeoutMs: number): UpstreamError {
  return new UpstreamError(`the registry did not answer within ${timeoutMs} ms`, { isTransient: true });
}

/**
 * Connectors throw core errors: not found, invalid input and upstream failures pass as they are.
 * Anything else (a plugin fault, an error of the wrong kind) is an upstream failure, never a 500.
 */
function classify(error: unknown, provider: string): AppError {
  if (
    error instanceof NotFoundError ||
    error instanceof InvalidInputError ||
    error instanceof UpstreamError
  ) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new UpstreamError(cut(`provider '${provider}' failed: ${message}`), {
    isTransient: false,
    cause: error,
  });
}

function outcomeOf(error: AppError): RegistryOutcome {
  if (error instanceof NotFoundError) return 'not_found';
  if (error instanceof InvalidInputError) return 'invalid_request';
  return error instanceof UpstreamError && error.isTransient ? 'transient_failure' : 'permanent_failure';
}

function malformed(what: string): UpstreamError {
  return new UpstreamError(`the provider answered with a malformed ${what}`, { isTransient: false });
}

/** Holds a connector to the contract's page shape, so a sloppy one cannot break the response. */
function checkPage(answer: unknown, what: 'repositories' | 'tags'): RegistryPage {
  const page = answer as Partial<PageOf<unknown>> | undefined;
  const items = page?.items;
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw malformed(`page of ${what}`);
  }
  const next = page?.nextCursor;
  if (next !== undefined && next !== null && (typeof next !== 'string' || next === '')) {
    throw malformed('cursor');
  }
  return typeof next === 'string' ? { items: [...items], nextCursor: next } : { items: [...items] };
}

function checkResolved(answer: unknown): ResolvedImage {
  const resolved = answer as Partial<ResolvedReference> | undefined;
  if (typeof resolved?.digest !== 'string' || typeof resolved.mediaType !== 'string') {
    throw malformed('resolved reference');
  }
  const platforms = resolved.platforms;
  if (platforms === undefined || platforms === null) {
    return { digest: resolved.digest, mediaType: resolved.mediaType };
  }
  if (!Array.isArray(platforms) || !platforms.every(isPlatform)) throw malformed('platform list');
  return {
    digest: resolved.digest,
    mediaType: resolved.mediaType,
    platforms: platforms.map(({ digest, os, architecture, variant }) => ({
      digest,
      os,
      architecture,
      ...(variant == null ? {} : { variant }),
    })),
  };
}

function checkReferrers(answer: unknown): ReferrerListing {
  const list = answer as Partial<ReferrerList> | undefined;
  if (list?.source !== 'referrers_api' && list?.source !== 'tag_schema') throw malformed('referrer list');
  if (!Array.isArray(list.items) || !list.items.every(isReferrer)) throw malformed('referrer list');
  return {
    source: list.source,
    items: list.items.map(({ digest, mediaType, size, artifactType, annotations }) => ({
      digest,
      mediaType,
      size,
      ...(artifactType == null ? {} : { artifactType }),
      ...(annotations == null ? {} : { annotations: { ...annotations } }),
    })),
  };
}

function isReferrer(value: unknown): value is Referrer {
  const referrer = value as Partial<Referrer> | null;
  return (
    typeof referrer?.digest === 'string' &&
    typeof referrer.mediaType === 'string' &&
    typeof referrer.size === 'number' &&
    Number.isSafeInteger(referrer.size) &&
    referrer.size >= 0 &&
    (referrer.artifactType == null || typeof referrer.artifactType === 'string') &&
    (referrer.annotations == null ||
      (typeof referrer.annotations === 'object' &&
        !Array.isArray(referrer.annotations) &&
        Object.values(referrer.annotations).every((text) => typeof text === 'string')))
  );
}

function isPlatform(value: unknown): value is PlatformManifest {
  const platform = value as Partial<PlatformManifest> | null;
  return (
    typeof platform?.digest === 'string' &&
    typeof platform.os === 'string' &&
    typeof platform.architecture === 'string' &&
    (platform.variant == null || typeof platform.variant === 'string')
  );
}

function cut(text: string): string {
  return text.length > MAX_ERROR_CHARS ? `${text.slice(0, MAX_ERROR_CHARS - 1)}…` : text;
}
