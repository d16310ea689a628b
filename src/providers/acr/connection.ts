import type { ConnectionCheck, PluginContext, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import { testConnection as ociTest } from '../oci/connection.js';
import {
  createSession,
  createSharedState,
  describeFailure,
  RegistryAuthError,
  type RegistryLogin,
  type RegistrySession,
} from '../oci/index.js';
import { type AcrConfig, type AcrSettings, readAcrSettings } from './config.js';
import { type AcrCredential, describeCredential, readCredential } from './credential.js';
import { type EntraToken, PROVIDER, requestEntraToken } from './entra.js';
import { createAcrExchange, exchangeForRefreshToken } from './exchange.js';

/**
 * The connection test, step by step: `credentials` (the stored credential is one of the two shapes),
 * for a service principal `entra_token` (Entra issues a token for Azure Resource Manager) and
 * `acr_exchange` (the registry exchanges it for a refresh token), then the `oci` provider's steps with
 * that login: `reachable`, `registry`, `authenticated` (`GET /v2/` through the registry's token
 * service), `catalog`, and `repository <name>` for each configured repository. A catalog the login may
 * not read (repository-scoped tokens, ABAC repository roles) is explained, and the configured
 * repositories stand in for it.
 */
export async function testConnection(
  context: PluginContext<AcrConfig>,
  now: () => number,
): Promise<TestConnectionResult> {
  const settings = readAcrSettings(context.integration.endpoint, context.integration.config);
  const checks: ConnectionCheck[] = [];
  const done = () => connectionResult(checks, `connected to Azure Container Registry at ${settings.service}`);
  const step = async <T>(name: string, run: () => Promise<T>, say: (value: T) => string) => {
    try {
      const value = await run();
      checks.push({ name, ok: true, message: say(value) });
      return value;
    } catch (error) {
      checks.push({ name, ok: false, message: describeFailure(error) });
      return undefined;
    }
  };

  let login: RegistryLogin | undefined;
  if (context.credentials.configured) {
    const credential = await step(
      'credentials',
      async () => readCredential((await context.credentials.get()).value),
      describeCredential,
    );
    if (!credential) return done();
    login = await firstLogin(context, settings, credential, now, step);
    if (!login) return done();
  } else {
    checks.push({
      name: 'credentials',
      ok: true,
      message: 'no credential: anonymous pull, which the registry must allow',
    });
  }

  // The oci steps, with the login just made first (then exchanged afresh, should it be refused).
  let made = login;
  const exchange = createAcrExchange(settings, context.http, now);
  const session = watchCatalog(
    createSession(context, createSharedState(now), {
      provider: PROVIDER,
      exchange: async (resolved, signal) => {
        const ready = made;
        made = undefined;
        return ready ?? exchange(resolved, signal);
      },
    }),
  );
  const registry = await ociTest(session.session);
  checks.push(
    ...registry.checks.map((check) => explainCatalog(check, session.refused(), context.integration.config)),
  );
  return done();
}

type Step = <T>(name: string, run: () => Promise<T>, say: (value: T) => string) => Promise<T | undefined>;

/** The login the credential makes, each request of the exchange a step of its own. */
async function firstLogin(
  context: PluginContext<AcrConfig>,
  settings: AcrSettings,
  credential: AcrCredential,
  now: () => number,
  step: Step,
): Promise<RegistryLogin | undefined> {
  if (credential.kind === 'login') return { username: credential.username, password: credential.password };
  const entraToken = await step(
    'entra_token',
    () =>
      requestEntraToken({
        http: context.http,
        signal: context.signal,
        authority: settings.authority,
        tenantId: credential.tenantId,
        clientId: credential.clientId,
        clientSecret: credential.clientSecret,
        scope: settings.cloud.scope,
        now: now(),
      }),
    (token: EntraToken) =>
      `Microsoft Entra ID (${new URL(settings.authority).host}) issued a token for ${settings.cloud.scope}, valid ${minutes(token.expiresAt - now())}`,
  );
  if (!entraToken) return undefined;
  return step(
    'acr_exchange',
    () =>
      exchangeForRefreshToken({
        http: context.http,
        signal: context.signal,
        settings,
        tenantId: credential.tenantId,
        entraToken,
        now: now(),
      }),
    (made: RegistryLogin) =>
      `the registry exchanged the Entra token for a refresh token, used for ${minutes((made.expiresAt ?? now()) - now())}`,
  );
}

function minutes(ms: number): string {
  const whole = Math.max(0, Math.floor(ms / 60_000));
  return whole === 1 ? '1 minute' : `${whole} minutes`;
}

/** A session that notes whether the registry kept its catalog from the login. */
function watchCatalog(inner: RegistrySession) {
  let refused = false;
  const session: RegistrySession = {
    ...inner,
    async send(request) {
      try {
        const response = await inner.send(request);
        if (request.operation === 'list_repositories' && response.status !== 200) refused = true;
        return response;
      } catch (error) {
        if (
          request.operation === 'list_repositories' &&
          error instanceof RegistryAuthError &&
          error.reason === 'not_granted'
        )
          refused = true;
        throw error;
      }
    },
  };
  return { session, refused: () => refused };
}

/** The catalog check in ACR's words, when the registry would not show the catalog to this login. */
function explainCatalog(check: ConnectionCheck, refused: boolean, config: AcrConfig): ConnectionCheck {
  if (check.name !== 'catalog' || !refused) return check;
  const why =
    'ACR lists its catalog only to logins granted registry:catalog:* (not to repository-scoped tokens, nor to ABAC repository roles without Container Registry Repository Catalog Lister)';
  const configured = config.repositories?.length ?? 0;
  return configured > 0
    ? { ...check, message: `${why}; the ${configured} configured repositories are listed instead` }
    : { ...check, message: `${why}; list the repositories to read in config.repositories` };
}
