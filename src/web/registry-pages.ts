import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { errorResponse } from '../api/error-handler.js';
import { IdParams } from '../api/schemas.js';
import type { ReferrerListing, RegistryPage, ResolvedImage } from '../catalog/registry-service.js';
import { UnprocessableError } from '../core/errors.js';
import type { Integration } from '../core/integration.js';
import {
  REFERENCE_PATTERN,
  REPOSITORY_NAME_MAX_LENGTH,
  REPOSITORY_NAME_PATTERN,
} from '../core/registry-names.js';
import type { ConsoleContext } from './console.js';
import { type Html, html } from './html.js';
import { dropEmptyFields, errorPanel, HTML, page, query, type ViewSession } from './layout.js';

const DEFAULT_PAGE_SIZE = 50;

const RegistryQuery = Type.Object(
  {
    repository: Type.Optional(
      Type.String({ minLength: 1, maxLength: REPOSITORY_NAME_MAX_LENGTH, pattern: REPOSITORY_NAME_PATTERN }),
    ),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 135, pattern: REFERENCE_PATTERN })),
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    pageSize: Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_PAGE_SIZE }),
  },
  { additionalProperties: false },
);

interface RegistryQueryValue {
  readonly repository?: string;
  readonly reference?: string;
  readonly cursor?: string;
  readonly pageSize: number;
}

/** What the page shows: a page of names, a resolved reference, or what went wrong. */
type Shown =
  | { kind: 'repositories'; page: RegistryPage }
  | { kind: 'tags'; repository: string; page: RegistryPage }
  | {
      kind: 'resolved';
      repository: string;
      reference: string;
      image: ResolvedImage;
      /** None when the provider cannot list referrers; a message when the registry failed to. */
      referrers?: ReferrerListing | { failed: string };
    }
  | { kind: 'error'; status: number; message: string };

/**
 * `GET /console/integrations/:id/registry`: repositories, a repository's tags, a resolved reference
 * with what refers to it (signatures, SBOMs, attestations) when the provider can list that.
 */
export function registryPages(app: FastifyInstance, context: ConsoleContext): void {
  const { integrations, registryReads } = context.deps;

  app.get(
    '/integrations/:id/registry',
    {
      schema: { hide: true, params: IdParams, querystring: RegistryQuery },
      config: { scope: 'integrations:read' },
      preValidation: dropEmptyFields,
    },
    async (request, reply) => {
      const session = context.session(request);
      const { id } = request.params as { id: string };
      const { repository, reference, cursor, pageSize } = request.query as RegistryQueryValue;
      const integration = await integrations.get(session.principal, id);
      const paging = { pageSize, ...(cursor ? { cursor } : {}) };
      let shown: Shown;
      try {
        if (repository && reference) {
          const image = await registryReads.resolve(session.principal, id, repository, reference);
          const referrers = await registryReads
            .listReferrers(session.principal, id, repository, image.digest)
            .catch((error: unknown) => {
              if (error instanceof UnprocessableError && error.code === 'registry_unsupported')
                return undefined;
              const { body } = errorResponse(error, request);
              return { failed: (body as { error: { message: string } }).error.message };
            });
          shown = { kind: 'resolved', repository, reference, image, ...(referrers ? { referrers } : {}) };
        } else if (repository) {
          shown = {
            kind: 'tags',
            repository,
            page: await registryReads.listTags(session.principal, id, repository, paging),
          };
        } else {
          shown = {
            kind: 'repositories',
            page: await registryReads.listRepositories(session.principal, id, paging),
          };
        }
      } catch (error) {
        // The registry's failure is shown in the page; the message is the API's, never a stack.
        const { status, body } = errorResponse(error, request);
        shown = { kind: 'error', status, message: (body as { error: { message: string } }).error.message };
      }
      return reply
        .code(shown.kind === 'error' ? shown.status : 200)
        .type(HTML)
        .send(
          registryPage(
            session,
            integration,
            shown,
            pageSize === DEFAULT_PAGE_SIZE ? undefined : String(pageSize),
          ),
        );
    },
  );
}

function registryPage(
  session: ViewSession,
  integration: Integration,
  shown: Shown,
  pageSize: string | undefined,
): string {
  const base = `/console/integrations/${integration.id}/registry`;
  return page({
    title: `Registry of ${integration.name}`,
    session,
    body: html`<p><a href="/console/integrations/${integration.id}">Back to ${integration.name}</a> · <a href="${base}">All repositories</a></p>
<h1>Registry of ${integration.name}</h1>
${content(base, shown, pageSize)}`,
  });
}

/** `pageSize` is kept in the next-page links when it is not the default. */
function content(base: string, shown: Shown, pageSize: string | undefined): Html {
  switch (shown.kind) {
    case 'error':
      return html`<h2>The registry could not be read (${shown.status})</h2>${errorPanel(shown.message)}`;
    case 'repositories':
      return names(
        shown.page,
        'Repositories',
        (name) => `${base}${query({ repository: name })}`,
        (cursor) => `${base}${query({ cursor, pageSize })}`,
      );
    case 'tags':
      return html`<h2>Tags of <code>${shown.repository}</code></h2>
${names(
  shown.page,
  'Tags',
  (tag) => `${base}${query({ repository: shown.repository, reference: tag })}`,
  (cursor) => `${base}${query({ repository: shown.repository, cursor, pageSize })}`,
)}`;
    case 'resolved':
      return html`${resolved(base, shown.repository, shown.reference, shown.image)}${referrersOf(shown.referrers)}`;
  }
}

function names(
  result: RegistryPage,
  caption: string,
  link: (name: string) => string,
  next: (cursor: string) => string,
): Html {
  if (result.items.length === 0) return html`<p class="panel">No ${caption.toLowerCase()} here.</p>`;
  return html`<table>
<caption>${caption}</caption>
<thead><tr><th scope="col">Name</th></tr></thead>
<tbody>
${result.items.map((name) => html`<tr><th scope="row"><a href="${link(name)}">${name}</a></th></tr>`)}
</tbody>
</table>
${result.nextCursor ? html`<nav aria-label="Pages"><a href="${next(result.nextCursor)}" rel="next">Next page</a></nav>` : null}`;
}

function resolved(base: string, repository: string, reference: string, image: ResolvedImage): Html {
  const platforms = image.platforms ?? [];
  return html`<h2><code>${repository}</code> at <code>${reference}</code></h2>
<p><a href="${base}${query({ repository })}">All tags of ${repository}</a></p>
<dl>
<dt>Digest</dt><dd><code>${image.digest}</code></dd>
<dt>Media type</dt><dd><code>${image.mediaType}</code></dd>
</dl>
${
  platforms.length === 0
    ? html`<p class="muted">A single-platform image: no platforms are listed.</p>`
    : html`<table>
<caption>Platforms</caption>
<thead><tr><th scope="col">Platform</th><th scope="col">Digest</th></tr></thead>
<tbody>
${platforms.map(
  (platform) =>
    html`<tr><th scope="row">${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}</th><td><code>${platform.digest}</code></td></tr>`,
)}
</tbody>
</table>`
}`;
}

function referrersOf(referrers: ReferrerListing | { failed: string } | undefined): Html | null {
  if (!referrers) return null;
  if ('failed' in referrers)
    return html`<h2>Referrers</h2>${errorPanel(`The referrers could not be read: ${referrers.failed}`)}`;
  const note =
    referrers.source === 'tag_schema'
      ? html`<p class="muted">This registry has no referrers API: the list is the one pushing clients keep at the digest's referrers tag.</p>`
      : null;
  if (referrers.items.length === 0)
    return html`<h2>Referrers</h2><p class="panel">Nothing refers to this image: no signature, SBOM or attestation.</p>${note}`;
  return html`<h2>Referrers</h2>
<table>
<caption>Referrers</caption>
<thead><tr><th scope="col">Artifact type</th><th scope="col">Digest</th><th scope="col">Size</th><th scope="col">Annotations</th></tr></thead>
<tbody>
${referrers.items.map(
  (item) =>
    html`<tr><th scope="row">${item.artifactType ?? item.mediaType}</th><td><code>${item.digest}</code></td><td>${String(item.size)}</td><td>${Object.entries(
      item.annotations ?? {},
    )
      .map(([key, value]) => `${key}=${value}`)
      .join(', ')}</td></tr>`,
)}
</tbody>
</table>
${note}`;
}
