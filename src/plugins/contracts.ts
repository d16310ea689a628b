import type { TSchema } from '@sinclair/typebox';
import type { HealthStatus, IntegrationType } from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import type { HttpClient } from '../net/index.js';
import type { CredentialsAccessor } from '../secrets/index.js';

/**
 * The contracts between the catalog and its providers, after the design's `IIntegrationConnectorPlugin`,
 * `IScmAnnotationClient` and `IRegistryConnector`, with the same field names in camelCase.
 *
 * A provider is a plain object. The base contract is small; SCM and registry abilities are separate
 * interfaces that a plugin offers through `scm` and `registry`.
 */

/** Whether a plugin can run here, and if not, why (the design's `IAvailabilityPlugin`). */
export interface Availability {
  readonly available: boolean;
  readonly reason?: string;
}

/** What a plugin can do, so callers and the console know what to offer. */
export const CAPABILITIES = [
  'test_connection',
  'health_check',
  'scm.comment',
  'scm.status',
  'scm.check_run',
  'scm.inline_comment',
  'registry.repositories',
  'registry.tags',
  'registry.resolve',
  'registry.referrers',
] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** What an SCM provider offers when it posts every kind of annotation. */
export const SCM_CAPABILITIES: readonly Capability[] = [
  'test_connection',
  'health_check',
  'scm.comment',
  'scm.status',
  'scm.check_run',
  'scm.inline_comment',
];

/** What a container registry provider offers when it reads everything a registry holds. */
export const REGISTRY_CAPABILITIES: readonly Capability[] = [
  'test_connection',
  'health_check',
  'registry.repositories',
  'registry.tags',
  'registry.resolve',
  'registry.referrers',
];

/** The saved (or about to be saved) registration a plugin works on. Never holds a plaintext secret. */
export interface IntegrationConfig<TConfig = Record<string, unknown>> {
  readonly id: string | null;
  readonly tenantId: string;
  readonly name: string;
  readonly type: IntegrationType;
  readonly endpoint: string;
  readonly authRef: string | null;
  /** Provider-specific settings, already validated against the plugin's schema, defaults filled. */
  readonly config: TConfig;
}

/** Everything a plugin gets from the catalog for one operation. */
export interface PluginContext<TConfig = Record<string, unknown>> {
  readonly integration: IntegrationConfig<TConfig>;
  /**
   * The only way out of the process: egress policy, timeouts, retries and circuit breakers included.
   * Pass `signal`, `provider` and `operation` with every request.
   */
  readonly http: HttpClient;
  /**
   * The integration's credential, resolved on demand from its `authRef` (cached, audited). Wrap the
   * calls that use it in `credentials.withRetry(...)` so a refused credential is re-resolved once.
   */
  readonly credentials: CredentialsAccessor;
  readonly logger: Logger;
  /** Aborted when the caller gives up or the operation's deadline passes. */
  readonly signal: AbortSignal;
  readonly now: () => Date;
}

/** One step of a connection test, so a user sees which step failed and what to fix. */
export interface ConnectionCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly message: string;
}

export interface TestConnectionResult {
  readonly success: boolean;
  readonly message: string;
  readonly checks: readonly ConnectionCheck[];
}

export interface HealthCheckResult {
  readonly status: Exclude<HealthStatus, 'unknown'>;
  readonly message: string;
}

/** The base contract every provider meets. */
export interface ConnectorPlugin<TConfig = Record<string, unknown>> {
  /** Snake-case id stored with each integration, e.g. `github_app`. */
  readonly provider: string;
  readonly displayName: string;
  /** The integration types this provider serves (most serve one). */
  readonly types: readonly [IntegrationType, ...IntegrationType[]];
  /** JSON Schema of `config`; validated on create and update, defaults filled. */
  readonly configSchema: TSchema;
  readonly capabilities: readonly Capability[];
  checkAvailability(): Availability | Promise<Availability>;
  testConnection(context: PluginContext<TConfig>): Promise<TestConnectionResult>;
  checkHealth(context: PluginContext<TConfig>): Promise<HealthCheckResult>;
  /** Present when the provider can annotate pull requests. */
  scm?(context: PluginContext<TConfig>): ScmAnnotationClient;
  /** Present when the provider is a container registry. */
  registry?(context: PluginContext<TConfig>): RegistryConnector;
}

// --- SCM annotation -------------------------------------------------------------------------------

/**
 * The outcome of one SCM operation. Operations never throw for outside failures: they classify them.
 * `isTransient` says a retry may help; `skippedOffline` that nothing was sent because the service is offline.
 */
export interface ScmOperationResult<T> {
  readonly success: boolean;
  readonly result?: T;
  readonly errorMessage?: string;
  readonly isTransient: boolean;
  readonly skippedOffline: boolean;
}

/** What an `ensure` write did: a second run with the same input reports `unchanged`. */
export type WriteAction = 'created' | 'updated' | 'unchanged';

export interface ScmCommentRequest {
  readonly owner: string;
  readonly repository: string;
  readonly pullRequestNumber: number;
  readonly body: string;
  /** Update this comment instead of finding our own. */
  readonly commentId?: string;
  /** Find our earlier comment and update it instead of adding another (default true). */
  readonly updateExisting?: boolean;
}

export interface ScmCommentResponse {
  readonly commentId: string;
  readonly url: string | null;
  readonly action: WriteAction;
}

export const SCM_STATUS_STATES = ['pending', 'success', 'failure', 'error'] as const;
export type ScmStatusState = (typeof SCM_STATUS_STATES)[number];

export interface ScmStatusRequest {
  readonly owner: string;
  readonly repository: string;
  readonly commitSha: string;
  readonly state: ScmStatusState;
  readonly context: string;
  readonly description?: string;
  readonly targetUrl?: string;
}

export interface ScmStatusResponse {
  readonly statusId: string | null;
  readonly url: string | null;
  readonly action: WriteAction;
}

/** Check-run states and conclusions, as GitHub names them (other platforms emulate them). */
export const CHECK_RUN_STATUSES = ['queued', 'in_progress', 'completed'] as const;
export const CHECK_RUN_CONCLUSIONS = [
  'action_required',
  'cancelled',
  'failure',
  'neutral',
  'success',
  'skipped',
  'stale',
  'timed_out',
] as const;

export type ScmAnnotationLevel = 'notice' | 'warning' | 'failure';

export interface ScmCheckRunAnnotation {
  readonly path: string;
  readonly startLine: number;
  readonly endLine: number;
  readonly annotationLevel: ScmAnnotationLevel;
  readonly message: string;
  readonly title?: string;
}

export interface ScmCheckRunRequest {
  readonly owner: string;
  readonly repository: string;
  readonly headSha: string;
  readonly name: string;
  /** `queued`, `in_progress` or `completed`. */
  readonly status?: string;
  /** `success`, `failure`, `neutral`, ... when completed. */
  readonly conclusion?: string;
  readonly summary?: string;
  readonly text?: string;
  readonly annotations?: readonly ScmCheckRunAnnotation[];
}

export interface ScmCheckRunResponse {
  readonly checkRunId: string;
  readonly url: string | null;
  readonly annotationsPosted: number;
  /** What the write did, for providers that ensure check runs (find by head SHA and name). */
  readonly action?: WriteAction;
}

/** The added lines of one file of a pull request (as `parseUnifiedDiff` reads them). */
export interface ScmChangedFile {
  readonly path: string;
  readonly lines: readonly number[];
}

/** Findings to post as inline review comments on the lines a pull request added. */
export interface ScmInlineCommentsRequest {
  readonly owner: string;
  /** The base repository (for a pull request from a fork too). */
  readonly repository: string;
  readonly pullRequestNumber: number;
  /** The pull request's head commit. */
  readonly commitSha: string;
  /** Title and message are markdown, already escaped by the caller. */
  readonly findings: readonly ScmCheckRunAnnotation[];
  /** Marker written into each comment (default `default`), so a second run skips what is there. */
  readonly markerKey?: string;
  /** Text of the review that carries the comments (platforms that group them). */
  readonly reviewBody?: string;
  /**
   * The pull request's added lines as the caller knows them. Providers that can read the diff from the
   * platform (GitHub) use the platform's; the others count only these lines as on the diff.
   */
  readonly changedLines?: readonly ScmChangedFile[];
}

export interface ScmInlineCommentsResponse {
  /** Review comments written now. */
  readonly posted: number;
  /** Already there from an earlier run. */
  readonly unchanged: number;
  /** Not on an added line (or refused by the platform): report them in the check run or the summary. */
  readonly fallback: readonly ScmCheckRunAnnotation[];
  readonly reviewIds: readonly string[];
  /** Threads of ours from earlier runs whose finding is gone, marked resolved now (where the platform can). */
  readonly resolved?: number;
}

/** Posting scan results back into pull requests and commits. */
export interface ScmAnnotationClient {
  postComment(request: ScmCommentRequest): Promise<ScmOperationResult<ScmCommentResponse>>;
  postStatus(request: ScmStatusRequest): Promise<ScmOperationResult<ScmStatusResponse>>;
  createCheckRun(request: ScmCheckRunRequest): Promise<ScmOperationResult<ScmCheckRunResponse>>;
  /**
   * Optional (capability `scm.inline_comment`): findings as review comments on the lines the pull
   * request added; the others come back in `result.fallback`. Never repeats a comment already there.
   */
  postInlineComments?(
    request: ScmInlineCommentsRequest,
  ): Promise<ScmOperationResult<ScmInlineCommentsResponse>>;
}

/** What a recording SCM received (the in-memory provider), as `GET …/scm/recorded` shows it. */
export interface RecordedScm {
  readonly comments: readonly {
    readonly id: string;
    readonly pullRequest: string;
    readonly body: string;
    readonly updates: number;
  }[];
  readonly statuses: readonly (ScmStatusRequest & { readonly id: string })[];
  readonly checkRuns: readonly (ScmCheckRunRequest & { readonly id: string; readonly updates: number })[];
  /** Inline review comments, for recorders that take them. */
  readonly inlineComments?: readonly {
    readonly id: string;
    readonly pullRequest: string;
    readonly path: string;
    readonly line: number;
    readonly body: string;
  }[];
  /** Writes that reached the SCM; an `ensure` that changed nothing adds none. */
  readonly writes: number;
}

/**
 * Optional: a plugin that records what its SCM was sent can show it. Only test and demo providers offer
 * it; for the others `GET …/scm/recorded` is a 404.
 */
export interface ScmInspector<TConfig = Record<string, unknown>> {
  inspectScm(context: PluginContext<TConfig>): RecordedScm;
}

/** Whether a plugin offers `inspectScm`. */
export function canInspectScm(plugin: ConnectorPlugin): plugin is ConnectorPlugin & ScmInspector {
  return typeof (plugin as Partial<ScmInspector>).inspectScm === 'function';
}

// --- Registry -------------------------------------------------------------------------------------

export interface PageOf<T> {
  readonly items: readonly T[];
  /** Pass back to get the next page; absent on the last page. */
  readonly nextCursor?: string;
}

export interface PageOptions {
  readonly pageSize?: number;
  readonly cursor?: string;
}

export interface PlatformManifest {
  readonly digest: string;
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface ResolvedReference {
  readonly digest: string;
  readonly mediaType: string;
  /** For an image index, the platforms it points to. */
  readonly platforms?: readonly PlatformManifest[];
}

/**
 * A manifest that refers to another through its `subject` (OCI image specification 1.1): a signature,
 * an SBOM, a provenance attestation, a scan report attached to an image.
 */
export interface Referrer {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** What the artifact is, e.g. `application/spdx+json`, `application/vnd.dev.cosign.artifact.sig.v1+json`. */
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ReferrerList {
  readonly items: readonly Referrer[];
  /**
   * Where the list came from: the registry's referrers API, or (a registry without it) the index that
   * clients keep at the digest's referrers tag, which is only as complete as the clients that pushed kept it.
   */
  readonly source: 'referrers_api' | 'tag_schema';
}

export interface ReferrerOptions {
  /** Only artifacts of this type. */
  readonly artifactType?: string;
}

/** Reading a container registry. */
export interface RegistryConnector {
  listRepositories(options?: PageOptions): Promise<PageOf<string>>;
  listTags(repository: string, options?: PageOptions): Promise<PageOf<string>>;
  /** Resolves a tag or digest to the manifest digest and media type. */
  resolveReference(repository: string, reference: string): Promise<ResolvedReference>;
  /** The manifests whose `subject` is `digest` (capability `registry.referrers`). */
  listReferrers?(repository: string, digest: string, options?: ReferrerOptions): Promise<ReferrerList>;
}

/**
 * Widens a plugin typed by its own config to the type the registry holds. Sound because the registry
 * validates `config` against `configSchema` before any call reaches the plugin.
 */
export function asConnectorPlugin<TConfig>(plugin: ConnectorPlugin<TConfig>): ConnectorPlugin {
  return plugin as unknown as ConnectorPlugin;
}
