import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeQuay, startFakeQuay } from '../../../test/fakes/quay/fake-quay.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import { createQuayPlugin } from './plugin.js';
import { credentialOf, LOGINS, loopbackClient, quayContext, seedQuay, TOKENS } from './quay.test-kit.js';

/**
 * Listing through Quay's API against the fake alone (no registry behind it): repositories paged by
 * `next_page` across namespaces, tags across Quay's pages of 100, Quay's refusals mapped to errors that
 * say what to fix, and answers that break the API refused.
 */

const OCI = 'application/vnd.oci.image.manifest.v1+json';
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

describe('quay registry reader through the API', () => {
  const http = loopbackClient();
  let quay: FakeQuay;

  beforeAll(async () => {
    quay = await startFakeQuay({ repositoriesPerPage: 2 });
    const many = Array.from({ length: 250 }, (_, i) => ({
      name: `t${String(i).padStart(3, '0')}`,
      digest: digest(i + 1),
      mediaType: OCI,
    }));
    seedQuay(quay, { 'acme/tools': many });
    for (const name of ['acme/zeta', 'acme/eta']) quay.addRepository(name, { tags: [] });
  });
  afterAll(async () => {
    await quay?.close();
    await http.close();
  });

  const reader = (apiToken: string | undefined = TOKENS.read, config = {}) =>
    createQuayPlugin().registry!(
      quayContext({ endpoint: quay.url, http, credentials: credentialOf(LOGINS.scanner, apiToken), config }),
    );

  it('lists the repositories of each namespace, following next_page, into pages of any size', async () => {
    const listing = reader(TOKENS.read, { namespaces: ['other', 'acme'] });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;

    do {
      const page = await listing.listRepositories({ pageSize: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    const whole = await listing.listRepositories({ pageSize: 1000 });

    expect(seen).toEqual(['acme/app', 'acme/eta', 'acme/multi', 'acme/tools', 'acme/zeta', 'other/open']);
    expect(pages).toBe(2);
    expect(whole).toEqual({ items: seen });
    const listed = quay.records.filter((record) => record.path === '/api/v1/repository');
    expect(listed.every((record) => record.auth === 'bearer')).toBe(true);
    expect(listed.some((record) => record.query.includes('next_page='))).toBe(true);
    expect(quay.violations).toEqual([]);
  });

  it("lists the robot's organisation when no namespace is configured", async () => {
    const page = await reader().listRepositories({ pageSize: 2 });
    const rest = await reader().listRepositories({ pageSize: 100, cursor: page.nextCursor! });

    expect(page.items).toEqual(['acme/app', 'acme/eta']);
    expect(rest).toEqual({ items: ['acme/multi', 'acme/tools', 'acme/zeta'] });
  });

  it('lists active tags across Quay pages of 100, newest first, until has_additional is false', async () => {
    const first = await reader().listTags('acme/tools', { pageSize: 150 });
    const second = await reader().listTags('acme/tools', { pageSize: 150, cursor: first.nextCursor! });
    const small = await reader().listTags('acme/tools', { pageSize: 7 });

    expect(first.items).toHaveLength(150);
    expect(first.items[0]).toBe('t249');
    expect(second.items).toHaveLength(100);
    expect(second.nextCursor).toBeUndefined();
    expect(new Set([...first.items, ...second.items]).size).toBe(250);
    expect(small.items).toEqual(['t249', 't248', 't247', 't246', 't245', 't244', 't243']);
    const asked = quay.records.filter((record) => record.path === '/api/v1/repository/acme/tools/tag/');
    expect(asked.every((record) => /limit=100&page=\d&onlyActiveTags=true/.test(record.query))).toBe(true);
    expect(quay.violations).toEqual([]);
  });

  it('refuses a cursor it did not give and a page size out of range', async () => {
    await expect(reader().listRepositories({ cursor: 'api:bm9wZQ' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(reader().listTags('acme/tools', { cursor: 'api:e30' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(reader().listTags('acme/tools', { pageSize: 1001 })).rejects.toThrow(/pageSize/);
    await expect(reader().listTags('Acme/Tools')).rejects.toThrow(/Quay repository name/);
  });

  it('maps Quay refusals: an unknown repository or namespace 404, a token without repo:read 403', async () => {
    const unknownRepository = reader().listTags('acme/missing');
    const unknownNamespace = reader(TOKENS.read, { namespaces: ['ghost'] }).listRepositories();
    const noScope = reader(TOKENS.userOnly).listRepositories();

    await expect(unknownRepository).rejects.toBeInstanceOf(NotFoundError);
    await expect(unknownNamespace).rejects.toThrow(
      /namespace 'ghost' was not found: Quay answered HTTP 404 \(not_found: Not Found\)/,
    );
    await expect(noScope).rejects.toThrow(/needs the repo:read scope/);
    await expect(reader(TOKENS.userOnly).listRepositories()).rejects.toBeInstanceOf(RegistryAuthError);
  });

  it('names a refused token and never shows it', async () => {
    let error: unknown;
    try {
      await reader('revoked-token-000').listRepositories();
    } catch (caught) {
      error = caught;
    }

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as Error).message).toMatch(
      /Quay refused the API token .*invalid_token.*generate a new one/,
    );
    expect((error as Error).message).not.toContain('revoked-token-000');
  });

  it.each([
    ['not JSON', '<html></html>', /did not answer JSON/],
    ['no list', '{"repos":[]}', /no repositories list/],
    [
      'an item without a name',
      '{"repositories":[{"namespace":"acme"}]}',
      /without a valid namespace and name/,
    ],
    [
      'a next_page that is not a token',
      '{"repositories":[],"next_page":7}',
      /next_page that is not a page token/,
    ],
  ])('refuses a repository answer with %s', async (_name, body, pattern) => {
    quay.answerNext('/api/v1/repository', 200, body);

    await expect(reader().listRepositories()).rejects.toThrow(pattern);
  });

  it.each([
    ['no has_additional', '{"tags":[],"page":1}', /no has_additional/],
    [
      'a tag without a name',
      '{"tags":[{"manifest_digest":"x"}],"page":1,"has_additional":false}',
      /tag without a name/,
    ],
    ['tags as an object', '{"tags":{},"page":1,"has_additional":false}', /no tags list/],
  ])('refuses a tag answer with %s', async (_name, body, pattern) => {
    quay.answerNext('/api/v1/repository/acme/app/tag/', 200, body);

    const failure = reader().listTags('acme/app');

    await expect(failure).rejects.toBeInstanceOf(RegistryProtocolError);
    await expect(failure).rejects.toThrow(pattern);
  });

  it('stops a next_page that never ends', async () => {
    for (let i = 0; i < 60; i++)
      quay.answerNext(
        '/api/v1/repository',
        200,
        JSON.stringify({ repositories: [], next_page: `loop-${i}` }),
      );

    await expect(reader().listRepositories()).rejects.toThrow(/does not advance/);
    // The next_page tokens the fake never gave are not violations: those answers were canned.
    expect(quay.violations).toEqual([]);
  });
});
