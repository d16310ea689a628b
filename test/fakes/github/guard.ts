import type { FakeRequest, FakeResponse, Guarded } from '../openapi/contract-server.js';
import { checkAppJwt } from './app-jwt.js';
import type { FakeGitHubState, FakeInstallation } from './state.js';

/**
 * Authentication and authorisation as GitHub does them for an App: App endpoints take the App's JWT,
 * repository endpoints an installation token of an installation that holds the repository and the
 * permission the endpoint needs ("Permissions required for GitHub Apps"). Using one where the other belongs
 * is a client bug and recorded as a violation.
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
    };

/** Operations authenticated as the App itself (JWT). */
const APP_OPERATIONS = new Set([
  'apps/get-authenticated',
  'apps/create-installation-access-token',
  'apps/get-repo-installation',
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
    if (caller.kind === 'token') {
      return {
        problems: [`${operationId} takes the App's JWT, not an installation token`],
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
  if (caller.kind === 'none' || !caller.installation || caller.expired) {
    return { response: unauthorized('Bad credentials') };
  }
  if (operationId === 'rate-limit/get') return undefined;
  const { owner, repo } = request.operation.params;
  if (owner !== undefined && repo !== undefined) {
    const key = `${owner}/${repo}`.toLowerCase();
    if (!caller.installation.repositories.includes(key)) {
      return { response: { status: 404, body: { message: 'Not Found' } } };
    }
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
