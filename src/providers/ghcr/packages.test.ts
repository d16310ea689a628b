import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../../../test/fakes/github/fake-github.js';
import { InvalidInputError, NotFoundError, UnprocessableError } from '../../core/errors.js';
import { silentLogger } from '../../core/logger.js';
import type { HttpClient, HttpRequest } from '../../net/index.js';
import type { PluginContext } from '../../plugins/contracts.js';
import { createInlineCredentialsAccessor } from '../../secrets/index.js';
import { RegistryAuthError, RegistryProtocolError } from '../oci/index.js';
import type { GhcrConfig } from './config.js';
import { ghcrContext, loopbackClient, seedTokens, TOKENS } from './ghcr.test-kit.js';
import { readRateLimit } from './health.js';
import { createGhcrPlugin } from './plugin.js';

/**
 * Listing GHCR repositories through GitHub's packages API, against the fake GitHub (held to GitHub's
 * own REST description): paging across GitHub's pages by its `Link` header, owners of both kinds, the
 * configured repositories standing in when the token may not list, and the answers GitHub should never
 * give (a package without a name, a page that is not a list, a `Link` to another origin). No registry
 * is needed: only the listing talks to GitHub.
 */

const NOWHERE = 'http://127.0.0.1:9';

describe('ghcr repositories from GitHub packages', () => {
  const base = loopbackClient();
  const sent: Pick<HttpRequest, 'provider' | 'operation'>[] = [];
  const http: HttpClient = {
    request: (request) => {
      sent.push({ provider: request.provider, operation: request.operation });
      return base.request(request);
    },
    close: () => base.close(),
  };
  let github: FakeGitHub;
  const ACME = Array.from({ length: 8 }, (_, i) => `app-${i}`);

  beforeAll(async () => {
    github = await startFakeGitHub({ basePath: '' });
    seedTokens(github);
    for (const name of ACME) github.addPackage({ owner: 'Acme', ownerType: 'org', name });
    github.addPackage({ owner: 'Acme', ownerType: 'org', name: 'team/Worker', visibility: 'public' });
    github.addPackage({ owner: 'octocat', ownerType: 'user', name: 'dotfiles' });
    for (let i = 0; i < 205; i++)
      github.addPackage({
        owner: 'big',
        ownerType: 'org',
        name: `svc-${String(i).padStart(3, '0')}`,
        visibility: 'public',
      });
  });
  beforeEach(() => {
    github.clearFaults();
    sent.length = 0;
  });
  afterAll(async () => {
    expect(github.violations).toEqual([]);
    await github.close();
    await http.close();
  });

  const context = (
    options: { token?: string; config?: Partial<GhcrConfig> } = {},
  ): PluginContext<GhcrConfig> =>
    ghcrContext({
      endpoint: NOWHERE,
      github,
      http,
      ...(options.token === undefined ? {} : { token: options.token }),
      config: options.config ?? {},
    });
  const reader = (options: { token?: string; config?: Partial<GhcrConfig> } = {}) =>
    createGhcrPlugin().registry!(context(options));
  const packageRequests = () => github.requests('packages/list-packages-for-organization');

  it('lists an organisation’s packages as <owner>/<name>, page by page along GitHub’s Link', async () => {
    const connector = reader({ token: TOKENS.reader });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await connector.listRepositories({ pageSize: 3, ...(cursor ? { cursor } : {}) });
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);

    expect(seen).toEqual([...ACME.map((name) => `acme/${name}`), 'acme/team/worker']);
    expect(pages).toBe(3);
    const first = packageRequests()[0]!;
    expect(first.query).toBe('?package_type=container&per_page=3&page=1');
    expect(first.headers).toMatchObject({
      authorization: `Bearer ${TOKENS.reader}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
    });
    expect(
      sent.every((request) => request.provider === 'ghcr' && request.operation === 'list_packages'),
    ).toBe(true);
  });

  it('reads several of GitHub’s pages of 100 for one large page of ours', async () => {
    const before = packageRequests().length;
    const connector = reader({ token: TOKENS.reader, config: { owner: 'big' } });

    const first = await connector.listRepositories({ pageSize: 150 });
    const second = await connector.listRepositories({ pageSize: 150, cursor: first.nextCursor! });

    expect(first.items).toHaveLength(150);
    expect(first.items[0]).toBe('big/svc-000');
    expect(first.items.at(-1)).toBe('big/svc-149');
    expect(second.items).toHaveLength(55);
    expect(second.items.at(-1)).toBe('big/svc-204');
    expect(second.nextCursor).toBeUndefined();
    expect(packageRequests().length - before).toBe(4);
  });

  it('lists a user’s packages at /users/{username}/packages', async () => {
    const page = await reader({
      token: TOKENS.reader,
      config: { owner: 'octocat', ownerType: 'user' },
    }).listRepositories();

    expect(page).toEqual({ items: ['octocat/dotfiles'] });
    expect(github.requests('packages/list-packages-for-user')).toHaveLength(1);
  });

  it('serves the configured repositories when the token lacks read:packages, and says so without them', async () => {
    const configured = await reader({
      token: TOKENS.noPackages,
      config: { repositories: ['acme/zeta', 'acme/alpha'] },
    }).listRepositories();
    const refused = reader({ token: TOKENS.noPackages }).listRepositories();

    expect(configured).toEqual({ items: ['acme/alpha', 'acme/zeta'] });
    await expect(refused).rejects.toBeInstanceOf(RegistryAuthError);
    await expect(refused).rejects.toThrow(
      /You need at least read:packages scope to list packages\..*personal access token \(classic\) with the read:packages scope.*config\.repositories/,
    );
  });

  it('says a fine-grained token cannot read packages', async () => {
    await expect(reader({ token: TOKENS.fineGrained }).listRepositories()).rejects.toThrow(
      /Resource not accessible by personal access token.*fine-grained tokens cannot read packages/,
    );
  });

  it('serves the configured repositories for an owner GitHub does not show, and names the setting without them', async () => {
    const configured = await reader({
      token: TOKENS.reader,
      config: { owner: 'ghost', repositories: ['ghost/app'] },
    }).listRepositories();
    const missing = reader({ token: TOKENS.reader, config: { owner: 'octocat' } }).listRepositories();

    expect(configured).toEqual({ items: ['ghost/app'] });
    await expect(missing).rejects.toBeInstanceOf(NotFoundError);
    await expect(missing).rejects.toThrow(/GitHub organisation 'octocat'.*config\.ownerType \('org' now\)/);
  });

  it('lists only the configured repositories anonymously, and asks for a token without them', async () => {
    const configured = await reader({ config: { repositories: ['acme/public'] } }).listRepositories();

    expect(configured).toEqual({ items: ['acme/public'] });
    await expect(reader().listRepositories()).rejects.toThrow(/read:packages: set the integration's authRef/);
    expect(sent).toEqual([]);
  });

  it('reports a refused token in GitHub’s words, never showing it', async () => {
    const error = await reader({ token: 'ghp_RevokedOrMistyped0000000000000000000' })
      .listRepositories()
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(RegistryAuthError);
    expect((error as RegistryAuthError).reason).toBe('refused');
    expect(String((error as Error).message)).toMatch(
      /GitHub refused the token \(GET \/orgs\/acme\/packages: Bad credentials\)/,
    );
    expect(JSON.stringify(error)).not.toContain('ghp_RevokedOrMistyped');
  });

  it('refuses a credential that is not { username, password }', async () => {
    const connector = createGhcrPlugin().registry!({
      ...context(),
      credentials: createInlineCredentialsAccessor(TOKENS.reader),
    });

    await expect(connector.listRepositories()).rejects.toBeInstanceOf(UnprocessableError);
    await expect(connector.listRepositories()).rejects.toThrow(
      /username .* and password \(a personal access token/,
    );
  });

  it('reports a credential of the wrong shape in its own words from the test and from health', async () => {
    const wrong = { ...context(), credentials: createInlineCredentialsAccessor(TOKENS.reader) };

    const tested = await createGhcrPlugin().testConnection(wrong);
    const health = await createGhcrPlugin().checkHealth(wrong);

    expect(tested.checks).toEqual([
      {
        name: 'token',
        ok: false,
        message: expect.stringMatching(/^the credential of a ghcr integration is an object/),
      },
    ]);
    expect(health).toEqual({
      status: 'unhealthy',
      message: expect.stringMatching(/^the credential of a ghcr integration is an object/),
    });
    expect(JSON.stringify([tested, health])).not.toContain(TOKENS.reader);
  });

  it.each([
    [
      'a package without a name',
      { status: 200, body: [{ id: 1, package_type: 'container' }] },
      /a package without a name/,
    ],
    [
      'a page that is not a list',
      { status: 200, body: { packages: [] } },
      /did not answer a list of packages/,
    ],
    [
      'a name no registry serves',
      { status: 200, body: [{ name: 'has space' }] },
      /no container registry serves: 'has space'/,
    ],
    ['text instead of JSON', { status: 200, body: 'hello' }, /did not answer JSON/],
    [
      'a 422 GitHub never documents here',
      { status: 422, body: { message: 'Validation Failed' } },
      /HTTP 422: Validation Failed/,
    ],
  ])('refuses %s as a protocol error', async (_name, response, words) => {
    github.inject({ match: (request) => request.operation.operationId.startsWith('packages/'), response });

    const listed = reader({ token: TOKENS.reader }).listRepositories();

    await expect(listed).rejects.toBeInstanceOf(RegistryProtocolError);
    await expect(listed).rejects.toThrow(words);
  });

  it('does not follow a Link to another origin: the listing ends there, with a warning', async () => {
    const elsewhere = await startFakeGitHub({ basePath: '', linkOrigin: 'http://127.0.0.2:1' });
    seedTokens(elsewhere);
    for (const name of ACME) elsewhere.addPackage({ owner: 'acme', ownerType: 'org', name });
    const warnings: object[] = [];
    const logger = { ...silentLogger, warn: (fields: object) => warnings.push(fields) };
    try {
      const connector = createGhcrPlugin().registry!({
        ...ghcrContext({ endpoint: NOWHERE, github: elsewhere, http, token: TOKENS.reader }),
        logger,
      });

      const page = await connector.listRepositories({ pageSize: 3 });

      expect(page).toEqual({ items: ACME.slice(0, 3).map((name) => `acme/${name}`) });
      expect(elsewhere.requests('packages/list-packages-for-organization')).toHaveLength(1);
      expect(warnings).toEqual([
        { provider: 'ghcr', operation: 'list_packages', linkOrigin: 'http://127.0.0.2:1' },
      ]);
    } finally {
      await elsewhere.close();
    }
  });

  it('reports GitHub’s limit of 10,000 results', async () => {
    const cursor = Buffer.from(JSON.stringify({ k: 'packages', o: 10_000 })).toString('base64url');

    await expect(
      reader({ token: TOKENS.reader }).listRepositories({ pageSize: 100, cursor }),
    ).rejects.toThrow(/HTTP 400: The value of `per_page` multiplied by `page` cannot be greater than 10000/);
  });

  it.each([
    [{ pageSize: 0 }, /pageSize/],
    [{ pageSize: 1001 }, /pageSize/],
    [{ cursor: 'not-ours' }, /cursor/],
    [{ cursor: Buffer.from('{"k":"packages","o":-1}').toString('base64url') }, /cursor/],
  ])('refuses %j before asking GitHub', async (options, field) => {
    const listed = reader({ token: TOKENS.reader }).listRepositories(options);

    await expect(listed).rejects.toBeInstanceOf(InvalidInputError);
    await expect(listed).rejects.toThrow(field);
    expect(sent).toEqual([]);
  });
});

describe('ghcr rate limit reading', () => {
  const reset = String(Date.UTC(2026, 0, 1, 13) / 1000);

  it.each([
    [
      { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-reset': reset },
      'healthy',
      /4999 of 5000 requests left$/,
    ],
    [
      { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '500', 'x-ratelimit-reset': reset },
      'healthy',
      /500 of 5000/,
    ],
    [
      { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '499', 'x-ratelimit-reset': reset },
      'degraded',
      /nearly spent: 499 of 5000 requests left until 2026-01-01T13:00:00\.000Z/,
    ],
    [
      { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0' },
      'degraded',
      /0 of 60 requests left until the hour is over/,
    ],
    [{}, 'healthy', /reports no rate limit/],
    [{ 'x-ratelimit-limit': 'lots', 'x-ratelimit-remaining': '1' }, 'healthy', /reports no rate limit/],
  ])('reads %j as %s', (headers, status, words) => {
    const result = readRateLimit(headers, 'the registry speaks registry/2.0');

    expect(result.status).toBe(status);
    expect(result.message).toMatch(words);
    expect(result.message).toMatch(/^the registry speaks registry\/2\.0; /);
  });
});
