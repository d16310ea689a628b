/**
 * What the fake Harbor knows: users, robot accounts, projects with their members and repositories,
 * the components' health and the system settings, and who may read what (Harbor's RBAC for reads:
 * https://goharbor.io/docs/main/administration/managing-users/user-permissions-by-role/).
 */

/** Harbor's project role ids. */
export const ROLES = {
  projectAdmin: 1,
  developer: 2,
  guest: 3,
  maintainer: 4,
  limitedGuest: 5,
} as const;
export type Role = keyof typeof ROLES;

export interface FakeUser {
  readonly id: number;
  readonly name: string;
  readonly password: string;
  readonly admin: boolean;
}

export interface FakeRobot {
  readonly id: number;
  /** The login name: `robot$name` (system) or `robot$project+name` (project robot). */
  readonly name: string;
  readonly secret: string;
  /** Projects it may pull from and list; `*` for every project (a system robot). */
  readonly projects: readonly string[];
}

export interface FakeArtifact {
  readonly id: number;
  readonly digest: string;
  readonly mediaType: string;
  readonly tags: readonly string[];
  readonly pushedAt: string;
}

export interface FakeRepository {
  readonly id: number;
  /** `project/name`, as Harbor names it. */
  readonly name: string;
  readonly artifacts: FakeArtifact[];
  readonly createdAt: string;
}

export interface FakeProject {
  readonly id: number;
  readonly name: string;
  readonly public: boolean;
  readonly members: Map<number, number>;
  readonly repositories: FakeRepository[];
  readonly createdAt: string;
}

export interface ComponentHealth {
  readonly name: string;
  readonly status: 'healthy' | 'unhealthy';
  readonly error?: string;
}

export interface FakeHealth {
  status: 'healthy' | 'unhealthy';
  components: ComponentHealth[];
  /** How long `/health` takes to answer (Harbor's own checks may take up to 60 s). */
  delayMs: number;
}

/** Who is calling: Harbor falls back to anonymous when Basic credentials are wrong. */
export type Principal =
  | { readonly kind: 'anonymous' }
  | { readonly kind: 'user'; readonly user: FakeUser }
  | { readonly kind: 'robot'; readonly robot: FakeRobot };

/** A business-rule refusal (401, 403, 404, 412), not a contract violation. */
export interface Rejection {
  readonly operationId: string;
  readonly status: number;
  readonly message: string;
}

export interface FakeHarborStore {
  readonly users: Map<string, FakeUser>;
  readonly robots: Map<string, FakeRobot>;
  readonly projects: Map<string, FakeProject>;
  readonly health: FakeHealth;
  readonly system: { readOnly: boolean; version: string };
  readonly rejections: Rejection[];
  nextId(): number;
}

export const HEALTHY_COMPONENTS: readonly ComponentHealth[] = [
  'core',
  'database',
  'jobservice',
  'portal',
  'redis',
  'registry',
  'registryctl',
  'trivy',
].map((name) => ({ name, status: 'healthy' as const }));

export function createStore(version: string): FakeHarborStore {
  let id = 0;
  return {
    users: new Map(),
    robots: new Map(),
    projects: new Map(),
    health: { status: 'healthy', components: HEALTHY_COMPONENTS.map((c) => ({ ...c })), delayMs: 0 },
    system: { readOnly: false, version },
    rejections: [],
    nextId: () => ++id,
  };
}

export const isAdmin = (principal: Principal): boolean => principal.kind === 'user' && principal.user.admin;

/** The caller's role ids in a project (none for robots and anonymous callers). */
export function rolesIn(principal: Principal, project: FakeProject): number[] {
  if (principal.kind !== 'user') return [];
  const role = project.members.get(principal.user.id);
  return role === undefined ? [] : [role];
}

/** Whether the caller may see the project and pull from it: public, admin, member, or a robot's project. */
export function canRead(principal: Principal, project: FakeProject): boolean {
  if (project.public || isAdmin(principal)) return true;
  if (principal.kind === 'user') return project.members.has(principal.user.id);
  if (principal.kind === 'robot')
    return principal.robot.projects.includes('*') || principal.robot.projects.includes(project.name);
  return false;
}

/** Harbor's error body. */
export const errorsBody = (code: string, message: string) => ({ errors: [{ code, message }] });

export const iso = (ms: number): string => new Date(ms).toISOString();
