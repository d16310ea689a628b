import { setTimeout as delay } from 'node:timers/promises';
import type { FakeRequest, FakeResponse } from '../openapi/contract-server.js';
import {
  canRead,
  type FakeArtifact,
  type FakeHarborStore,
  type FakeProject,
  type FakeRepository,
  isAdmin,
  type Principal,
  rolesIn,
} from './state.js';

/**
 * The operations the fake implements, keyed by Harbor's `operationId`: ping, health, system info, the
 * caller, projects, repositories and artifacts (with their tags). Lists page as Harbor pages them
 * (`page` from 1, `page_size` default 10, at most 100 by the description; `X-Total-Count` and a
 * relative `Link` with `prev` and `next`).
 */

export interface RouteContext {
  readonly store: FakeHarborStore;
  readonly principal: Principal;
  /** `/api/v2.0`: the prefix of the `Link`s. */
  readonly basePath: string;
  respond(status: number, overlay?: unknown, headers?: Readonly<Record<string, string>>): FakeResponse;
  /** Harbor's `{"errors":[{code, message}]}`, kept in `rejections`. */
  reject(status: number, code: string, message: string): FakeResponse;
}

export type Route = (request: FakeRequest, context: RouteContext) => FakeResponse | Promise<FakeResponse>;

/** Anonymous callers get 401 where they lack access, signed-in ones 403 (Harbor's `RequireProjectAccess`). */
const denied = (context: RouteContext) =>
  context.principal.kind === 'anonymous'
    ? context.reject(401, 'UNAUTHORIZED', 'unauthorized')
    : context.reject(403, 'FORBIDDEN', 'forbidden');

function page<T>(all: readonly T[], request: FakeRequest, context: RouteContext) {
  const size = Number(request.query.get('page_size') ?? 10) || 10;
  const number = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
  const items = all.slice((number - 1) * size, number * size);
  const link = (target: number, rel: string) => {
    const query = new URLSearchParams(request.query);
    query.set('page', String(target));
    query.set('page_size', String(size));
    return `<${context.basePath}${request.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (number > 1) links.push(link(number - 1, 'prev'));
  if (number * size < all.length) links.push(link(number + 1, 'next'));
  const headers: Record<string, string> = { 'x-total-count': String(all.length) };
  if (links.length > 0) headers.link = links.join(' , ');
  return { items, headers };
}

function projectJson(project: FakeProject, context: RouteContext) {
  const roles = rolesIn(context.principal, project);
  return {
    project_id: project.id,
    owner_id: 1,
    name: project.name,
    owner_name: 'admin',
    creation_time: project.createdAt,
    update_time: project.createdAt,
    deleted: false,
    repo_count: project.repositories.length,
    current_user_role_id: roles[0] ?? 0,
    current_user_role_ids: roles,
    metadata: { public: String(project.public) },
  };
}

function repositoryJson(project: FakeProject, repository: FakeRepository) {
  return {
    id: repository.id,
    project_id: project.id,
    name: repository.name,
    artifact_count: repository.artifacts.length,
    pull_count: 0,
    creation_time: repository.createdAt,
    update_time: repository.createdAt,
  };
}

function artifactJson(
  project: FakeProject,
  repository: FakeRepository,
  artifact: FakeArtifact,
  tags: boolean,
) {
  return {
    id: artifact.id,
    type: 'IMAGE',
    media_type: artifact.mediaType,
    manifest_media_type: artifact.mediaType,
    project_id: project.id,
    repository_id: repository.id,
    repository_name: repository.name,
    digest: artifact.digest,
    size: 1024,
    push_time: artifact.pushedAt,
    pull_time: '0001-01-01T00:00:00.000Z',
    ...(tags
      ? {
          tags: artifact.tags.map((name, index) => ({
            id: artifact.id * 1000 + index,
            repository_id: repository.id,
            artifact_id: artifact.id,
            name,
            push_time: artifact.pushedAt,
            pull_time: '0001-01-01T00:00:00.000Z',
            immutable: false,
          })),
        }
      : {}),
  };
}

/** The project a path names (`X-Is-Resource-Name: true`, or a name that is not a number), if any. */
function findProject(request: FakeRequest, context: RouteContext): FakeProject | undefined {
  const { params } = request.operation;
  const key = params.project_name ?? params.project_name_or_id ?? '';
  const byId = params.project_name_or_id !== undefined && /^\d+$/.test(key);
  if (byId && request.headers['x-is-resource-name'] !== 'true')
    return [...context.store.projects.values()].find((project) => String(project.id) === key);
  return context.store.projects.get(key);
}

function sorted(repositories: readonly FakeRepository[], sort: string | null): FakeRepository[] {
  const list = [...repositories];
  if (sort === 'name') return list.sort((a, b) => a.name.localeCompare(b.name));
  if (sort === '-name') return list.sort((a, b) => b.name.localeCompare(a.name));
  return list.sort((a, b) => b.id - a.id); // Harbor's default: newest first
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

export const ROUTES: Readonly<Record<string, Route>> = {
  // text/plain, whatever the caller accepts.
  getPing: () => ({ status: 200, body: 'Pong', headers: { 'content-type': 'text/plain; charset=utf-8' } }),

  getHealth: async (_request, context) => {
    const { health } = context.store;
    if (health.delayMs > 0) await delay(health.delayMs);
    return context.respond(200, { status: health.status, components: health.components });
  },

  getSystemInfo: (_request, context) => {
    const { system } = context.store;
    const signedIn = context.principal.kind !== 'anonymous';
    return context.respond(200, {
      harbor_version: system.version,
      auth_mode: 'db_auth',
      primary_auth_mode: false,
      self_registration: false,
      has_ca_root: false,
      read_only: system.readOnly,
      notification_enable: true,
      banner_message: '',
      current_time: new Date().toISOString(),
      // Omitted for anonymous callers, as Harbor does.
      ...(signedIn ? { registry_url: 'harbor.example.com', external_url: 'https://harbor.example.com' } : {}),
    });
  },

  getCurrentUserInfo: (_request, context) => {
    const { principal } = context;
    if (principal.kind === 'anonymous') return context.reject(401, 'UNAUTHORIZED', 'unauthorized');
    if (principal.kind === 'robot')
      return context.reject(
        412,
        'PRECONDITION',
        'get current user not available for security context: robot',
      );
    const { user } = principal;
    return context.respond(200, {
      user_id: user.id,
      username: user.name,
      email: `${user.name}@example.invalid`,
      realname: user.name,
      comment: '',
      sysadmin_flag: user.admin,
      admin_role_in_auth: false,
      creation_time: '2026-01-01T00:00:00.000Z',
      update_time: '2026-01-01T00:00:00.000Z',
    });
  },

  listProjects: (request, context) => {
    const visible = [...context.store.projects.values()].filter((p) => canRead(context.principal, p));
    const { items, headers } = page(visible, request, context);
    return context.respond(
      200,
      items.map((project) => projectJson(project, context)),
      headers,
    );
  },

  getProject: (request, context) => {
    const project = findProject(request, context);
    const name = request.operation.params.project_name_or_id;
    if (!project) return context.reject(404, 'NOT_FOUND', `project ${name} not found`);
    if (!canRead(context.principal, project)) return denied(context);
    return context.respond(200, projectJson(project, context));
  },

  listAllRepositories: (request, context) => {
    const all = [...context.store.projects.values()]
      .filter((project) => isAdmin(context.principal) || canRead(context.principal, project))
      .flatMap((project) => project.repositories.map((repository) => ({ project, repository })));
    const order = sorted(
      all.map((entry) => entry.repository),
      request.query.get('sort'),
    );
    const owner = new Map(all.map((entry) => [entry.repository, entry.project]));
    const { items, headers } = page(order, request, context);
    return context.respond(
      200,
      items.map((repository) => repositoryJson(owner.get(repository)!, repository)),
      headers,
    );
  },

  listRepositories: (request, context) => {
    const project = findProject(request, context);
    if (!project)
      return context.reject(404, 'NOT_FOUND', `project ${request.operation.params.project_name} not found`);
    if (!canRead(context.principal, project)) return denied(context);
    const { items, headers } = page(
      sorted(project.repositories, request.query.get('sort')),
      request,
      context,
    );
    return context.respond(
      200,
      items.map((repository) => repositoryJson(project, repository)),
      headers,
    );
  },

  listArtifacts: (request, context) => {
    const project = findProject(request, context);
    const { project_name: projectName, repository_name: once = '' } = request.operation.params;
    if (!project) return context.reject(404, 'NOT_FOUND', `project ${projectName} not found`);
    if (!canRead(context.principal, project)) return denied(context);
    // The path was decoded once already: a name still holding `/` was encoded once only, and Harbor's
    // router, which decodes the path, never gets to the repository (a%2Fb → a/b → no such route).
    const repositoryName = once.includes('/') ? undefined : safeDecode(once);
    const repository = project.repositories.find((r) => r.name === `${project.name}/${repositoryName}`);
    if (!repository) return context.reject(404, 'NOT_FOUND', `repository ${project.name}/${once} not found`);
    const withTags = request.query.get('with_tag') !== 'false';
    const newestFirst = [...repository.artifacts].reverse();
    const { items, headers } = page(newestFirst, request, context);
    return context.respond(
      200,
      items.map((artifact) => artifactJson(project, repository, artifact, withTags)),
      headers,
    );
  },
};
