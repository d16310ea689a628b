import type { ConnectionCheck } from '../../plugins/contracts.js';
import { MetaSchema, parse } from './responses.js';
import type { GitHubSession } from './session.js';

/**
 * The connection test's `version` check: which GitHub this is, and for GitHub Enterprise Server its
 * version, from the `x-github-enterprise-version` header of an answer the test already received, or else
 * `GET /meta` (`installed_version`). An unsupported release passes, but the check says so.
 */

/**
 * The oldest GitHub Enterprise Server feature release GitHub still supports. GitHub supports the four most
 * recent feature releases, each until its "deprecated date" in the table at
 * https://docs.github.com/enterprise-server/admin/all-releases: 3.19 is the newest there (3.19.3,
 * 2026-03-10) and 3.17 reached its date on 2026-06-03, so 3.18. Raise it when 3.18 reaches its date.
 */
export const OLDEST_SUPPORTED_GHES = { major: 3, minor: 18 } as const;

function parseVersion(text: string): { major: number; minor: number } | undefined {
  const match = /(\d+)\.(\d+)/.exec(text);
  return match ? { major: Number(match[1]), minor: Number(match[2]) } : undefined;
}

/** Whether `version` (`3.19.1`) is older than the oldest supported release; unknown forms are not. */
export function isUnsupportedGhes(version: string): boolean {
  const parsed = parseVersion(version);
  if (!parsed) return false;
  const { major, minor } = OLDEST_SUPPORTED_GHES;
  return parsed.major < major || (parsed.major === major && parsed.minor < minor);
}

/** `installed_version` from `GET /meta`, as the installation; undefined when GitHub does not say. */
async function versionFromMeta(session: GitHubSession, installationId: number): Promise<string | undefined> {
  try {
    const response = await session.readAs(installationId, { route: 'GET /meta', operation: 'get_meta' });
    return parse(MetaSchema, response.data, 'GET /meta').installed_version;
  } catch {
    return undefined;
  }
}

/**
 * @example
 * checks.push(await versionCheck(session, installation.id));
 * // { name: 'version', ok: true, message: 'GitHub Enterprise Server 3.19.1' }
 */
export async function versionCheck(session: GitHubSession, installationId: number): Promise<ConnectionCheck> {
  if (!session.urls.enterprise) {
    const gheCom = new URL(session.urls.rest).hostname.endsWith('.ghe.com');
    return {
      name: 'version',
      ok: true,
      message: gheCom ? 'GHE.com (GitHub Enterprise Cloud with data residency)' : 'github.com',
    };
  }
  const version = session.enterpriseVersion() ?? (await versionFromMeta(session, installationId));
  if (version === undefined) {
    return { name: 'version', ok: true, message: 'GitHub Enterprise Server (it did not say which version)' };
  }
  const name = `GitHub Enterprise Server ${version}`;
  if (!isUnsupportedGhes(version)) return { name: 'version', ok: true, message: name };
  const { major, minor } = OLDEST_SUPPORTED_GHES;
  return {
    name: 'version',
    ok: true,
    message: `${name}: older than ${major}.${minor}, the oldest release GitHub still supports; upgrade the server`,
  };
}
