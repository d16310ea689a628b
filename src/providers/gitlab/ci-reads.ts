import { CiProjectSchema, PipelineListSchema, RunnerListSchema } from './responses.js';
import type { GitLabSession } from './session.js';

/**
 * What a `ci` integration reads of a project: whether CI/CD is on, its latest pipeline and the runners
 * that can take its jobs. Each a plain read; the callers decide what a refusal means.
 */

/** A project named by its full path, as GitLab takes it in `:id`. */
const projectPath = (path: string) => `/projects/${encodeURIComponent(path)}`;

/** Whether CI/CD is on for the token's user (`builds_access_level`, `jobs_enabled`). */
export interface CiProject {
  /** `enabled`, `private` (members only), `disabled`, or null where GitLab did not say. */
  readonly level: string | null;
  /** CI/CD is available to the token's user. */
  readonly enabled: boolean;
}

/**
 * `GET /projects/:id`: CI/CD `disabled` is off for everyone; `private` only for members, whom GitLab
 * answers `jobs_enabled: true`.
 */
export async function readCiProject(session: GitLabSession, path: string): Promise<CiProject> {
  const project = await session.read(CiProjectSchema, {
    method: 'GET',
    path: projectPath(path),
    operation: 'get_project',
  });
  const level = project.builds_access_level ?? null;
  return { level, enabled: level !== 'disabled' && project.jobs_enabled !== false };
}

/** The newest pipeline of a project. */
export interface LatestPipeline {
  readonly id: number;
  readonly status: string;
  readonly ref: string | null;
}

/** `GET /projects/:id/pipelines?per_page=1` (newest first by GitLab's default order): null when none ran. */
export async function readLatestPipeline(
  session: GitLabSession,
  path: string,
): Promise<LatestPipeline | null> {
  const [latest] = await session.read(PipelineListSchema, {
    method: 'GET',
    path: `${projectPath(path)}/pipelines`,
    query: { per_page: 1 },
    operation: 'list_pipelines',
  });
  return latest ? { id: latest.id, status: latest.status, ref: latest.ref ?? null } : null;
}

/** The runners GitLab reports online for a project, and how many of those are paused. */
export interface OnlineRunners {
  /** Online and not paused: these take the project's jobs. */
  readonly available: number;
  /** Online but paused: they take no new jobs. */
  readonly paused: number;
  /** The last answer's headers (its `RateLimit-*`). */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/**
 * `GET /projects/:id/runners?status=online`, every page: the project's own runners, its groups' and the
 * instance's where allowed. GitLab lets only Maintainers (and admins) list them: others get 403.
 */
export async function readOnlineRunners(session: GitLabSession, path: string): Promise<OnlineRunners> {
  let available = 0;
  let paused = 0;
  let headers: Readonly<Record<string, string | undefined>> = {};
  for await (const page of session.pages(RunnerListSchema, {
    method: 'GET',
    path: `${projectPath(path)}/runners`,
    query: { status: 'online' },
    operation: 'list_project_runners',
    onResponse: (response) => {
      headers = response.headers;
    },
  })) {
    for (const runner of page) {
      // `active` is the older name of "not paused" (GitLab before 14.8 sends only it).
      if (runner.paused === true || runner.active === false) paused++;
      else available++;
    }
  }
  return { available, paused, headers };
}
