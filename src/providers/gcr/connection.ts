import { HttpError, type HttpResponse } from '../../net/index.js';
import type {
  ConnectionCheck,
  HealthCheckResult,
  PluginContext,
  TestConnectionResult,
} from '../../plugins/contracts.js';
import { connectionResult, connectionStep } from '../../plugins/guarded.js';
import { checkHealth as checkOciHealth, testConnection as testOciConnection } from '../oci/connection.js';
import {
  describeFailure,
  RegistryAuthError,
  type RegistryLogin,
  type RegistrySession,
} from '../oci/index.js';
import type { GcrConfig } from './config.js';
import { describeRegistry, type GoogleRegistry, googleRegistryOf } from './endpoint.js';
import { loginFor, scopesOf } from './exchange.js';
import { describeCredential, type GoogleCredential, readGoogleCredential } from './key.js';
import { tokenUriOf } from './token-uri.js';

/**
 * The connection test, step by step: `endpoint` (one of Google's registry hosts), `key` (the
 * credential is a well-formed service-account key, or an access token), `access token` (Google's
 * token service issues one for the key), then the `oci` provider's checks on the registry with that
 * token (`reachable`, `registry`, `authenticated`, `catalog`, `repository <name>`), whose failures
 * get the Google role or setting that fixes them.
 */
export async function testConnection(
  context: PluginContext<GcrConfig>,
  open: (first?: RegistryLogin) => RegistrySession,
  now: () => number,
): Promise<TestConnectionResult> {
  const checks: ConnectionCheck[] = [];
  let registry: GoogleRegistry | undefined;
  let credential: GoogleCredential | undefined;
  // Both are known once every step has passed, the only time the success message is read.
  const done = () =>
    connectionResult(
      checks,
      registry && credential
        ? `connected to ${describeRegistry(registry)} as ${describeCredential(credential)}`
        : 'connected',
    );
  const step = connectionStep(checks, describeFailure);
  const { config } = context.integration;

  const endpoint = await step('endpoint', () => {
    registry = googleRegistryOf(context.integration.endpoint, config);
    return describeRegistry(registry);
  });
  if (!endpoint || !registry) return done();
  const target = registry;

  const read = await step('key', async () => {
    if (!context.credentials.configured) throw new Error(missingCredential);
    credential = readGoogleCredential((await context.credentials.get()).value);
    return credential.kind === 'key'
      ? `${describeCredential(credential)}, scopes ${scopesOf(config).map(shortScope).join(', ')}`
      : `${describeCredential(credential)}, passed to the registry as it is (Google's access tokens expire an hour after they are issued)`;
  });
  if (!read || !credential) return done();
  const current = credential;

  let login: (RegistryLogin & { expiresInSeconds?: number }) | undefined;
  const minted = await step('access token', async () => {
    if (current.kind === 'access_token') return 'nothing to mint: the credential is an access token';
    login = await loginFor(current, context, context.signal, now);
    const host = tokenUriOf(current.key, config).host;
    return `the token service at ${host} issued an access token for ${current.key.clientEmail}, valid ${login.expiresInSeconds} s`;
  });
  if (!minted) return done();

  const observed = observe(open(login));
  const registryChecks = (await testOciConnection(observed.session)).checks;
  const advice = adviceFor(target, current, config);
  for (const check of registryChecks) checks.push(advised(check, observed, advice, config));
  return done();
}

/**
 * Health: a well-formed credential, an access token (minted when none is cached: one lives an hour
 * and is used until shortly before it expires), and the registry's `GET /v2/` accepting it.
 */
export async function checkHealth(
  context: PluginContext<GcrConfig>,
  open: () => RegistrySession,
): Promise<HealthCheckResult> {
  const registry = googleRegistryOf(context.integration.endpoint, context.integration.config);
  if (!context.credentials.configured) return { status: 'unhealthy', message: missingCredential };
  const credential = readGoogleCredential((await context.credentials.get()).value);
  const health = await checkOciHealth(open());
  if (health.status !== 'healthy') return health;
  return {
    status: 'healthy',
    message: `${describeRegistry(registry)}: ${health.message} (${describeCredential(credential)})`,
  };
}

export const missingCredential =
  "the integration has no credential: set authRef to a secret holding the service account's JSON key file";

const shortScope = (scope: string) => scope.replace('https://www.googleapis.com/auth/', '');

export interface Advice {
  /** The IAM role that lets the account read. */
  readonly role: string;
  /** What to check when the registry refuses the token itself. */
  readonly refused: string;
}

/** The role to grant and the settings to check, in the words of the registry at hand. */
export function adviceFor(registry: GoogleRegistry, credential: GoogleCredential, config: GcrConfig): Advice {
  const who =
    credential.kind === 'key'
      ? `the service account ${credential.key.clientEmail}`
      : "the access token's account";
  const project = config.project ?? (credential.kind === 'key' ? credential.key.projectId : undefined);
  const where = project
    ? ` on project ${project} (or on the repository)`
    : ' on the project or the repository';
  // gcr.io keeps images in artifacts.<project>.appspot.com, us.gcr.io in us.artifacts.<project>…
  const region = registry.host === 'gcr.io' ? '' : registry.host.replace(/\.gcr\.io$/, '.');
  const bucket =
    registry.kind === 'container_registry'
      ? `; a project still on Container Registry needs roles/storage.objectViewer on its bucket ${region}artifacts.${project ?? '<project>'}.appspot.com`
      : '';
  return {
    role: `grant ${who} the role roles/artifactregistry.reader${where}${bucket}`,
    refused:
      'the registry refused the access token: Artifact Registry needs the scope cloud-platform (or cloud-platform.read-only) in config.scopes, and the Artifact Registry API enabled in the project',
  };
}

/** A failed registry check with what to do in Google's terms; an empty catalog with the way round it. */
function advised(
  check: ConnectionCheck,
  observed: Observed,
  advice: Advice,
  config: GcrConfig,
): ConnectionCheck {
  const withAdvice = (text: string) => ({ ...check, message: `${check.message}; ${text}` });
  if (check.name === 'authenticated' && !check.ok) {
    const error = observed.errorOf('');
    return withAdvice(
      error instanceof RegistryAuthError && error.reason === 'refused' ? advice.refused : advice.role,
    );
  }
  if (check.name === 'catalog') {
    if (!check.ok) return withAdvice(advice.role);
    if (!config.repositories?.length && observed.catalogSize() === 0)
      return withAdvice(
        "Artifact Registry's catalog lists nothing for most accounts: list the images to use in config.repositories",
      );
    return check;
  }
  if (check.name.startsWith('repository ') && !check.ok) {
    const path = `${check.name.slice('repository '.length)}/tags/list`;
    const error = observed.errorOf(path);
    if (observed.statusOf(path) === 404)
      return withAdvice(
        'names are <project>/<repository>/<image> on Artifact Registry and <project>/<image> on gcr.io',
      );
    if (denied(error)) return withAdvice(advice.role);
  }
  return check;
}

function denied(error: unknown): boolean {
  return (
    (error instanceof RegistryAuthError && error.reason === 'not_granted') ||
    (error instanceof HttpError && error.status === 403)
  );
}

interface Observed {
  readonly session: RegistrySession;
  /** The last error of a request to this path below `/v2/`. */
  errorOf(path: string): unknown;
  /** The status of the last answer to this path below `/v2/`. */
  statusOf(path: string): number | undefined;
  /** How many names the first catalog page held, if one was read. */
  catalogSize(): number | undefined;
}

/** The session, with the outcome of each request kept, so a failed check can be explained. */
function observe(session: RegistrySession): Observed {
  const errors = new Map<string, unknown>();
  const statuses = new Map<string, number>();
  let catalog: HttpResponse | undefined;
  return {
    session: {
      ...session,
      async send(request) {
        const path = typeof request.path === 'string' ? request.path : request.path.pathname;
        try {
          const response = await session.send(request);
          statuses.set(path, response.status);
          if (path === '_catalog' && response.status === 200) catalog = response;
          return response;
        } catch (error) {
          errors.set(path, error);
          throw error;
        }
      },
    },
    errorOf: (path) => errors.get(path),
    statusOf: (path) => statuses.get(path),
    catalogSize() {
      try {
        const names = (catalog?.json() as { repositories?: unknown } | undefined)?.repositories;
        return Array.isArray(names) ? names.length : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
