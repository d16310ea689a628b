import type { RegistryUser } from '../../support/registry.js';

/**
 * What the fake Quay knows: namespaces (organisations and users), robots, users with passwords,
 * OAuth application tokens with their scopes and the user they act for, repositories (public or
 * private) with their tags, and the services its health endpoints report. Who may read what follows
 * Quay's model: public repositories are readable by anyone; a private one by the members of its
 * organisation, the user owning it, and anyone given Read on it.
 */

/** The OAuth scopes Quay issues (`auth/scopes.py`). */
export const QUAY_SCOPES = [
  'repo:read',
  'repo:write',
  'repo:admin',
  'repo:create',
  'user:read',
  'user:admin',
  'org:admin',
  'super:user',
] as const;
export type QuayScope = (typeof QUAY_SCOPES)[number];

/** Scopes a granted scope includes besides itself, as Quay's `IMPLIED_SCOPES` lists them. */
const IMPLIED: Readonly<Partial<Record<QuayScope, readonly QuayScope[]>>> = {
  'repo:admin': ['repo:write', 'repo:read', 'repo:create'],
  'repo:write': ['repo:read'],
  'user:admin': ['user:read'],
};

export interface FakeTag {
  readonly name: string;
  readonly digest: string;
  readonly mediaType: string;
  /** Seconds since the epoch; tags are listed newest first. */
  readonly startTs: number;
  /** A tag moved away or deleted: listed only without `onlyActiveTags=true`. */
  readonly inactive?: boolean;
}

export interface FakeRepository {
  readonly namespace: string;
  readonly name: string;
  readonly public: boolean;
  readonly tags: FakeTag[];
  /** Users and robots given Read on it explicitly. */
  readonly readers: Set<string>;
}

/**
 * A robot's registry rights: `admin` is also granted the registry's catalog, `read` pulls, `none`
 * is a robot whose token the registry refuses (see README: the token server behind knows roles,
 * not per-repository permissions).
 */
export type RobotAccess = 'admin' | 'read' | 'none';

export interface FakeRobot {
  readonly username: string;
  readonly token: string;
  readonly access: RobotAccess;
}

export interface FakeAppToken {
  readonly token: string;
  /** The user the token acts for. */
  readonly user: string;
  readonly scopes: ReadonlySet<QuayScope>;
}

export interface QuayStore {
  readonly organizations: Map<string, { readonly members: Set<string> }>;
  readonly users: Map<string, { readonly password: string }>;
  readonly robots: Map<string, FakeRobot>;
  readonly tokens: Map<string, FakeAppToken>;
  readonly repositories: Map<string, FakeRepository>;
  readonly health: {
    instance: Record<string, boolean>;
    endtoend: Record<string, boolean>;
    warning: Record<string, boolean>;
  };
}

/** What a healthy Quay reports, as `health/services.py` names the services. */
export const HEALTHY = {
  instance: {
    auth: true,
    database: true,
    disk_space: true,
    registry_gunicorn: true,
    service_key: true,
    web_gunicorn: true,
  },
  endtoend: { auth: true, database: true, redis: true, storage: true },
  warning: { disk_space_warning: true },
} as const;

export function createStore(): QuayStore {
  return {
    organizations: new Map(),
    users: new Map(),
    robots: new Map(),
    tokens: new Map(),
    repositories: new Map(),
    health: {
      instance: { ...HEALTHY.instance },
      endtoend: { ...HEALTHY.endtoend },
      warning: { ...HEALTHY.warning },
    },
  };
}

export function isNamespace(store: QuayStore, name: string): boolean {
  return store.organizations.has(name) || store.users.has(name);
}

/** The scopes a token holds, with those they imply. */
export function hasScope(token: FakeAppToken, scope: QuayScope): boolean {
  for (const held of token.scopes) if (held === scope || IMPLIED[held]?.includes(scope)) return true;
  return false;
}

/** Whether `user` (a user name, or none: anonymous) may read a repository. */
export function canRead(store: QuayStore, user: string | undefined, repository: FakeRepository): boolean {
  if (repository.public) return true;
  if (user === undefined) return false;
  if (repository.namespace === user || repository.readers.has(user)) return true;
  return store.organizations.get(repository.namespace)?.members.has(user) === true;
}

/** For `startRegistry({ accountCheck })`: the registry rights of a robot or user login. */
export function accountCheck(store: QuayStore, username: string, password: string): RegistryUser | undefined {
  const robot = store.robots.get(username);
  if (robot) {
    if (robot.token !== password || robot.access === 'none') return undefined;
    return robot.access === 'admin' ? 'admin' : 'reader';
  }
  return store.users.get(username)?.password === password ? 'reader' : undefined;
}

/** Quay's API error body (`ApiError`), with the `type` URL its errors carry. */
export function apiError(origin: string, status: number, errorType: string, detail: string) {
  return {
    detail,
    error_message: detail,
    error_type: errorType,
    title: errorType,
    type: `${origin}/api/v1/error/${errorType}`,
    status,
  };
}
