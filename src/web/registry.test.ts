import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { digestOf, IMAGES, INDEX_MEDIA_TYPE, REPOSITORIES } from '../api/registry.test-kit.js';
import { expectConsoleHeaders, get, links, login, tableRows, textOf } from './console.test-kit.js';

const targets = await testDatabaseTargets();
const registry = (name: string, config: Record<string, unknown>) => ({
  name,
  type: 'registry',
  provider: 'in_memory',
  endpoint: 'https://registry.example.com',
  config,
});

describe.each(targets)('console registry and providers pages on $dialect', (target) => {
  let t: TestApp;
  let cookie: string;
  let id: string;
  let broken: string;
  let scm: string;
  beforeAll(async () => {
    if (!target.available) return;
    t = await startTestApp(target);
    const create = async (payload: Record<string, unknown>) =>
      (await t.request({ method: 'POST', url: '/api/v1/integrations', payload })).body.id as string;
    id = await create(
      registry('images', {
        images: IMAGES.map((image) =>
          image.tag === '1.26'
            ? {
                ...image,
                referrers: [
                  {
                    digest: digestOf(301),
                    artifactType: 'application/spdx+json',
                    size: 900,
                    annotations: { 'org.example.format': 'spdx' },
                  },
                ],
              }
            : image,
        ),
      }),
    );
    broken = await create(registry('down', { images: IMAGES, registryFailure: 'transient' }));
    scm = await create({ ...registry('scm-only', {}), type: 'scm' });
    cookie = await login(t, t.adminToken);
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);
  const base = () => `/console/integrations/${id}/registry`;

  test('links to the registry from a registry integration’s detail page', async () => {
    const page = await get(t, `/console/integrations/${id}`, cookie);

    expect(links(page.html)).toContain(base());
  });

  test('lists the repositories a page at a time with the cursor', async () => {
    const first = await get(t, `${base()}?pageSize=3`, cookie);
    const next = links(first.html).find((href) => href.includes('cursor='));
    const second = await get(t, next!, cookie);

    expect(first.status).toBe(200);
    expectConsoleHeaders(first);
    expect(tableRows(first.html, 'Repositories').map((row) => row[0])).toEqual(REPOSITORIES.slice(0, 3));
    expect(next).toContain('pageSize=3');
    expect(tableRows(second.html, 'Repositories').map((row) => row[0])).toEqual(REPOSITORIES.slice(3));
    expect(links(second.html).some((href) => href.includes('cursor='))).toBe(false);
    expect(links(first.html)).toContain(`${base()}?repository=library%2Fnginx`);
  });

  test('lists the tags of a repository, each linking to its resolution', async () => {
    const first = await get(t, `${base()}?repository=library/nginx&pageSize=2`, cookie);
    const next = links(first.html).find((href) => href.includes('cursor='));
    const second = await get(t, next!, cookie);

    const tags = [...tableRows(first.html, 'Tags'), ...tableRows(second.html, 'Tags')].map((row) => row[0]);
    expect(tags).toEqual(['1.25', '1.26', '1.27', 'latest']);
    expect(next).toContain('repository=library%2Fnginx');
    expect(links(first.html)).toContain(`${base()}?repository=library%2Fnginx&reference=1.25`);
  });

  test('shows what refers to a resolved image, and says when nothing does', async () => {
    const signed = await get(t, `${base()}?repository=library/nginx&reference=1.26`, cookie);
    const unsigned = await get(t, `${base()}?repository=library/nginx&reference=1.25`, cookie);

    expect(signed.status).toBe(200);
    expect(tableRows(signed.html, 'Referrers')).toEqual([
      ['application/spdx+json', digestOf(301), '900', 'org.example.format=spdx'],
    ]);
    expect(textOf(unsigned.html)).toContain('Nothing refers to this image');
  });

  test('resolves a tag to its digest, media type and platforms', async () => {
    const page = await get(t, `${base()}?repository=library/nginx&reference=1.27`, cookie);
    const text = textOf(page.html);

    expect(page.status).toBe(200);
    expect(text).toContain(`Digest ${digestOf(1)}`);
    expect(text).toContain(`Media type ${INDEX_MEDIA_TYPE}`);
    expect(tableRows(page.html, 'Platforms')).toEqual([
      ['linux/amd64', digestOf(101)],
      ['linux/arm64/v8', digestOf(102)],
    ]);
  });

  test('shows the registry’s errors as an error panel with the status, never a stack', async () => {
    const unknown = await get(t, `${base()}?repository=library/nginx&reference=9.9`, cookie);
    const down = await get(t, `/console/integrations/${broken}/registry`, cookie);
    const unsupported = await get(t, `/console/integrations/${scm}/registry`, cookie);
    const invalid = await get(t, `${base()}?repository=Not..Valid`, cookie);

    expect(unknown.status).toBe(404);
    expect(down.status).toBe(503);
    expect(unsupported.status).toBe(422);
    expect(invalid.status).toBe(400);
    for (const page of [unknown, down, unsupported, invalid]) {
      expect(page.html).toMatch(/<div class="panel error" role="alert">/);
      expect(page.html).not.toMatch(/\bat .+\.(ts|js):\d+/);
      expectConsoleHeaders(page);
    }
    expect(textOf(unsupported.html)).toContain('registry reads need a registry one');
  });

  test('another tenant gets a 404 page for the registry of an integration it cannot see', async () => {
    const intruder = await login(t, await t.token('intruder'));

    const page = await get(t, base(), intruder);

    expect(page.status).toBe(404);
    expect(page.html).not.toContain('library/nginx');
  });

  test('lists the loaded providers with types, capabilities and availability', async () => {
    const page = await get(t, '/console/providers', cookie);
    const rows = tableRows(page.html, 'Provider plugins');

    expect(page.status).toBe(200);
    expectConsoleHeaders(page);
    const inMemory = rows.find((row) => row[0] === 'in_memory');
    expect(inMemory?.[2]).toBe('scm, registry');
    expect(inMemory?.[3]).toContain('registry.resolve');
    expect(inMemory?.[4]).toBe('ok');
    expect(rows.map((row) => row[0])).toEqual(expect.arrayContaining(['github_app', 'gitlab', 'oci']));
  });
});
