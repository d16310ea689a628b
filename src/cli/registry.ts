import type { Command } from 'commander';
import type { ReferrerListing, RegistryPage, ResolvedImage } from '../catalog/registry-service.js';
import { isDigest, isReference, isRepositoryName, MEDIA_TYPE } from '../core/registry-names.js';
import { type ApiClient, createApiClient } from './client.js';
import { CliError, EXIT } from './exit-codes.js';
import { integrationId } from './find-integration.js';
import { renderTable } from './table.js';

interface GlobalOptions {
  url: string;
  token?: string;
  json?: boolean;
}

interface PageFlags {
  pageSize?: string;
  cursor?: string;
  all?: boolean;
}

/** `--all` asks for the largest page the API gives, unless `--page-size` says otherwise. */
const ALL_PAGE_SIZE = 1000;

function pageSizeOf(flags: PageFlags): number | undefined {
  if (flags.pageSize === undefined) return flags.all ? ALL_PAGE_SIZE : undefined;
  const size = Number(flags.pageSize);
  if (!/^\d+$/.test(flags.pageSize) || size < 1 || size > 1000) {
    throw new CliError('--page-size must be a whole number from 1 to 1000', EXIT.usage);
  }
  return size;
}

function checkRepository(repository: string): void {
  if (!isRepositoryName(repository)) {
    throw new CliError(
      `'${repository}' is not a repository name: lowercase letters and digits, separated by '.', '_', '__' or '-', ` +
        "path components joined by '/', at most 255 characters",
      EXIT.usage,
    );
  }
}

/** One page, or with `--all` every page from the cursor on; a provider repeating a cursor stops the walk. */
async function readPages(
  api: ApiClient,
  path: string,
  query: URLSearchParams,
  flags: PageFlags,
  size: number | undefined,
) {
  if (size !== undefined) query.set('pageSize', String(size));
  if (flags.cursor !== undefined) query.set('cursor', flags.cursor);
  const items: string[] = [];
  const seen = new Set<string>();
  for (;;) {
    const { body } = await api.get<RegistryPage>(`${path}?${query}`);
    items.push(...body.items);
    const next = body.nextCursor;
    if (!flags.all || next === undefined) {
      if (seen.size > 0 && process.stderr.isTTY) process.stderr.write('\r\x1b[K');
      return next === undefined ? { items } : { items, nextCursor: next };
    }
    if (seen.has(next))
      throw new CliError(`the registry repeated the cursor '${next}'; stopped`, EXIT.unavailable);
    seen.add(next);
    query.set('cursor', next);
    // A long walk shows it is moving, on a terminal only (stderr stays clean for scripts).
    if (process.stderr.isTTY) process.stderr.write(`\r${items.length} so far, page ${seen.size + 1}…`);
  }
}

/** `integrations registry repositories|tags|resolve|referrers`: reading a container registry through an integration. */
export function registerRegistryCommands(program: Command): void {
  const globals = () => program.opts<GlobalOptions>();
  const client = () => createApiClient({ url: globals().url, token: globals().token });
  const print = (value: unknown, human: () => string) =>
    process.stdout.write(globals().json ? `${JSON.stringify(value, null, 2)}\n` : human());
  const pageOptions = (command: Command) =>
    command
      .option('--page-size <n>', 'items per page, 1 to 1000 (default 100; 1000 with --all)')
      .option('--cursor <cursor>', 'start after this cursor (the nextCursor of the page before)')
      .option('--all', 'follow every page');
  /** Prints a page as a one-column table, and on stderr how to get the next one. */
  const printPage = (column: string, page: RegistryPage, again: string) => {
    print(page, () =>
      renderTable(
        [column],
        page.items.map((item) => [item]),
      ),
    );
    if (page.nextCursor !== undefined && !globals().json) {
      process.stderr.write(`more: ${again} --cursor '${page.nextCursor}' (or --all)\n`);
    }
  };

  const registry = program
    .command('registry')
    .description(
      'read the container registry of a registry integration: repositories, tags, digests, referrers',
    );

  pageOptions(
    registry
      .command('repositories')
      .description('list the repositories of the registry')
      .argument('<name-or-id>', 'the registry integration'),
  ).action(async (idOrName: string, flags: PageFlags) => {
    const size = pageSizeOf(flags);
    const api = client();
    const id = await integrationId(api, idOrName);
    const page = await readPages(
      api,
      `/api/v1/integrations/${id}/registry/repositories`,
      new URLSearchParams(),
      flags,
      size,
    );
    printPage('REPOSITORY', page, `integrations registry repositories ${idOrName}`);
  });

  pageOptions(
    registry
      .command('tags')
      .description('list the tags of a repository')
      .argument('<name-or-id>', 'the registry integration')
      .argument('<repository>', 'e.g. library/nginx'),
  ).action(async (idOrName: string, repository: string, flags: PageFlags) => {
    checkRepository(repository);
    const size = pageSizeOf(flags);
    const api = client();
    const id = await integrationId(api, idOrName);
    const page = await readPages(
      api,
      `/api/v1/integrations/${id}/registry/tags`,
      new URLSearchParams({ repository }),
      flags,
      size,
    );
    printPage('TAG', page, `integrations registry tags ${idOrName} ${repository}`);
  });

  registry
    .command('resolve')
    .description('resolve a tag or digest to the manifest digest, media type and platforms')
    .argument('<name-or-id>', 'the registry integration')
    .argument('<repository>', 'e.g. library/nginx')
    .argument('<reference>', 'a tag, or a digest sha256:<64 hex>')
    .action(async (idOrName: string, repository: string, reference: string) => {
      checkRepository(repository);
      if (!isReference(reference)) {
        throw new CliError(
          `'${reference}' is not a tag or digest: a tag is up to 128 letters, digits, '.', '_' or '-' (not starting ` +
            "with '.' or '-'); a digest is sha256:<64 lowercase hex> or sha512:<128 lowercase hex>",
          EXIT.usage,
        );
      }
      const api = client();
      const id = await integrationId(api, idOrName);
      const { body } = await api.get<ResolvedImage>(
        `/api/v1/integrations/${id}/registry/resolve?${new URLSearchParams({ repository, reference })}`,
      );
      print(body, () => describeResolved(body));
    });

  registry
    .command('referrers')
    .description("list a manifest's referrers: its signatures, SBOMs and attestations")
    .argument('<name-or-id>', 'the registry integration')
    .argument('<repository>', 'e.g. library/nginx')
    .argument('<digest>', 'the manifest, sha256:<64 hex> (integrations registry resolve gives it)')
    .option('--artifact-type <media-type>', 'only referrers of this type, e.g. application/spdx+json')
    .action(
      async (idOrName: string, repository: string, digest: string, flags: { artifactType?: string }) => {
        checkRepository(repository);
        if (!isDigest(digest)) {
          throw new CliError(
            `'${digest}' is not a digest: sha256:<64 lowercase hex> or sha512:<128 lowercase hex>`,
            EXIT.usage,
          );
        }
        if (flags.artifactType !== undefined && !MEDIA_TYPE.test(flags.artifactType)) {
          throw new CliError(
            `--artifact-type '${flags.artifactType}' is not a media type (type/subtype, e.g. application/spdx+json)`,
            EXIT.usage,
          );
        }
        const api = client();
        const id = await integrationId(api, idOrName);
        const query = new URLSearchParams({ repository, digest });
        if (flags.artifactType !== undefined) query.set('artifactType', flags.artifactType);
        const { body } = await api.get<ReferrerListing>(
          `/api/v1/integrations/${id}/registry/referrers?${query}`,
        );
        print(body, () => describeReferrers(body));
      },
    );
}

function describeReferrers(list: ReferrerListing): string {
  const table =
    list.items.length === 0
      ? 'no referrers\n'
      : renderTable(
          ['ARTIFACT TYPE', 'DIGEST', 'SIZE'],
          list.items.map((item) => [item.artifactType ?? item.mediaType, item.digest, String(item.size)]),
        );
  // On a registry without the referrers API the list is what pushing clients kept up to date.
  return list.source === 'tag_schema'
    ? `${table}(from the digest's referrers tag: the registry has no referrers API)\n`
    : table;
}

function describeResolved(resolved: ResolvedImage): string {
  let out = `digest     ${resolved.digest}\nmediaType  ${resolved.mediaType}\n`;
  if (resolved.platforms && resolved.platforms.length > 0) {
    out += `\n${renderTable(
      ['PLATFORM', 'DIGEST'],
      resolved.platforms.map((p) => [
        `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`,
        p.digest,
      ]),
    )}`;
  }
  return out;
}
