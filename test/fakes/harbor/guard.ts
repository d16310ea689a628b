import type { FakeRequest } from '../openapi/contract-server.js';
import type { FakeHarborStore, Principal } from './state.js';

/**
 * Harbor's API security context: Basic credentials of a user (database authentication) or of a robot
 * account; without them, or when they are wrong, the request goes on as anonymous (Harbor's security
 * middleware falls through to the anonymous context: public projects stay readable, everything else
 * answers 401). https://github.com/goharbor/harbor/issues/12730, ICTU/quality-time#6525.
 */

/** The caller of a request, from its `Authorization` header, and any misuse of it. */
export function principalOf(
  store: FakeHarborStore,
  authorization: string | undefined,
): { principal: Principal; problems: string[] } {
  const anonymous = { kind: 'anonymous' } as const;
  if (authorization === undefined) return { principal: anonymous, problems: [] };
  const [scheme = '', value = ''] = authorization.split(/\s+/, 2);
  if (!/^basic$/i.test(scheme))
    return { principal: anonymous, problems: [`Harbor's API takes Basic credentials, not '${scheme} …'`] };
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { principal: anonymous, problems: ['the Basic credentials hold no colon'] };
  const name = decoded.slice(0, colon);
  const secret = decoded.slice(colon + 1);
  const problems = /%24/i.test(name) ? ['the robot name is URL-encoded inside the Basic header'] : [];
  const user = store.users.get(name);
  if (user && user.password === secret) return { principal: { kind: 'user', user }, problems };
  const robot = store.robots.get(name);
  if (robot && robot.secret === secret) return { principal: { kind: 'robot', robot }, problems };
  return { principal: anonymous, problems };
}

/** The guard of the contract server: who is calling, kept for the routes. */
export function createGuard(store: FakeHarborStore, principals: WeakMap<FakeRequest, Principal>) {
  return (request: FakeRequest) => {
    const { principal, problems } = principalOf(store, request.headers.authorization);
    principals.set(request, principal);
    return { problems };
  };
}
