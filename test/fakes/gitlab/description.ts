import { fileURLToPath } from 'node:url';
import { loadOpenApiDocument, type OpenApiDocument } from '../openapi/document.js';
import { createOpenApiValidator, type OpenApiValidator } from '../openapi/validator.js';

/**
 * GitLab's own OpenAPI description (`doc/api/openapi/openapi_v3.yaml` of gitlab-org/gitlab, kept beside
 * the repository with notes on it), adapted where GitLab's answers and the description disagree. Each
 * adaptation names one place of the document and why; nothing is loosened beyond it. See the notes file
 * next to the description for the first three.
 */

/** The description the fake holds requests to, relative to this repository's checkout. */
export const GITLAB_DESCRIPTION_FILE = fileURLToPath(
  new URL('../specs/gitlab-openapi-v3.yaml', import.meta.url),
);

type Node = Record<string, unknown>;

const LIST_OPERATIONS = [
  // 200 typed as one APIEntitiesNote / APIEntitiesDiscussion; GitLab answers an array of them (notes file).
  ['/api/v4/projects/{id}/merge_requests/{noteable_id}/notes', 'APIEntitiesNote'],
  ['/api/v4/projects/{id}/merge_requests/{noteable_id}/discussions', 'APIEntitiesDiscussion'],
  // The same for a project's runners: GitLab's `present paginate(runners)` answers an array.
  ['/api/v4/projects/{id}/runners', 'APIEntitiesCiRunner'],
] as const;

/** Fields typed as one object `$ref` that GitLab answers as arrays (notes file, "Conventions"). */
const ARRAY_FIELDS = [
  'APIEntitiesDiscussion.notes',
  'APIEntitiesMergeRequest.assignees',
  'APIEntitiesMergeRequest.reviewers',
] as const;

/**
 * Fields GitLab's entities answer `null` (an unset column, a note that is not a diff note) that the
 * description, generated without nullability, types as plain values. Only those the fake answers.
 */
const NULLABLE_FIELDS = [
  'APIEntitiesNote.type', // null on a plain comment, `DiffNote`/`DiscussionNote` otherwise
  'APIEntitiesNote.resolved_by',
  'APIEntitiesNote.resolved_at',
  'APIEntitiesCommitStatus.target_url',
  'APIEntitiesCommitStatus.description',
  'APIEntitiesCommitStatus.started_at',
  'APIEntitiesCommitStatus.finished_at',
  'APIEntitiesCommitStatus.coverage',
  'APIEntitiesCommitNote.path', // null when the comment is not on a line of the commit's diff
  'APIEntitiesCommitNote.line',
  'APIEntitiesCommitNote.line_type',
  'APIEntitiesCommitDetail.last_pipeline', // null before any pipeline ran for the commit
  'APIEntitiesCommitDetail.status',
  'APIEntitiesPersonalAccessToken.expires_at', // a token without expiry
  'APIEntitiesPersonalAccessToken.description',
  'APIEntitiesProjectsWithAccessAndCatalogSetting.description',
  'APIEntitiesProjectsWithAccessAndCatalogSetting.permissions.project_access', // access through a group only
  'APIEntitiesProjectsWithAccessAndCatalogSetting.permissions.group_access', // direct membership only
  'APIEntitiesNamespaceBasic.parent_id', // a top-level group
  'APIEntitiesMetadata.kas.externalUrl', // KAS disabled
  'APIEntitiesMetadata.kas.externalK8sProxyUrl',
  'APIEntitiesMetadata.kas.version',
] as const;

/** Typed `string`; GitLab answers the numeric level (`30`) and notification level (`3`). */
const INTEGER_FIELDS = [
  'APIEntitiesProjectAccess.access_level',
  'APIEntitiesProjectAccess.notification_level',
  'APIEntitiesGroupAccess.access_level',
  'APIEntitiesGroupAccess.notification_level',
] as const;

/**
 * Documented 200, but GitLab's POST answers 201 (Grape's default for POST; GitLab's own request specs
 * expect `:created` for commit statuses), and a deleted note 204 (`destroy_conditionally!`).
 */
const STATUS_ALIASES = [
  ['/api/v4/projects/{id}/statuses/{sha}', 'post', '200', '201'],
  ['/api/v4/projects/{id}/repository/commits/{sha}/comments', 'post', '200', '201'],
  ['/api/v4/projects/{id}/merge_requests/{noteable_id}/notes/{note_id}', 'delete', '200', '204'],
] as const;

/** Request bodies whose `required` lists fields GitLab only requires in a `given` block. */
const REQUIRED_ONLY_WITH = [
  // `requires :line, :line_type` sit inside `given :path`: a comment on the whole commit is `{ note }`.
  ['RequestBody_3be31bc0ca07', ['note']],
] as const;

/**
 * Applies the adaptations above to a loaded document, in place, and returns it.
 *
 * @example
 * const validator = createOpenApiValidator(adaptGitLabDescription(loadOpenApiDocument(file)), 'gitlab');
 */
export function adaptGitLabDescription(document: OpenApiDocument): OpenApiDocument {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Node>;
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  anyOfForIdOrPath(document);
  closeRequestBodies(document, schemas);
  for (const [path, item] of LIST_OPERATIONS) {
    const ok = responsesOf(document, path, 'get')['200'] as Node;
    ((ok.content as Record<string, Node>)['application/json'] as Node).schema = {
      type: 'array',
      items: ref(item),
    };
  }
  for (const dotted of ARRAY_FIELDS) {
    const { parent, name } = field(schemas, dotted);
    parent[name] = { type: 'array', items: parent[name] };
  }
  for (const dotted of NULLABLE_FIELDS) {
    const { parent, name } = field(schemas, dotted);
    const property = parent[name] as Node;
    if (typeof property.$ref === 'string') parent[name] = { anyOf: [{ type: 'null' }, property] };
    else property.nullable = true;
  }
  for (const dotted of INTEGER_FIELDS) {
    const { parent, name } = field(schemas, dotted);
    parent[name] = { type: 'integer' };
  }
  // A date column: `"2026-09-09"`, not a date-time.
  field(schemas, 'APIEntitiesPersonalAccessToken.expires_at').parent.expires_at = {
    type: 'string',
    format: 'date',
    nullable: true,
  };
  for (const [path, method, documented, answered] of STATUS_ALIASES) {
    const responses = responsesOf(document, path, method);
    responses[answered] =
      answered === '204' ? { description: 'No Content' } : (responses[documented] as Node);
  }
  for (const [name, required] of REQUIRED_ONLY_WITH) {
    (schemas[name] as Node).required = [...required];
  }
  return document;
}

function responsesOf(document: OpenApiDocument, path: string, method: string): Record<string, unknown> {
  const responses = (document.paths[path]?.[method] as Node | undefined)?.responses;
  if (!responses) throw new Error(`the GitLab description has no ${method.toUpperCase()} ${path}`);
  return responses as Record<string, unknown>;
}

function field(schemas: Record<string, Node>, dotted: string): { parent: Node; name: string } {
  const [schema = '', ...path] = dotted.split('.');
  let node = schemas[schema];
  for (const part of path.slice(0, -1)) node = (node?.properties as Record<string, Node>)?.[part];
  const parent = node?.properties as Node | undefined;
  const name = path.at(-1) ?? '';
  if (!parent?.[name]) throw new Error(`the GitLab description has no ${dotted}`);
  return { parent, name };
}

/**
 * `oneOf: [string, integer]` on "ID or URL-encoded path" parameters: a numeric id matches both branches,
 * which `oneOf` refuses (notes file). Only that exact pair becomes `anyOf`.
 */
function anyOfForIdOrPath(node: unknown): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const item of node) anyOfForIdOrPath(item);
    return;
  }
  const record = node as Node;
  const branches = record.oneOf as { type?: string }[] | undefined;
  const types = Array.isArray(branches) ? branches.map((branch) => branch.type).sort() : [];
  if (types.length === 2 && types[0] === 'integer' && types[1] === 'string') {
    record.anyOf = branches;
    delete record.oneOf;
  }
  for (const value of Object.values(record)) anyOfForIdOrPath(value);
}

/**
 * GitLab's request bodies are `$ref`s to `RequestBody_*` components, which the loader leaves open; closed
 * here, so a field GitLab does not know is a contract violation as it is for GitHub.
 */
function closeRequestBodies(document: OpenApiDocument, schemas: Record<string, Node>): void {
  const close = (schema: Node | undefined): void => {
    if (!schema || schema.$ref !== undefined || schema.anyOf || schema.oneOf || schema.allOf) return;
    const properties = schema.properties as Record<string, Node> | undefined;
    if (properties && schema.additionalProperties === undefined) schema.additionalProperties = false;
    for (const property of Object.values(properties ?? {})) close(property);
    if (schema.items) close(schema.items as Node);
  };
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item) as Node[]) {
      const body = (operation?.requestBody as Node | undefined)?.content as Record<string, Node> | undefined;
      const target = (body?.['application/json']?.schema as Node | undefined)?.$ref;
      if (typeof target === 'string') close(schemas[target.split('/').pop() ?? '']);
    }
  }
}

let memo: OpenApiValidator | undefined;

/** The validator of GitLab's description, loaded once per process (3.9 MB of YAML, 2–4 s). */
export function gitlabValidator(): OpenApiValidator {
  memo ??= createOpenApiValidator(
    adaptGitLabDescription(loadOpenApiDocument(GITLAB_DESCRIPTION_FILE)),
    'gitlab',
  );
  return memo;
}
