import {
  type ContractServer,
  type Exchange,
  type FakeRequest,
  type FakeResponse,
  type Fault,
  startContractServer,
  type Violation,
} from '../openapi/contract-server.js';
import { shape } from '../openapi/shape.js';
import { harborBasePath, harborValidator } from './description.js';
import { createGuard } from './guard.js';
import { createRegistryFront, type RegistryExchange, type RegistryTarget } from './registry-front.js';
import { ROUTES, type RouteContext } from './routes.js';
import {
  type ComponentHealth,
  createStore,
  errorsBody,
  type FakeHarborStore,
  type FakeProject,
  type FakeRepository,
  type FakeRobot,
  type FakeUser,
  iso,
  type Principal,
  type Rejection,
  ROLES,
  type Role,
} from './state.js';

export { HARBOR_DESCRIPTION_FILE, harborBasePath, harborValidator } from './description.js';
export { type RegistryExchange, type RegistryTarget, TOKEN_SERVICE } from './registry-front.js';
export {
  type ComponentHealth,
  type FakeArtifact,
  type FakeProject,
  type FakeRepository,
  type FakeRobot,
  type FakeUser,
  HEALTHY_COMPONENTS,
  type Rejection,
  ROLES,
  type Role,
} from './state.js';

/**
 * A small Harbor 2.x on loopback for the `harbor` provider's tests: its API at `/api/v2.0`, every
 * request (and every answer of its own) held to Harbor's Swagger description, and its registry side
 * (`/service/token`, `/v2/`) in front of a real registry when `registry` is given. State lives in the
 * returned object. See ../README.md.
 */

export interface FakeHarborOptions {
  /** What `/systeminfo` says (default `v2.13.0-1a2b3c4d`). */
  readonly version?: string;
  /** The real registry `/v2/` is passed on to (can also be set later with `setRegistry`). */
  readonly registry?: RegistryTarget;
}

/** An artifact as a test seeds it: its manifest's digest and media type, and its tags. */
export interface ArtifactSeed {
  readonly digest: string;
  readonly mediaType: string;
  readonly tags?: readonly string[];
}

export interface FakeHarbor {
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** What a user would paste as Harbor's URL (the origin). */
  readonly url: string;
  readonly violations: Violation[];
  /** Harbor's business-rule refusals (401, 403, 404, 412), which are not contract violations. */
  readonly rejections: Rejection[];
  readonly exchanges: Exchange[];
  /** Requests to `/service/token` and `/v2/`. */
  readonly registryExchanges: RegistryExchange[];
  /** API requests answered, optionally of one operation (`listArtifacts`). */
  requests(operationId?: string): Exchange[];
  /** API requests that would change something (not GET or HEAD). */
  writes(operationId?: string): Exchange[];
  inject(fault: Fault): void;
  clearFaults(): void;
  addUser(name: string, password: string, options?: { readonly admin?: boolean }): FakeUser;
  /** `name` is the login name: `robot$ci` or `robot$acme+ci`. */
  addRobot(name: string, secret: string, options: { readonly projects: readonly string[] }): FakeRobot;
  addProject(options: { readonly name: string; readonly public?: boolean }): FakeProject;
  addMember(project: string, user: string, role: Role): void;
  /** `name` without the project (`app`, `team/app`); answered as `project/name`. */
  addRepository(project: string, name: string, artifacts: readonly ArtifactSeed[]): FakeRepository;
  setHealth(health: {
    readonly status: 'healthy' | 'unhealthy';
    readonly components?: readonly ComponentHealth[];
    readonly delayMs?: number;
  }): void;
  setSystemInfo(info: { readonly readOnly?: boolean; readonly version?: string }): void;
  setRegistry(target: RegistryTarget | undefined): void;
  close(): Promise<void>;
}

/**
 * @example
 * const harbor = await startFakeHarbor({ registry: { url: registry.url, username: 'admin', password } });
 * harbor.addUser('scanner', 'Secret123', { admin: false });
 * harbor.addProject({ name: 'acme' });
 * harbor.addMember('acme', 'scanner', 'guest');
 * harbor.addRepository('acme', 'team/app', [{ digest, mediaType, tags: ['1.0'] }]);
 */
export async function startFakeHarbor(options: FakeHarborOptions = {}): Promise<FakeHarbor> {
  const validator = harborValidator();
  const basePath = harborBasePath();
  const store: FakeHarborStore = createStore(options.version ?? 'v2.13.0-1a2b3c4d');
  const principals = new WeakMap<FakeRequest, Principal>();
  const registryExchanges: RegistryExchange[] = [];
  let target = options.registry;
  let origin = '';
  let clock = Date.parse('2026-01-01T00:00:00Z');
  /** A second later than the last timestamp given: creation and push times in seeding order. */
  const tick = () => {
    clock += 1000;
    return iso(clock);
  };

  const server: ContractServer = await startContractServer({
    validator,
    basePath,
    guard: createGuard(store, principals),
    outside: createRegistryFront({
      store,
      origin: () => origin,
      target: () => target,
      exchanges: registryExchanges,
    }),
    handle: (request) => {
      const route = ROUTES[request.operation.operationId];
      const principal = principals.get(request);
      if (!route || !principal) return undefined;
      const context: RouteContext = {
        store,
        principal,
        basePath,
        respond(status, overlay, headers) {
          const at = validator.responseSchema(request.operation, status);
          const body = at === undefined ? overlay : shape(validator.document, at, overlay);
          return { status, body, headers: { ...(headers ?? {}) } } satisfies FakeResponse;
        },
        reject(status, code, message) {
          store.rejections.push({ operationId: request.operation.operationId, status, message });
          return { status, body: errorsBody(code, message) };
        },
      };
      return route(request, context);
    },
  });
  origin = server.origin;

  const project = (name: string) => {
    const found = store.projects.get(name);
    if (!found) throw new Error(`no project ${name} in the fake`);
    return found;
  };
  const requests = (operationId?: string) =>
    server.exchanges.filter((e) => operationId === undefined || e.operationId === operationId);

  return {
    origin: server.origin,
    url: server.origin,
    violations: server.violations,
    rejections: store.rejections,
    exchanges: server.exchanges,
    registryExchanges,
    requests,
    writes: (operationId) => requests(operationId).filter((e) => e.method !== 'GET' && e.method !== 'HEAD'),
    inject: server.inject,
    clearFaults: server.clearFaults,
    addUser(name, password, { admin = false } = {}) {
      const user = { id: store.nextId(), name, password, admin };
      store.users.set(name, user);
      return user;
    },
    addRobot(name, secret, { projects }) {
      if (!name.startsWith('robot$')) throw new Error("a robot's name starts with robot$");
      const robot = { id: store.nextId(), name, secret, projects: [...projects] };
      store.robots.set(name, robot);
      return robot;
    },
    addProject({ name, public: isPublic = false }) {
      const created = {
        id: store.nextId(),
        name,
        public: isPublic,
        members: new Map<number, number>(),
        repositories: [],
        createdAt: tick(),
      };
      store.projects.set(name, created);
      return created;
    },
    addMember(projectName, userName, role) {
      const user = store.users.get(userName);
      if (!user) throw new Error(`no user ${userName} in the fake`);
      project(projectName).members.set(user.id, ROLES[role]);
    },
    addRepository(projectName, name, artifacts) {
      const owner = project(projectName);
      const repository: FakeRepository = {
        id: store.nextId(),
        name: `${owner.name}/${name}`,
        createdAt: tick(),
        artifacts: artifacts.map((artifact) => ({
          id: store.nextId(),
          digest: artifact.digest,
          mediaType: artifact.mediaType,
          tags: [...(artifact.tags ?? [])],
          pushedAt: tick(),
        })),
      };
      owner.repositories.push(repository);
      return repository;
    },
    setHealth({ status, components, delayMs }) {
      store.health.status = status;
      if (components) store.health.components = components.map((component) => ({ ...component }));
      if (delayMs !== undefined) store.health.delayMs = delayMs;
    },
    setSystemInfo({ readOnly, version }) {
      if (readOnly !== undefined) store.system.readOnly = readOnly;
      if (version !== undefined) store.system.version = version;
    },
    setRegistry(next) {
      target = next;
    },
    close: server.close,
  };
}
