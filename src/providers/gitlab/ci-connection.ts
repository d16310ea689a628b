import { HttpError } from '../../net/index.js';
import type { ConnectionCheck, TestConnectionResult } from '../../plugins/contracts.js';
import { connectionResult } from '../../plugins/guarded.js';
import { readCiProject, readLatestPipeline, readOnlineRunners } from './ci-reads.js';
import { commonSteps, MAX_TESTED_PROJECTS, type TokenNeed } from './connection.js';
import { describeFailure, gitlabMessage, statusOf } from './errors.js';
import type { GitLabSession } from './session.js';

/**
 * The connection test of a `ci` integration (GitLab CI/CD on the same GitLab and token as `scm`). GitLab's
 * `/-/health`, `/-/liveness` and `/-/readiness` answer 404 to every address outside the instance's
 * monitoring allow-list (gitlab-ce#49615), so reachability is `GET /version`, as for `scm`, and a 404
 * there means the endpoint is not GitLab's API, never that GitLab is down.
 */

/** CI reads need `read_api`; `api` includes it. */
export const CI_TOKEN_NEED: TokenNeed = {
  anyOf: ['read_api', 'api'],
  missing: 'reading pipelines and runners needs read_api (or api)',
  untold: 'reads will tell',
};

/** A passing step with something to fix: the test passes, the message says what. */
export const WARNING = 'warning: ';

const CI_SETTINGS = 'Settings → General → Visibility, project features, permissions → CI/CD';

/**
 * The common steps (reachable, authenticated, token, version), then for each configured project (up to
 * MAX_TESTED_PROJECTS): `project <path>` (CI/CD is on for the token's user), `pipelines <path>` (readable;
 * the latest one's status and ref) and `runners <path>` (how many are online; listing them needs the
 * Maintainer role, so a 403 is a warning, not a failure).
 *
 * @example
 * const result = await testCiConnection(createSession(context, shared));
 * // checks: reachable, authenticated, token, version, project acme/app, pipelines acme/app, runners acme/app
 */
export async function testCiConnection(session: GitLabSession, now: Date): Promise<TestConnectionResult> {
  const { checks, reached } = await commonSteps(session, now, CI_TOKEN_NEED);
  if (reached) {
    const projects = session.config.repositories ?? [];
    if (projects.length === 0)
      checks.push({
        name: 'projects',
        ok: true,
        message: `${WARNING}no projects configured: list their paths in repositories to have their pipelines and runners checked`,
      });
    for (const path of projects.slice(0, MAX_TESTED_PROJECTS))
      checks.push(...(await projectSteps(session, path)));
  }
  const warned = checks.filter((check) => check.ok && check.message.startsWith(WARNING));
  const connected = `connected to GitLab CI/CD at ${session.urls.web}`;
  return connectionResult(
    checks,
    warned.length === 0
      ? connected
      : `${connected}, with warnings on ${warned.map((c) => c.name).join(', ')}`,
  );
}

async function projectSteps(session: GitLabSession, path: string): Promise<ConnectionCheck[]> {
  const project = await projectStep(session, path);
  if (!project.ok) return [project];
  return [project, await pipelinesStep(session, path), await runnersStep(session, path)];
}

async function projectStep(session: GitLabSession, path: string): Promise<ConnectionCheck> {
  const name = `project ${path}`;
  try {
    const { level, enabled } = await readCiProject(session, path);
    if (level === 'disabled')
      return {
        name,
        ok: false,
        message: `CI/CD is disabled for the project (builds_access_level disabled): turn it on under ${CI_SETTINGS}, or take the project out of repositories`,
      };
    if (!enabled)
      return {
        name,
        ok: false,
        message: `CI/CD is visible to project members only (builds_access_level ${level ?? 'unknown'}), and the token's user is not one: add it to the project with at least the Reporter role`,
      };
    return {
      name,
      ok: true,
      message: level === 'private' ? 'CI/CD is on, for project members only' : 'CI/CD is on',
    };
  } catch (error) {
    if (statusOf(error) === 403)
      return {
        name,
        ok: false,
        message: `GitLab refused to show the project (${quoted(error)}): the token needs read_api (or api)`,
      };
    return { name, ok: false, message: describeFailure(error).message };
  }
}

async function pipelinesStep(session: GitLabSession, path: string): Promise<ConnectionCheck> {
  const name = `pipelines ${path}`;
  try {
    const latest = await readLatestPipeline(session, path);
    if (!latest)
      return {
        name,
        ok: true,
        message: 'no pipelines yet: none has run; a .gitlab-ci.yml on a pushed branch starts the first',
      };
    return {
      name,
      ok: true,
      message: `latest pipeline #${latest.id}: ${latest.status}${latest.ref ? ` on ${latest.ref}` : ''}`,
    };
  } catch (error) {
    if (statusOf(error) === 403)
      return {
        name,
        ok: false,
        message: `GitLab refused to list its pipelines (${quoted(error)}): the token needs read_api and its user at least the Reporter role (a Guest only where the project's pipelines are public)`,
      };
    return { name, ok: false, message: describeFailure(error).message };
  }
}

async function runnersStep(session: GitLabSession, path: string): Promise<ConnectionCheck> {
  const name = `runners ${path}`;
  try {
    const { available, paused } = await readOnlineRunners(session, path);
    const pausedNote = paused > 0 ? `; ${paused} more online but paused` : '';
    if (available === 0)
      return {
        name,
        ok: true,
        message: `${WARNING}no online runner takes its jobs (0 online${pausedNote}): jobs will stay pending; register a runner for the project or its group, resume a paused one, or enable instance runners (Settings → CI/CD → Runners)`,
      };
    return {
      name,
      ok: true,
      message: `${available} online runner${available === 1 ? '' : 's'} can take its jobs${pausedNote}`,
    };
  } catch (error) {
    if (statusOf(error) === 403)
      return {
        name,
        ok: true,
        message: `${WARNING}GitLab refused to list its runners (${quoted(error)}): that needs the Maintainer role on the project; runners are not checked, here or by health`,
      };
    return { name, ok: false, message: describeFailure(error).message };
  }
}

/** GitLab's own words of a refusal, for a message: `GitLab: 403 Forbidden`. */
function quoted(error: unknown): string {
  const said = error instanceof HttpError ? gitlabMessage(error) : undefined;
  return said ? `GitLab: ${said.slice(0, 200)}` : `HTTP ${statusOf(error)}`;
}
