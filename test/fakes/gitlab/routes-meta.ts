import { createHash } from 'node:crypto';
import { caller, projectOf, type Route, type RouteContext, userJson } from './route-context.js';
import type { FakeProject } from './state.js';

/** The instance (version, metadata), the caller (user, token) and projects. */

function metadata(context: RouteContext): Record<string, unknown> {
  return {
    version: context.version,
    revision: createHash('sha1').update(context.version).digest('hex').slice(0, 11),
    kas: { enabled: false, externalUrl: null, externalK8sProxyUrl: null, version: null },
    enterprise: context.version.endsWith('-ee'),
  };
}

function namespaceJson(project: FakeProject, context: RouteContext): Record<string, unknown> {
  const parts = project.path.split('/');
  const full = parts.slice(0, -1).join('/') || (parts[0] ?? '');
  return {
    id: 1_000_000 + project.id,
    name: full.split('/').at(-1),
    path: full.split('/').at(-1),
    kind: 'group',
    full_path: full,
    parent_id: full.includes('/') ? 1_000_000 : null,
    web_url: `${context.webUrl}/groups/${full}`,
  };
}

/** GitLab's `APIEntitiesProjectsWithAccessAndCatalogSetting`, the fields a client reads. */
export function projectJson(project: FakeProject, context: RouteContext): Record<string, unknown> {
  const name = project.path.split('/').at(-1) ?? project.path;
  const api = `${context.webUrl}/api/v4/projects/${project.id}`;
  return {
    id: project.id,
    description: null,
    name,
    name_with_namespace: project.path.split('/').join(' / '),
    path: name,
    path_with_namespace: project.path,
    created_at: '2026-01-01T00:00:00.000Z',
    default_branch: project.defaultBranch,
    web_url: `${context.webUrl}/${project.path}`,
    http_url_to_repo: `${context.webUrl}/${project.path}.git`,
    visibility: project.visibility,
    namespace: namespaceJson(project, context),
    archived: false,
    empty_repo: false,
    merge_requests_enabled: true,
    // `feature_available?(:builds, current_user)`: off when disabled, and for non-members when members only.
    jobs_enabled:
      project.buildsAccessLevel === 'enabled' ||
      (project.buildsAccessLevel === 'private' && context.grant.access > 0),
    builds_access_level: project.buildsAccessLevel,
    public_jobs: project.publicBuilds,
    shared_runners_enabled: project.sharedRunnersEnabled,
    merge_method: 'merge',
    only_allow_merge_if_pipeline_succeeds: false,
    _links: { self: api, merge_requests: `${api}/merge_requests` },
    permissions: {
      project_access:
        context.grant.access > 0 ? { access_level: context.grant.access, notification_level: 3 } : null,
      group_access: null,
    },
  };
}

/** Routes by `operationId`. */
export const metaRoutes: Readonly<Record<string, Route>> = {
  getApiV4Version: (_request, context) => context.respond(200, metadata(context)),
  getApiV4Metadata: (_request, context) => context.respond(200, metadata(context)),

  getApiV4User: (_request, context) => {
    const user = caller(context);
    return context.respond(200, {
      ...userJson(user, context),
      created_at: '2026-01-01T00:00:00.000Z',
      bot: user.bot,
      email: `${user.username}@example.invalid`,
      commit_email: `${user.username}@example.invalid`,
      projects_limit: 100_000,
      can_create_group: !user.bot,
      can_create_project: !user.bot,
      two_factor_enabled: false,
      external: false,
      private_profile: false,
    });
  },

  getApiV4PersonalAccessTokensSelf: (_request, context) => {
    const { token } = context.grant;
    const expired = token.expiresAt !== null && context.now() >= Date.parse(`${token.expiresAt}T00:00:00Z`);
    return context.respond(200, {
      id: token.id,
      name: token.name,
      description: null,
      revoked: token.revoked,
      created_at: token.createdAt,
      scopes: token.scopes,
      user_id: token.user.id,
      last_used_at: token.lastUsedAt,
      active: !token.revoked && !expired,
      expires_at: token.expiresAt,
    });
  },

  getApiV4ProjectsId: (_request, context) => context.respond(200, projectJson(projectOf(context), context)),
};
