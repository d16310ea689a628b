import { afterAll, describe, expect, it } from 'vitest';
import { testHttpClient } from '../../../test/support/http.js';
import { silentLogger } from '../../core/logger.js';
import { runConnectorContract } from '../../plugins/contract.test-kit.js';
import { asConnectorPlugin } from '../../plugins/contracts.js';
import { loadPlugins } from '../../plugins/loader.js';
import { noCredentials } from '../../secrets/index.js';
import type { InMemoryConfig } from './config.js';
import { createInMemoryPlugin } from './plugin.js';

const digest = `sha256:${'1'.repeat(64)}`;
const base = {
  id: null,
  tenantId: 'default',
  type: 'scm' as const,
  endpoint: 'https://scm.example.com',
  authRef: null,
};

runConnectorContract('in_memory', {
  setup: async () => ({
    plugin: asConnectorPlugin(createInMemoryPlugin()),
    working: {
      ...base,
      name: 'working',
      config: { images: [{ repository: 'library/nginx', tag: '1.27', digest }] },
    },
    failing: { ...base, name: 'failing', config: { health: 'failing', scmFailure: 'transient' } },
    invalidConfigs: [
      { config: { health: 'bad' }, field: '/config/health' },
      { config: { delayMs: -1 }, field: '/config/delayMs' },
      { config: { unknown: true }, field: '/config/unknown' },
      {
        config: { images: [{ repository: 'x', tag: 'y', digest: 'md5:1' }] },
        field: '/config/images/0/digest',
      },
    ],
    registryImage: { repository: 'library/nginx', tag: '1.27', digest },
  }),
});

describe('in-memory provider', () => {
  const http = testHttpClient();
  afterAll(() => http.close());
  const context = async (config: Record<string, unknown>, signal = AbortSignal.timeout(10_000)) => {
    const plugin = createInMemoryPlugin();
    const registry = await loadPlugins([asConnectorPlugin(plugin)], [], silentLogger);
    const validated = registry.validateConfig('in_memory', 'scm', config);
    return {
      plugin,
      context: {
        integration: { ...base, id: 'i-1', name: 'x', config: validated as InMemoryConfig },
        logger: silentLogger,
        signal,
        http,
        credentials: noCredentials,
        now: () => new Date(),
      },
    };
  };

  it('reports scripted degraded health', async () => {
    const { plugin, context: ctx } = await context({ health: 'degraded', message: 'quota low' });

    const health = await plugin.checkHealth(ctx);

    expect(health).toEqual({ status: 'degraded', message: 'quota low' });
  });

  it('is slow when told, and stops when aborted', async () => {
    const { plugin, context: ctx } = await context({ health: 'slow' }, AbortSignal.timeout(50));
    const started = performance.now();

    const outcome = plugin.checkHealth(ctx);

    await expect(outcome).rejects.toThrow();
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('records comments per pull request and adds a new one when updateExisting is false', async () => {
    const { plugin, context: ctx } = await context({});
    const client = plugin.scm(ctx);
    const request = { owner: 'o', repository: 'r', pullRequestNumber: 1, body: 'one' };

    await client.postComment(request);
    await client.postComment({ ...request, body: 'two' });
    await client.postComment({ ...request, body: 'three', updateExisting: false });
    await client.postComment({ ...request, pullRequestNumber: 2 });

    const state = plugin.scmState('i-1');
    expect(state.comments.map((c) => [c.pullRequest, c.body])).toEqual([
      ['o/r#1', 'two'],
      ['o/r#1', 'three'],
      ['o/r#2', 'one'],
    ]);
    expect(state.writes).toBe(4);
  });

  it('keeps one comment per marker, ensures check runs, and shows what it received', async () => {
    const { plugin, context: ctx } = await context({});
    const client = plugin.scm(ctx);
    const marked = (key: string, text: string) =>
      `<!-- integrations-catalog:annotation key=${key} -->\n${text}`;
    const comment = { owner: 'o', repository: 'r', pullRequestNumber: 1 };
    const run = { owner: 'o', repository: 'r', headSha: 'c', name: 'scan', conclusion: 'failure' };

    await client.postComment({ ...comment, body: marked('trivy', 'one') });
    await client.postComment({ ...comment, body: marked('semgrep', 'two') });
    await client.postComment({ ...comment, body: marked('trivy', 'three') });
    const created = await client.createCheckRun(run);
    const same = await client.createCheckRun({
      conclusion: 'failure',
      name: 'scan',
      headSha: 'c',
      repository: 'r',
      owner: 'o',
    });
    const changed = await client.createCheckRun({ ...run, conclusion: 'success' });

    const recorded = plugin.inspectScm(ctx);
    expect(recorded.comments.map((c) => [c.id, c.body.split('\n')[1], c.updates])).toEqual([
      ['1', 'three', 1],
      ['2', 'two', 0],
    ]);
    expect([created, same, changed].map((r) => r.result?.action)).toEqual([
      'created',
      'unchanged',
      'updated',
    ]);
    expect(recorded.checkRuns).toEqual([{ ...run, conclusion: 'success', id: '1', updates: 1 }]);
    expect(recorded.writes).toBe(5);
  });

  it('reports a permanent scripted failure as not transient', async () => {
    const { plugin, context: ctx } = await context({ scmFailure: 'permanent' });

    const result = await plugin
      .scm(ctx)
      .postStatus({ owner: 'o', repository: 'r', commitSha: 'c', state: 'success', context: 'x' });

    expect(result).toMatchObject({ success: false, isTransient: false, skippedOffline: false });
  });

  it('pages the registry with a cursor', async () => {
    const images = ['a', 'b', 'c'].map((repository) => ({ repository, tag: 'latest', digest }));
    const { plugin, context: ctx } = await context({ images });
    const registry = plugin.registry(ctx);

    const first = await registry.listRepositories({ pageSize: 2 });
    const second = await registry.listRepositories({ pageSize: 2, cursor: first.nextCursor });

    expect(first).toEqual({ items: ['a', 'b'], nextCursor: 'b' });
    expect(second).toEqual({ items: ['c'] });
    await expect(registry.resolveReference('a', 'missing')).rejects.toThrow(/not found/);
  });

  it('resolves an index with its platforms, and names a missing digest with @', async () => {
    const platforms = [
      { digest: `sha256:${'2'.repeat(64)}`, os: 'linux', architecture: 'arm64', variant: 'v8' },
    ];
    const mediaType = 'application/vnd.oci.image.index.v1+json';
    const { plugin, context: ctx } = await context({
      images: [{ repository: 'a', tag: 'multi', digest, mediaType, platforms }],
    });
    const registry = plugin.registry(ctx);

    const byTag = await registry.resolveReference('a', 'multi');
    const byDigest = await registry.resolveReference('a', digest);

    expect(byTag).toEqual({ digest, mediaType, platforms });
    expect(byDigest).toEqual(byTag);
    await expect(registry.resolveReference('a', `sha256:${'9'.repeat(64)}`)).rejects.toThrow(
      `image 'a@sha256:${'9'.repeat(64)}' was not found`,
    );
  });

  it('fails every registry read as scripted, transient or permanent', async () => {
    const images = [{ repository: 'a', tag: 'latest', digest }];
    const down = (await context({ images, registryFailure: 'transient' })).context;
    const refused = (await context({ images, registryFailure: 'permanent' })).context;
    const plugin = createInMemoryPlugin();

    const transient = plugin.registry(down).listTags('a');
    const permanent = plugin.registry(refused).resolveReference('a', 'latest');

    await expect(transient).rejects.toMatchObject({ code: 'upstream_unavailable', isTransient: true });
    await expect(permanent).rejects.toMatchObject({ code: 'upstream_failed', isTransient: false });
  });
});
