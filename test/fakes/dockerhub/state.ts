import { randomUUID } from 'node:crypto';

/*
 * What the Docker Hub fakes share: the accounts (users with their passwords and personal access
 * tokens), the namespaces (a user's own, and organisations with members) and the repositories (public
 * or private). The Hub API answers from it; the registry front's token service grants pulls by it; the
 * real registry's token server asks it (through `accountCheck`) whether a login is valid.
 */

/**
 * A personal access token's access permissions, as Docker Hub offers them: "Read, Write, Delete",
 * "Read & Write", "Read-only" and "Public Repo Read-only" (which reads public repositories only).
 */
export const PAT_SCOPES = ['repo:admin', 'repo:write', 'repo:read', 'repo:public_read'] as const;
export type PatScope = (typeof PAT_SCOPES)[number];

export interface HubUser {
  readonly username: string;
  /** Docker Hub's id of the account (what `docker-ratelimit-source` names for a logged-in pull). */
  readonly id: string;
  readonly password: string;
  readonly pats: Map<string, { readonly scope: PatScope; revoked: boolean }>;
}

export interface HubRepository {
  readonly namespace: string;
  readonly name: string;
  readonly isPrivate: boolean;
  readonly lastUpdated: string;
}

/** Who is asking: a user by a password (everything the user may) or a PAT (its scope), or nobody. */
export type HubPrincipal =
  | {
      readonly kind: 'user';
      readonly user: HubUser;
      readonly scope: PatScope | 'password';
      readonly pat?: string;
    }
  | { readonly kind: 'anonymous' };

export interface HubWorld {
  readonly users: Map<string, HubUser>;
  /** Namespace → its members (a user's namespace has the user; an organisation its members). */
  readonly namespaces: Map<string, Set<string>>;
  /** `namespace/name` → repository. */
  readonly repositories: Map<string, HubRepository>;
}

export function createHubWorld(): HubWorld {
  return { users: new Map(), namespaces: new Map(), repositories: new Map() };
}

/** Adds a user, its own namespace, and its personal access tokens (`{ token: scope }`). */
export function addUser(
  world: HubWorld,
  user: { username: string; password: string; pats?: Readonly<Record<string, PatScope>> },
): HubUser {
  const pats = new Map(
    Object.entries(user.pats ?? {}).map(([token, scope]) => [token, { scope, revoked: false }]),
  );
  const added: HubUser = { username: user.username, password: user.password, id: randomUUID(), pats };
  world.users.set(user.username, added);
  world.namespaces.set(user.username, new Set([user.username]));
  return added;
}

/** The user a username and a secret (a PAT, or the password) name, or nothing. */
export function authenticate(world: HubWorld, username: string, secret: string): HubPrincipal | undefined {
  const user = world.users.get(username);
  if (!user) return undefined;
  const pat = user.pats.get(secret);
  if (pat && !pat.revoked) return { kind: 'user', user, scope: pat.scope, pat: secret };
  if (!pat && secret === user.password) return { kind: 'user', user, scope: 'password' };
  return undefined;
}

/** Whether a principal sees a namespace's private repositories: a member whose token reads private ones. */
export function seesPrivate(world: HubWorld, principal: HubPrincipal, namespace: string): boolean {
  if (principal.kind !== 'user' || principal.scope === 'repo:public_read') return false;
  return world.namespaces.get(namespace)?.has(principal.user.username) === true;
}

/** Whether a principal may pull `namespace/name`: it exists, and is public or visible to the principal. */
export function canPull(world: HubWorld, principal: HubPrincipal, repository: string): boolean {
  const found = world.repositories.get(repository);
  if (!found) return false;
  return !found.isPrivate || seesPrivate(world, principal, found.namespace);
}

/** The error words of Docker Hub's API (`{ message, detail, errinfo }`, its `error` schema). */
export const hubError = (message: string) => ({ message, detail: message, errinfo: {} });
