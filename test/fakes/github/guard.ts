import type { FakeRequest, FakeResponse, Guarded } from '../openapi/contract-server.js';
import { checkAppJwt } from './app-jwt.js';
import { UNMODELLED_RUN_FILTERS } from './routes-actions.js';
import { type FakeGitHubState, type FakeInstallation, type FakePersonalToken, hasScope } from './state.js';

/**
 * Authentication and authorisation as GitHub does them for an App: App endpoints take the App's JWT,
 * repository endpoints an installation token of an installation that holds the repository and the
 * permission the endpoint needs ("Permissions required for GitHub Apps"), an organisation endpoint an
 * installation on that organisation. Using one where the other belongs
 * is a client bug and recorded as a violation. Personal access tokens are modelled for what a registry
 * reader does with one: `GET /user`, `GET /rate_limit` and listing packages (classic tokens with
 * `read:packages`; fine-grained tokens cannot use the packages API).
 */

export type Caller =
  | { readonly kind: 'none' }
  | {
      readonly kind: 'jwt';
      readonly accepted: boolean;
      readonly problems: readonly string[];
      /** GitHub's 401 words for a JWT out of range by the fake's clock only. */
      readonly clockRefusal?: string;
    }
  | {
      readonly kind: 'token';
      readonly installation: FakeInstallation | undefined;
      readonly expired: boolean;
    }
  | { readonly kind: 'pat'; readonly token: FakePersonalToken };

/** Operations authenticated as the App itself (JWT). */
const APP_OPERATIONS = new Set([
  'apps/get-authenticated',
  'apps/create-installation-access-token',
  'apps/get-repo-installation',
  'apps/get-org-installation',
  'apps/get-installation',
  'apps/list-installations',
]);

/** Operations anyone may call, with or without credentials. */
const PUBLIC_OPERATIONS = new Set(['meta/root', 'meta/get', 'meta/get-zen']);

/** The permission each repository operation needs: any one of the alternatives. */
const NEEDS: Readonly<Record<string, readonly string[]>> = {
  'issues/list-comments': ['issues:read', 'pull_requests:read'],
  'issues/get-comment': ['issues:read', 'pull_requests:read'],
  'issues/create-comment': ['issues:write', 'pull_requests:write'],
  'issues/update-comment': ['issues:write', 'pull_requests:write'],
  'repos/create-commit-status': ['statuses:write'],
  'repos/get-combined-status-for-ref': ['statuses:read'],
  'repos/list-commit-statuses-for-ref': ['statuses:read'],
  'checks/create': ['checks:write'],
  'checks/update': ['checks:write'],
  'checks/get': ['checks:read'],
  'checks/list-for-ref': ['checks:read'],
  'checks/list-annotations': ['checks:read'],
  'pulls/list-files': ['pull_requests:read', 'contents:read'],
  'pulls/create-review': ['pull_requests:write'],
  'pulls/list-review-comments': ['pull_requests:read'],
  'pulls/create-review-comment': ['pull_requests:write'],
  'repos/get': ['metadata:read'],
  'actions/list-repo-workflows': ['actions:read'],
  'actions/list-workflow-runs-for-repo': ['actions:read'],
  'actions/list-self-hosted-runners-for-org': ['organization_self_hosted_runners:read'],
};

/** Query parameters the description allows that the fake does not model: a test never relies on them. */
const UNMODELLED_QUERY: Readonly<Record<string, readonly string[]>> = {
  'actions/list-workflow-runs-for-repo': UNMODELLED_RUN_FILTERS,
};

/** What a personal access token may call here, and the classic scope each needs (none: any token). */
const PAT_OPERATIONS: Readonly<Record<string, string | null>> = {
  'users/get-authenticated': null,
  'rate-limit/get': null,
  'packages/list-packages-for-organization': 'read:packages',
  'packages/list-packages-for-user': 'read:packages',
};

/** GitHub's documentation of each packages listing, as its refusals link it. */
const PACKAGES_DOCS: Readonly<Record<string, string>> = {
  'packages/list-packages-for-organization':
    'https://docs.github.com/rest/packages/packages#list-packages-for-an-organization',
  'packages/list-packages-for-user':
    'https://docs.github.com/rest/packages/packages#list-packages-for-a-user',
};

export function identify(state: FakeGitHubState, request: FakeRequest, nowMs: number): Caller {
  const header = request.headers.authorization;
  if (!header) return { kind: 'none' };
  const [scheme = '', credential = ''] = header.split(/\s+/, 2);
  if (!/^(bearer|token)$/i.test(scheme)) return { kind: 'none' };
  if (credential.split('.').length === 3) {
    state.jwts.push(credential);
    const issuers = [String(state.app.id), state.app.clientId];
    const check = checkAppJwt(credential, state.keys.publicKey, issuers, Math.floor(nowMs / 1000));
    return {
      kind: 'jwt',
      accepted: check.accepted,
      problems: check.problems,
      ...(check.clockRefusal === undefined ? {} : { clockRefusal: check.clockRefusal }),
    };
  }
  const personal = state.personalTokens.get(credential);
  if (personal) return { kind: 'pat', token: personal };
  const token = state.tokens.get(credential);
  if (!token) return { kind: 'token', installation: undefined, expired: false };
  const installation = state.installations.find((candidate) => candidate.id === token.installationId);
  return { kind: 'token', installation, expired: token.revoked || token.expiresAt <= nowMs };
}

export function has(installation: FakeInstallation, needed: string): boolean {
  const [name = '', level = 'read'] = needed.split(':');
  const granted = installation.permissions[name];
  return granted === 'write' || (granted === 'read' && level === 'read');
}

const unauthorized = (message: string): FakeResponse => ({
  status: 401,
  body: { message, documentation_url: 'https://docs.github.com/rest' },
});

export function guard(state: FakeGitHubState, request: FakeRequest, nowMs: number): Guarded | undefined {
  const caller = identify(state, request, nowMs);
  const operationId = request.operation.operationId;
  if (PUBLIC_OPERATIONS.has(operationId)) return undefined;
  if (APP_OPERATIONS.has(operationId)) {
    if (caller.kind === 'token' || caller.kind === 'pat') {
      const what = caller.kind === 'token' ? 'an installation token' : 'a personal access token';
      return {
        problems: [`${operationId} takes the App's JWT, not ${what}`],
        response: unauthorized('A JSON web token could not be decoded'),
      };
    }
    if (caller.kind !== 'jwt') return { response: unauthorized('A JSON web token could not be decoded') };
    if (!caller.accepted) {
      // A client whose clock is off is not a client bug: GitHub says which claim, and nothing is recorded.
      return {
        problems: caller.problems,
        response: unauthorized(caller.clockRefusal ?? 'A JSON web token could not be decoded'),
      };
    }
    return undefined;
  }
  if (caller.kind === 'jwt') {
    return {
      problems: [`${operationId} takes an installation token, not the App's JWT`],
      response: unauthorized('Bad credentials'),
    };
  }
  if (caller.kind === 'pat') return guardPersonal(caller.token, operationId);
  if (caller.kind === 'none' && operationId in PAT_OPERATIONS && operationId !== 'rate-limit/get') {
    return { response: unauthorized('Requires authentication') };
  }
  if (caller.kind === 'none' || !caller.installation || caller.expired) {
    return { response: unauthorized('Bad credentials') };
  }
  if (operationId === 'rate-limit/get') return undefined;
  const unmodelled = (UNMODELLED_QUERY[operationId] ?? []).filter((name) => request.query.has(name));
  if (unmodelled.length > 0) {
    return {
      problems: [`the fake does not model ${unmodelled.join(', ')} on ${operationId}`],
      response: { status: 501, body: { message: `not modelled: ${unmodelled.join(', ')}` } },
    };
  }
  // Neither the authenticated user nor packages are open to GitHub Apps' installation tokens.
  if (operationId in PAT_OPERATIONS) return { response: forbidden('Resource not accessible by integration') };
  const { owner, repo } = request.operation.params;
  if (owner !== undefined && repo !== undefined) {
    const key = `${owner}/${repo}`.toLowerCase();
    if (!caller.installation.repositories.includes(key)) {
      return { response: { status: 404, body: { message: 'Not Found' } } };
    }
  }
  // An organisation's endpoints answer only the installation on that organisation.
  const { org } = request.operation.params;
  if (org !== undefined && caller.installation.account.toLowerCase() !== org.toLowerCase()) {
    return { response: { status: 404, body: { message: 'Not Found' } } };
  }
  const needs = NEEDS[operationId];
  if (needs && !needs.some((needed) => has(caller.installation!, needed))) {
    return {
      response: {
        status: 403,
        body: {
          message: 'Resource not accessible by integration',
          documentation_url: 'https://docs.github.com/rest',
        },
      },
    };
  }
  return undefined;
}

const forbidden = (message: string, documentation = 'https://docs.github.com/rest'): FakeResponse => ({
  status: 403,
  body: { message, documentation_url: documentation, status: '403' },
});

/**
 * A personal access token: revoked ones are 401; operations outside `PAT_OPERATIONS` are not modelled
 * (a violation, so a test never relies on an answer GitHub might not give); a classic token lacking the
 * scope gets GitHub's own words, a fine-grained one the packages API's refusal.
 */
function guardPersonal(token: FakePersonalToken, operationId: string): Guarded | undefined {
  if (token.revoked) return { response: unauthorized('Bad credentials') };
  const headers = personalHeaders(token, operationId);
  const refuse = (response: FakeResponse) => ({ ...response, headers });
  if (!(operationId in PAT_OPERATIONS)) {
    return {
      problems: [`the fake models ${operationId} for installation tokens only, not personal access tokens`],
      response: refuse(forbidden('Resource not accessible by personal access token')),
    };
  }
  const scope = PAT_OPERATIONS[operationId];
  if (!scope) return undefined;
  if (token.kind === 'fine_grained')
    return {
      response: refuse(
        forbidden('Resource not accessible by personal access token', PACKAGES_DOCS[operationId]),
      ),
    };
  if (!hasScope(token, scope))
    return {
      response: refuse(
        forbidden(`You need at least ${scope} scope to list packages.`, PACKAGES_DOCS[operationId]),
      ),
    };
  return undefined;
}

/**
 * The headers GitHub adds for a classic token: the scopes it holds (`X-OAuth-Scopes`) and those the
 * operation accepts (`X-Accepted-OAuth-Scopes`). Fine-grained tokens get neither.
 */
export function personalHeaders(token: FakePersonalToken, operationId: string): Record<string, string> {
  if (token.kind !== 'classic') return {};
  const accepted = PAT_OPERATIONS[operationId];
  return {
    'x-oauth-scopes': token.scopes.join(', '),
    'x-accepted-oauth-scopes': accepted ?? '',
  };
}
