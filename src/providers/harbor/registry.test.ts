import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type FakeHarbor, startFakeHarbor } from '../../../test/fakes/harbor/fake-harbor.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import type { PageOf } from '../../plugins/contracts.js';
import { RegistryAuthError } from '../oci/index.js';
import {
  ACCOUNTS,
  type HarborContextOptions,
  harborContext,
  loopbackClient,
  seedWorld,
} from './harbor.test-kit.js';
import { createHarborPlugin } from './plugin.js';

/** Repositories and tags from Harbor's API, paged over Harbor's pages of 100. */

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, 'a')}`;
/** `bulk/r000` … `bulk/r249`: three of Harbor's pages. */
const BULK = Array.from({ length: 250 }, (_, i) => `bulk/r${String(i).padStart(3, '0')}`);

async function all(read: (cursor?: string) => Promise<PageOf<string>>) {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read(cursor);
    pages.push([...page.items]);
    cursor = page.nextCursor;
  } while (cursor !== undefined && pages.length < 50);
  return pages;
}

describe('harbor registry reads', () => {
  let harbor: FakeHarbor;
  const http = loopbackClient();
  const plugin = createHarborPlugin();
  const connector = (
    account?: { username: string; password: string },
    options: Partial<HarborContextOptions> = {},
  ) => plugin.registry!(harborContext({ endpoint: harbor.url, http, ...(account ?? {}), ...options }));

  beforeAll(async () => {
    harbor = await startFakeHarbor();
    seedWorld(harbor);
    harbor.addProject({ name: 'bulk' });
    harbor.addMember('bulk', ACCOUNTS.developer.username, 'guest');
    for (const [i, name] of BULK.entries())
      harbor.addRepository('bulk', name.slice(5), [{ digest: digest(i), mediaType: OCI, tags: ['1'] }]);
    // 130 artifacts of two tags each, newest first: v129-a, v129-b, v128-a, …
    harbor.addRepository(
      'acme',
      'team/tools/scanner',
      Array.from({ length: 130 }, (_, i) => ({
        digest: digest(1000 + i),
        mediaType: OCI,
        tags: [`v${i}-a`, `v${i}-b`],
      })),
    );
    harbor.addRepository('acme', 'untagged', [{ digest: digest(5000), mediaType: OCI, tags: [] }]);
  });
  afterEach(() => {
    expect(harbor.violations).toEqual([]);
  });
  afterAll(async () => {
    await harbor.close();
    await http.close();
  });

  const everything = () =>
    [
      ...BULK,
      'acme/app',
      'acme/multi',
      'acme/team/app',
      'acme/team/tools/scanner',
      'acme/untagged',
      'library/base',
      'secret/vault',
    ].sort();

  it.each([37, 100, 250, 1000])(
    'an administrator lists every repository, pages of %i over Harbor’s 100',
    async (size) => {
      const pages = await all((cursor) =>
        connector(ACCOUNTS.admin).listRepositories({ pageSize: size, ...(cursor ? { cursor } : {}) }),
      );

      expect(pages.flat()).toEqual(everything());
      expect(pages.slice(0, -1).every((page) => page.length === size)).toBe(true);
      expect(pages.length).toBe(Math.ceil(everything().length / size));
      // Never more than Harbor's 100 per request, with its paging parameters.
      const asked = harbor.requests('listAllRepositories').map((e) => new URLSearchParams(e.query));
      expect(asked.every((query) => query.get('page_size') === '100' && query.get('sort') === 'name')).toBe(
        true,
      );
    },
  );

  it('a member lists the configured projects one after the other', async () => {
    const config = { projects: ['bulk', 'acme'] };
    const before = harbor.requests('listAllRepositories').length;
    const pages = await all((cursor) =>
      connector(ACCOUNTS.developer, { config }).listRepositories({
        pageSize: 120,
        ...(cursor ? { cursor } : {}),
      }),
    );

    expect(pages.map((page) => page.length)).toEqual([120, 120, 15]);
    expect(pages.flat()).toEqual([
      'acme/app',
      'acme/multi',
      'acme/team/app',
      'acme/team/tools/scanner',
      'acme/untagged',
      ...BULK,
    ]);
    // Not a system administrator (`/users/current`): per project, never `GET /repositories`.
    expect(harbor.requests('listAllRepositories').length).toBe(before);
    expect(harbor.requests('listRepositories').length).toBeGreaterThan(0);
  });

  it('without configured projects, a member lists what Harbor lets it see', async () => {
    const names = (
      await all((cursor) =>
        connector(ACCOUNTS.robot).listRepositories({ pageSize: 1000, ...(cursor ? { cursor } : {}) }),
      )
    ).flat();

    expect(names).toEqual(everything().filter((name) => /^(acme|library)\//.test(name)));
  });

  it('lists the tags of a nested repository, its name encoded twice', async () => {
    const pages = await all((cursor) =>
      connector(ACCOUNTS.robot).listTags('acme/team/tools/scanner', {
        pageSize: 75,
        ...(cursor ? { cursor } : {}),
      }),
    );

    const expected = Array.from({ length: 130 }, (_, i) => [`v${129 - i}-a`, `v${129 - i}-b`]).flat();
    expect(pages.flat()).toEqual(expected);
    expect(pages.map((page) => page.length)).toEqual([75, 75, 75, 35]);
    const paths = harbor.requests('listArtifacts').map((e) => e.path);
    expect(new Set(paths)).toEqual(
      new Set(['/projects/acme/repositories/team%252Ftools%252Fscanner/artifacts']),
    );
    expect(harbor.requests('listArtifacts').every((e) => e.query.includes('with_tag=true'))).toBe(true);
  });

  it('an untagged repository has no tags; an unknown one is not found', async () => {
    expect(await connector(ACCOUNTS.admin).listTags('acme/untagged')).toEqual({ items: [] });
    await expect(connector(ACCOUNTS.admin).listTags('acme/nothing')).rejects.toThrow(NotFoundError);
    await expect(connector(ACCOUNTS.admin).listTags('acme/nothing')).rejects.toThrow(
      "repository 'acme/nothing' was not found: Harbor answered HTTP 404 (NOT_FOUND: repository acme/nothing not found)",
    );
  });

  it('anonymous: public projects only', async () => {
    expect(await connector().listTags('library/base')).toEqual({ items: ['1.0'] });
    expect((await connector().listRepositories()).items).toEqual(['library/base']);
    const refused = await connector()
      .listTags('acme/app')
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RegistryAuthError);
    expect((refused as RegistryAuthError).reason).toBe('missing');
    expect((refused as Error).message).toMatch(/set the integration's authRef/);
  });

  it('a member of another project is forbidden, in Harbor’s words', async () => {
    await expect(connector(ACCOUNTS.outsider).listTags('secret/vault')).rejects.toThrow(
      /Harbor does not permit GET \/api\/v2\.0\/projects\/secret\/repositories\/vault\/artifacts to this account: HTTP 403 \(FORBIDDEN: forbidden\)/,
    );
  });

  it.each([
    ['an upper-case name', 'Acme/App', 'repository'],
    ['a name without a project', 'app', 'repository'],
    ['a name with a double slash', 'acme//app', 'repository'],
  ])('refuses %s before any request', async (_name, repository, field) => {
    const before = harbor.exchanges.length;

    const error = await connector(ACCOUNTS.admin)
      .listTags(repository)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).details[0]?.field).toBe(field);
    expect(harbor.exchanges.length).toBe(before);
  });

  it.each([0, 1001, 2.5])('refuses a page size of %s', async (pageSize) => {
    await expect(connector(ACCOUNTS.admin).listRepositories({ pageSize })).rejects.toThrow(InvalidInputError);
    await expect(connector(ACCOUNTS.admin).listTags('acme/app', { pageSize })).rejects.toThrow(
      InvalidInputError,
    );
  });

  it('refuses a cursor it did not give, or one of another listing', async () => {
    const tagsCursor = (await connector(ACCOUNTS.admin).listTags('acme/team/tools/scanner', { pageSize: 1 }))
      .nextCursor;

    await expect(connector(ACCOUNTS.admin).listRepositories({ cursor: 'nonsense' })).rejects.toThrow(
      /cursor/,
    );
    await expect(connector(ACCOUNTS.admin).listRepositories({ cursor: tagsCursor! })).rejects.toThrow(
      InvalidInputError,
    );
  });
});
