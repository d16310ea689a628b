import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import {
  DIGEST_PATTERN,
  MEDIA_TYPE_PATTERN,
  REFERENCE_PATTERN,
  REPOSITORY_NAME_MAX_LENGTH,
  REPOSITORY_NAME_PATTERN,
} from '../../core/registry-names.js';
import { errorResponses, IdParams } from '../schemas.js';
import type { ApiDeps } from '../server.js';

const security = [{ bearerToken: [] }];
const tags = ['registry'];

const RepositorySchema = Type.String({
  minLength: 1,
  maxLength: REPOSITORY_NAME_MAX_LENGTH,
  pattern: REPOSITORY_NAME_PATTERN,
  description:
    'Repository name, as the OCI distribution specification has it: lowercase path components of letters and ' +
    'digits separated by `.`, `_`, `__` or dashes, joined by `/`; at most 255 characters.',
  examples: ['library/nginx'],
});
const ReferenceSchema = Type.String({
  minLength: 1,
  maxLength: 135,
  pattern: REFERENCE_PATTERN,
  description:
    'A tag (up to 128 characters) or a digest: `sha256:` + 64 or `sha512:` + 128 lowercase hex digits.',
  examples: ['1.27', 'sha256:0d1f8ca6b0d9b2bbd0a1bd0cf6f0a6fd1f01a3b6a36d8fa2a8d3e4b0c6e1f2a3'],
});
const PageSizeSchema = Type.Integer({
  minimum: 1,
  maximum: 1000,
  default: 100,
  description: 'Items per page (the registry may return fewer).',
});
const CursorSchema = Type.String({
  minLength: 1,
  maxLength: 1024,
  description: 'The `nextCursor` of the previous page.',
});

const RepositoriesQuery = Type.Object(
  { pageSize: PageSizeSchema, cursor: Type.Optional(CursorSchema) },
  { additionalProperties: false },
);
const TagsQuery = Type.Object(
  { repository: RepositorySchema, pageSize: PageSizeSchema, cursor: Type.Optional(CursorSchema) },
  { additionalProperties: false },
);
const ResolveQuery = Type.Object(
  { repository: RepositorySchema, reference: ReferenceSchema },
  { additionalProperties: false },
);

const ReferrersQuery = Type.Object(
  {
    repository: RepositorySchema,
    digest: Type.String({
      maxLength: 135,
      pattern: DIGEST_PATTERN,
      description:
        'The manifest whose referrers to list: `sha256:` + 64 or `sha512:` + 128 lowercase hex digits.',
    }),
    artifactType: Type.Optional(
      Type.String({
        maxLength: 255,
        pattern: MEDIA_TYPE_PATTERN,
        description: 'Only referrers of this artifact type (a media type).',
        examples: ['application/spdx+json', 'application/vnd.dev.cosign.artifact.sig.v1+json'],
      }),
    ),
  },
  { additionalProperties: false },
);

const NamePageSchema = Type.Object({
  items: Type.Array(Type.String()),
  nextCursor: Type.Optional(
    Type.String({ description: 'Pass as `cursor` for the next page; absent on the last page.' }),
  ),
});
const ResolvedReferenceSchema = Type.Object({
  digest: Type.String({ description: 'Digest of the manifest (or index) the reference names.' }),
  mediaType: Type.String({ examples: ['application/vnd.oci.image.index.v1+json'] }),
  platforms: Type.Optional(
    Type.Array(
      Type.Object({
        digest: Type.String(),
        os: Type.String(),
        architecture: Type.String(),
        variant: Type.Optional(Type.String()),
      }),
      { description: 'For an image index: the platform manifests it points to.' },
    ),
  ),
});

const ReferrerListSchema = Type.Object({
  items: Type.Array(
    Type.Object({
      digest: Type.String(),
      mediaType: Type.String({ examples: ['application/vnd.oci.image.manifest.v1+json'] }),
      size: Type.Integer({ minimum: 0 }),
      artifactType: Type.Optional(Type.String({ examples: ['application/spdx+json'] })),
      annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
    }),
  ),
  source: Type.Union([Type.Literal('referrers_api'), Type.Literal('tag_schema')], {
    description:
      "`referrers_api`: the registry's referrers API. `tag_schema`: a registry without it; the index kept at the " +
      "digest's referrers tag (`sha256-<hex>`) by the clients that pushed, only as complete as they kept it.",
  }),
});

const failures = errorResponses(400, 401, 403, 404, 422, 502, 503);
const unsupported =
  'A provider without the registry ability, or an integration that is not of type `registry`, is a 422 ' +
  '`registry_unsupported`; an unknown repository or manifest a 404; a registry that fails a 502 ' +
  '(`upstream_failed`) or 503 (`upstream_unavailable`: try again later; `offline`: the service runs offline).';

/**
 * Reading a container registry through an integration: `GET /integrations/{id}/registry/repositories`,
 * `…/registry/tags`, `…/registry/resolve` and `…/registry/referrers`. Input is checked against the distribution grammar here, before
 * the catalog is asked anything.
 */
export function registryRoutes(deps: ApiDeps): FastifyPluginAsyncTypebox {
  const { registryReads } = deps;
  return async (app) => {
    app.get(
      '/integrations/:id/registry/repositories',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'List the repositories of a registry',
          description: `A page at a time; pass \`nextCursor\` back as \`cursor\`. ${unsupported}`,
          security,
          params: IdParams,
          querystring: RepositoriesQuery,
          response: { 200: NamePageSchema, ...failures },
        },
      },
      async (request) =>
        registryReads.listRepositories(request.principal, request.params.id, {
          pageSize: request.query.pageSize,
          ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
        }),
    );

    app.get(
      '/integrations/:id/registry/tags',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'List the tags of a repository',
          description: `A page at a time; pass \`nextCursor\` back as \`cursor\`. ${unsupported}`,
          security,
          params: IdParams,
          querystring: TagsQuery,
          response: { 200: NamePageSchema, ...failures },
        },
      },
      async (request) =>
        registryReads.listTags(request.principal, request.params.id, request.query.repository, {
          pageSize: request.query.pageSize,
          ...(request.query.cursor === undefined ? {} : { cursor: request.query.cursor }),
        }),
    );

    app.get(
      '/integrations/:id/registry/resolve',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'Resolve a tag or digest to its manifest digest',
          description: `The digest and media type of the manifest; for an image index, its platforms. ${unsupported}`,
          security,
          params: IdParams,
          querystring: ResolveQuery,
          response: { 200: ResolvedReferenceSchema, ...failures },
        },
      },
      async (request) =>
        registryReads.resolve(
          request.principal,
          request.params.id,
          request.query.repository,
          request.query.reference,
        ),
    );

    app.get(
      '/integrations/:id/registry/referrers',
      {
        config: { scope: 'integrations:read' },
        schema: {
          tags,
          summary: 'List the referrers of a manifest: its signatures, SBOMs and attestations',
          description:
            'The manifests whose `subject` is the digest (OCI 1.1), with their artifact types and annotations, all ' +
            "pages at once. From the registry's referrers API, or on a registry without it from the digest's " +
            `referrers tag (\`source\` says which). ${unsupported}`,
          security,
          params: IdParams,
          querystring: ReferrersQuery,
          response: { 200: ReferrerListSchema, ...failures },
        },
      },
      async (request) =>
        registryReads.listReferrers(
          request.principal,
          request.params.id,
          request.query.repository,
          request.query.digest,
          request.query.artifactType === undefined ? {} : { artifactType: request.query.artifactType },
        ),
    );
  };
}
