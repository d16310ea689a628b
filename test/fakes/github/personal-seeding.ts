import { iso } from './route-context.js';
import { OWNER_ID_BASE } from './routes-packages.js';
import {
  type FakeGitHubState,
  type FakeOwner,
  type FakePackage,
  type FakePersonalToken,
  hasScope,
} from './state.js';

/** How the tests give the fake GitHub personal access tokens, owners and container packages. */

export interface PersonalTokenOptions {
  readonly login: string;
  /** Classic tokens' scopes, e.g. `['read:packages']`; none for a fine-grained token. */
  readonly scopes?: readonly string[];
  readonly kind?: FakePersonalToken['kind'];
  readonly orgs?: readonly string[];
}

export interface PackageOptions {
  readonly owner: string;
  readonly ownerType: FakeOwner['type'];
  /** As GitHub names it: `app`, or `team/app` for `ghcr.io/<owner>/team/app`. */
  readonly name: string;
  /** Default `private`. */
  readonly visibility?: FakePackage['visibility'];
}

export interface PersonalSeeding {
  /**
   * A personal access token of the user `login` (added as a user when new): classic by default, with
   * `scopes` answered in `X-OAuth-Scopes`; `orgs` are the organisations whose private packages it reads.
   */
  addPersonalToken(value: string, options: PersonalTokenOptions): FakePersonalToken;
  /** Makes a personal access token fail with 401 "Bad credentials", as when its owner deletes it. */
  revokePersonalToken(value: string): void;
  /**
   * Whether `value` is a live personal access token (and, given `scope`, a classic one holding it):
   * what a test registry's `accountCheck` asks, as ghcr.io takes any username with such a token.
   */
  isPersonalToken(value: string, scope?: string): boolean;
  /** A container package of an organisation or a user (added as an owner of that type when new). */
  addPackage(options: PackageOptions): FakePackage;
}

/**
 * The seeding methods over `state`; `now` dates the packages.
 *
 * @example
 * const github = await startFakeGitHub({ basePath: '' });
 * github.addPersonalToken('ghp_…', { login: 'octocat', scopes: ['read:packages'], orgs: ['acme'] });
 * github.addPackage({ owner: 'acme', ownerType: 'org', name: 'app' });
 */
export function personalSeeding(state: FakeGitHubState, now: () => number): PersonalSeeding {
  const ownerOf = (login: string, type: FakeOwner['type']): FakeOwner => {
    const key = login.toLowerCase();
    const known = state.owners.get(key);
    if (known && known.type !== type) throw new Error(`${login} is already a ${known.type}, not a ${type}`);
    const owner = known ?? { login, id: OWNER_ID_BASE + state.owners.size, type };
    state.owners.set(key, owner);
    return owner;
  };
  return {
    addPersonalToken(value, options) {
      const user = ownerOf(options.login, 'user');
      const token: FakePersonalToken = {
        login: user.login,
        userId: user.id,
        kind: options.kind ?? 'classic',
        scopes: options.kind === 'fine_grained' ? [] : [...(options.scopes ?? [])],
        orgs: (options.orgs ?? []).map((org) => org.toLowerCase()),
        revoked: false,
      };
      state.personalTokens.set(value, token);
      return token;
    },
    revokePersonalToken(value) {
      const token = state.personalTokens.get(value);
      if (token) token.revoked = true;
    },
    isPersonalToken(value, scope) {
      const token = state.personalTokens.get(value);
      if (!token || token.revoked) return false;
      return scope === undefined || hasScope(token, scope);
    },
    addPackage(options) {
      const owner = ownerOf(options.owner, options.ownerType);
      const item: FakePackage = {
        id: state.nextId++,
        owner: owner.login.toLowerCase(),
        name: options.name,
        visibility: options.visibility ?? 'private',
        createdAt: iso(now()),
      };
      state.packages.push(item);
      return item;
    },
  };
}
