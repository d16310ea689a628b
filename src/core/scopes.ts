/**
 * API token scopes. They nest: `integrations:admin` includes write, and write includes read.
 */
export const SCOPES = ['integrations:read', 'integrations:write', 'integrations:admin'] as const;
export type Scope = (typeof SCOPES)[number];

const RANK: Record<Scope, number> = {
  'integrations:read': 1,
  'integrations:write': 2,
  'integrations:admin': 3,
};

/** Whether a set of granted scopes allows an operation that needs `required`. */
export function hasScope(granted: readonly Scope[], required: Scope): boolean {
  return granted.some((scope) => RANK[scope] >= RANK[required]);
}

/** Who is making a request: the tenant every query is filtered by, and what they may do. */
export interface Principal {
  readonly tenantId: string;
  readonly tokenId: string;
  /** Shown as `createdBy`/`updatedBy`: `token:<name>`. */
  readonly actor: string;
  readonly scopes: readonly Scope[];
}
