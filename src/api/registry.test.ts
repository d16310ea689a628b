import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/support/app.js';
import { testDatabaseTargets } from '../../test/support/databases.js';
import { createIdGenerator } from '../core/ids.js';
import { asConnectorPlugin, type ConnectorPlugin } from '../plugins/contracts.js';
import { createInMemoryPlugin } from '../providers/in-memory/plugin.js';
import { captureLogs } from './annotate.test-kit.js';
import {
  digestOf,
  faultyRegistryPlugin,
  IMAGES,
  INDEX_MEDIA_TYPE,
  MANIFEST_MEDIA_TYPE,
  NGINX_PLATFORMS,
  noRegistryPlugin,
  REPOSITORIES,
} from './registry.test-kit.js';

const targets = await testDatabaseTargets();
const newId = createIdGenerator();

/** The in-memory plugin, counting the registry connectors it hands out (each is one read). */
function countingInMemory(): { plugin: ConnectorPlugin; reads: () => number } {
  const inner = createInMemoryPlugin();
  let reads = 0;
  const plugin = asConnectorPlugin({
    ...inner,
    registry: (context: Parameters<typeof inner.registry>[0]) => {
      reads += 1;
      return inner.registry(context);
    },
  });
  return { plugin, reads: () => reads };
}

async function register(
  t: TestApp,
  name: string,
  provider: string,
  config: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): Promise<string> {
  const response = await t.request({
    method: 'POST',
    url: '/api/v1/integrations',
    payload: { name, type: 'registry', provider, endpoint: 'https://registry.example.com', config, ...extra },
  });
  if (response.status !== 201) throw new Error(`create failed: ${JSON.stringify(response.body)}`);
  return response.body.id as string;
}

const registryUrl = (id: string, path: string, query: Record<string, string> = {}) =>
  `/api/v1/integrations/${id}/registry/${path}${Object.keys(query).length > 0 ? `?${new URLSearchParams(query)}` : ''}`;

describe.each(targets)('registry API on $dialect', (target) => {
  let t: TestApp;
  let registry: string;
  const logs = captureLogs();
  const counting = countingInMemory();
  beforeAll(async () => {
    if (!target.available) return;
    t = await startTestApp(target, {
      builtins: [counting.plugin, noRegistryPlugin(), faultyRegistryPlugin()],
      config: { pollCheckTimeoutMs: 500, relayEnabled: false },
      logger: logs.logger,
    });
    registry = await register(t, 'registry', 'in_memory', { images: IMAGES });
  });
  afterAll(async () => t?.dispose());
  const test = it.skipIf(!target.available);
  const get = (url: string, token?: string | null) =>
    t.request({ method: 'GET', url, ...(token === undefined ? {} : { token }) });

  test('pages through the repositories with cursors, with a read-only token', async () => {
    const reader = await t.token('default', ['integrations:read']);
    const pages: { items: string[]; nextCursor?: string }[] = [];
    let cursor: string | undefined;

    do {
      const response = await get(
        registryUrl(registry, 'repositories', { pageSize: '2', ...(cursor ? { cursor } : {}) }),
        reader,
      );
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      pages.push(response.body);
      cursor = response.body.nextCursor;
    } while (cursor);
    const whole = await get(registryUrl(registry, 'repositories'));

    expect(pages.map((page) => page.items)).toEqual([
      REPOSITORIES.slice(0, 2),
      REPOSITORIES.slice(2, 4),
      REPOSITORIES.slice(4),
    ]);
    expect(pages.at(-1)).not.toHaveProperty('nextCursor');
    expect(whole.body).toEqual({ items: REPOSITORIES });
  });

  test('lists the tags of a repository, a page at a time', async () => {
    const first = await get(registryUrl(registry, 'tags', { repository: 'library/nginx', pageSize: '3' }));
    const second = await get(
      registryUrl(registry, 'tags', {
        repository: 'library/nginx',
        pageSize: '3',
        cursor: first.body.nextCursor,
      }),
    );

    expect(first.status).toBe(200);
    expect(first.body).toEqual({ items: ['1.25', '1.26', '1.27'], nextCursor: '1.27' });
    expect(second.body).toEqual({ items: ['latest'] });
  });

  test('resolves a tag of an index to its digest and platforms, and a digest to its manifest', async () => {
    const byTag = await get(
      registryUrl(registry, 'resolve', { repository: 'library/nginx', reference: 'latest' }),
    );
    const byDigest = await get(
      registryUrl(registry, 'resolve', { repository: 'library/nginx', reference: digestOf(2) }),
    );

    expect(byTag.status).toBe(200);
    expect(byTag.body).toEqual({
      digest: digestOf(1),
      mediaType: INDEX_MEDIA_TYPE,
      platforms: NGINX_PLATFORMS,
    });
    expect(byDigest.status).toBe(200);
    expect(byDigest.body).toEqual({ digest: digestOf(2), mediaType: MANIFEST_MEDIA_TYPE });
  });

  test('answers 404 for an unknown integration, repository or manifest', async () => {
    const integration = await get(registryUrl(newId(), 'repositories'));
    const repository = await get(registryUrl(registry, 'tags', { repository: 'library/missing' }));
    const tag = await get(
      registryUrl(registry, 'resolve', { repository: 'library/nginx', reference: '0.1' }),
    );
    const digest = await get(
      registryUrl(registry, 'resolve', { repository: 'library/nginx', reference: digestOf(999) }),
    );

    expect([integration.status, repository.status, tag.status, digest.status]).toEqual([404, 404, 404, 404]);
    expect(integration.body.error).toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('integration'),
    });
    expect(repository.body.error.message).toBe("repository 'library/missing' was not found");
    expect(tag.body.error.message).toBe("image 'library/nginx:0.1' was not found");
    expect(digest.body.error.message).toBe(`image 'library/nginx@${digestOf(999)}' was not found`);
  });

  test("lists an image's referrers, filtered by artifact type, and refuses a bad query", async () => {
    const sbom = { digest: digestOf(901), artifactType: 'application/spdx+json', size: 700 };
    const signature = {
      digest: digestOf(902),
      artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json',
      size: 300,
      annotations: { 'dev.sigstore.cosign/signature': 'MEUC…' },
    };
    const id = await register(t, 'signed', 'in_memory', {
      images: [{ repository: 'acme/app', tag: '1.0', digest: digestOf(900), referrers: [sbom, signature] }],
    });
    const referrers = (query: Record<string, string>) =>
      get(registryUrl(id, 'referrers', { repository: 'acme/app', ...query }));

    const all = await referrers({ digest: digestOf(900) });
    const sboms = await referrers({ digest: digestOf(900), artifactType: 'application/spdx+json' });
    const unknown = await referrers({ digest: digestOf(903) });
    const bad = await Promise.all([
      referrers({ digest: 'latest' }),
      referrers({}),
      referrers({ digest: digestOf(900), artifactType: 'spdx' }),
      referrers({ digest: digestOf(900), extra: '1' }),
    ]);
    const noRegistry = await register(t, 'no-referrers', 'no_registry');
    const unsupported = await get(
      registryUrl(noRegistry, 'referrers', { repository: 'acme/app', digest: digestOf(900) }),
    );
    const malformed = await register(t, 'malformed-referrers', 'faulty_registry', { fault: 'malformed' });
    const broken = await get(
      registryUrl(malformed, 'referrers', { repository: 'acme/app', digest: digestOf(900) }),
    );

    const manifest = 'application/vnd.oci.image.manifest.v1+json';
    expect(all.status).toBe(200);
    expect(all.body).toEqual({
      source: 'referrers_api',
      items: [
        { ...sbom, mediaType: manifest },
        { ...signature, mediaType: manifest },
      ],
    });
    expect(sboms.body.items.map((item: { digest: string }) => item.digest)).toEqual([sbom.digest]);
    expect(unknown.status).toBe(404);
    expect(bad.map((a) => a.status)).toEqual([400, 400, 400, 400]);
    expect(unsupported.status).toBe(422);
    expect(unsupported.body.error.message).toContain(
      "provider 'no_registry' does not offer registry.referrers",
    );
    expect(broken.status).toBe(502);
    expect(broken.body.error.message).toBe('the provider answered with a malformed referrer list');
  });

  test('refuses with 422 registry_unsupported what the provider or integration cannot read', async () => {
    const noRegistry = await register(t, 'no-registry', 'no_registry');
    const partial = await register(t, 'partial', 'faulty_registry', { fault: 'crash' });
    const scm = await register(t, 'scm-kind', 'in_memory', { images: IMAGES }, { type: 'scm' });

    const answers = await Promise.all([
      get(registryUrl(noRegistry, 'repositories')),
      get(registryUrl(partial, 'tags', { repository: 'library/nginx' })),
      get(registryUrl(partial, 'resolve', { repository: 'library/nginx', reference: 'latest' })),
      get(registryUrl(scm, 'repositories')),
    ]);
    expect(answers.map((a) => a.status)).toEqual([422, 422, 422, 422]);
    expect(answers.map((a) => a.body.error.code)).toEqual(Array(4).fill('registry_unsupported'));
    expect(answers[0]!.body.error.message).toBe(
      "provider 'no_registry' does not offer registry.repositories: it is not a container registry provider, or cannot do this",
    );
    expect(answers[1]!.body.error.message).toContain(
      "provider 'faulty_registry' does not offer registry.tags",
    );
    expect(answers[2]!.body.error.message).toContain(
      "provider 'faulty_registry' does not offer registry.resolve",
    );
    expect(answers[3]!.body.error.message).toBe(
      "integration 'scm-kind' is a scm integration; registry reads need a registry one",
    );
  });

  test('maps registry failures: transient 503, permanent 502, as the connector classified them', async () => {
    const transient = await register(t, 'down', 'in_memory', {
      images: IMAGES,
      registryFailure: 'transient',
    });
    const permanent = await register(t, 'refused', 'in_memory', {
      images: IMAGES,
      registryFailure: 'permanent',
    });

    const retry = await get(registryUrl(transient, 'tags', { repository: 'library/nginx' }));
    const failed = await get(
      registryUrl(permanent, 'resolve', { repository: 'library/nginx', reference: '1.27' }),
    );

    expect(retry.status).toBe(503);
    expect(retry.body.error).toMatchObject({
      code: 'upstream_unavailable',
      message: 'in-memory registry: scripted transient failure',
    });
    expect(failed.status).toBe(502);
    expect(failed.body.error).toMatchObject({
      code: 'upstream_failed',
      message: 'in-memory registry: scripted permanent failure',
    });
  });

  test('turns what a connector must not throw into an upstream failure, never a 500', async () => {
    const faults = ['crash', 'throw_string', 'malformed', 'conflict', 'hang'] as const;
    const ids = await Promise.all(
      faults.map((fault) => register(t, `fault-${fault}`, 'faulty_registry', { fault })),
    );

    const answers = await Promise.all(ids.map((id) => get(registryUrl(id, 'repositories'))));

    expect(answers.map((a) => [a.status, a.body.error.code])).toEqual([
      [502, 'upstream_failed'],
      [502, 'upstream_failed'],
      [502, 'upstream_failed'],
      [502, 'upstream_failed'],
      [503, 'upstream_unavailable'],
    ]);
    expect(answers.map((a) => a.body.error.message)).toEqual([
      "provider 'faulty_registry' failed: Cannot read properties of undefined (reading 'manifests')",
      "provider 'faulty_registry' failed: registry fell over",
      'the provider answered with a malformed page of repositories',
      "provider 'faulty_registry' failed: a conflict a registry read cannot have",
      'the registry did not answer within 500 ms',
    ]);
    for (const answer of answers) expect(JSON.stringify(answer.body)).not.toMatch(/\bat .*\.ts:\d+/);
  });

  test('passes a connector’s refusal of its input on as a 400', async () => {
    const id = await register(t, 'fault-invalid', 'faulty_registry', { fault: 'invalid' });

    const response = await get(registryUrl(id, 'repositories', { cursor: 'forged' }));

    expect(response.status).toBe(400);
    expect(response.body.error).toMatchObject({
      code: 'invalid_request',
      details: [{ field: '/query/cursor', message: 'is not a cursor this registry issued' }],
    });
  });

  test('gives the plugin the credential for the registry purpose and a logger bound to the read', async () => {
    const id = await register(
      t,
      'with-credential',
      'faulty_registry',
      { fault: 'credential' },
      { credentials: 'registry-robot-password' },
    );

    const response = await get(registryUrl(id, 'repositories'));
    const audit = await waitFor(async () => {
      const page = await get(`/api/v1/audit?integrationId=${id}&purpose=registry`);
      return page.body.items.length > 0 ? page : undefined;
    });

    expect(response.body).toEqual({ items: ['credential-of-23-characters'] });
    expect(audit.body.items[0]).toMatchObject({ action: 'resolve', purpose: 'registry', outcome: 'success' });
    expect(logs.lines().find((line) => line.msg === 'faulty registry read its credential')).toMatchObject({
      integrationId: id,
      provider: 'faulty_registry',
      operation: 'registry_list_repositories',
    });
    expect(JSON.stringify(logs.lines())).not.toContain('registry-robot-password');
  });

  test('refuses bad input with 400 naming the field, before looking for the integration', async () => {
    const unknown = newId();
    const tooLong = `${'a'.repeat(250)}/bcdef`;
    const cases: [string, Record<string, string>, string][] = [
      ['tags', {}, '/query/repository'],
      ['tags', { repository: 'Library/nginx' }, '/query/repository'],
      ['tags', { repository: 'library/../etc' }, '/query/repository'],
      ['tags', { repository: 'library..nginx' }, '/query/repository'],
      ['tags', { repository: '/library/nginx' }, '/query/repository'],
      ['tags', { repository: 'library/nginx/' }, '/query/repository'],
      ['tags', { repository: tooLong }, '/query/repository'],
      ['tags', { repository: 'x'.repeat(256) }, '/query/repository'],
      ['tags', { repository: 'nginx', pageSize: '0' }, '/query/pageSize'],
      ['tags', { repository: 'nginx', pageSize: '1001' }, '/query/pageSize'],
      ['repositories', { pageSize: 'ten' }, '/query/pageSize'],
      ['repositories', { pageSize: '1.5' }, '/query/pageSize'],
      ['repositories', { cursor: '' }, '/query/cursor'],
      ['repositories', { cursor: 'c'.repeat(1025) }, '/query/cursor'],
      ['repositories', { page: '2' }, '/query/page'],
      ['resolve', { repository: 'nginx' }, '/query/reference'],
      ['resolve', { repository: 'nginx', reference: 'sha256:abc' }, '/query/reference'],
      ['resolve', { repository: 'nginx', reference: `sha256:${'A'.repeat(64)}` }, '/query/reference'],
      ['resolve', { repository: 'nginx', reference: `sha512:${'a'.repeat(64)}` }, '/query/reference'],
      ['resolve', { repository: 'nginx', reference: '.hidden' }, '/query/reference'],
      ['resolve', { repository: 'nginx', reference: 't'.repeat(129) }, '/query/reference'],
    ];
    expect(tooLong.length).toBe(256);
    const readsBefore = counting.reads();

    for (const [path, query, field] of cases) {
      const response = await get(registryUrl(unknown, path, query));

      expect(response.status, `${path} ${JSON.stringify(query).slice(0, 80)}`).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.details).toEqual([expect.objectContaining({ field })]);
    }
    const badId = await get('/api/v1/integrations/not-a-uuid/registry/repositories');
    expect(badId.status).toBe(400);
    expect(badId.body.error.details).toEqual([expect.objectContaining({ field: '/params/id' })]);
    expect(counting.reads()).toBe(readsBefore);
  });

  test('accepts the longest names and references the grammar allows', async () => {
    const repository = `${'a'.repeat(249)}/bcd-e`;
    const tags = await get(registryUrl(registry, 'tags', { repository, pageSize: '1000' }));
    const resolve = await get(
      registryUrl(registry, 'resolve', {
        repository: 'library/nginx',
        reference: `sha512:${'f'.repeat(128)}`,
      }),
    );

    expect(repository.length).toBe(255);
    expect(tags.status).toBe(404);
    expect(resolve.status).toBe(404);
  });

  test('needs a token, and hides another tenant’s integration', async () => {
    const intruder = await t.token('intruder', ['integrations:admin']);

    const anonymous = await get(registryUrl(registry, 'repositories'), null);
    const forged = await get(registryUrl(registry, 'repositories'), `intg_${'z'.repeat(43)}`);
    const other = await Promise.all([
      get(registryUrl(registry, 'repositories'), intruder),
      get(registryUrl(registry, 'tags', { repository: 'library/nginx' }), intruder),
      get(registryUrl(registry, 'resolve', { repository: 'library/nginx', reference: 'latest' }), intruder),
    ]);

    expect([anonymous.status, forged.status]).toEqual([401, 401]);
    expect(other.map((a) => a.status)).toEqual([404, 404, 404]);
    expect(other[0]!.body.error.code).toBe('not_found');
  });

  test('counts reads by provider, operation and status, logs one line each, and documents the routes', async () => {
    const metrics = await get('/metrics', null);
    const document = await get('/openapi.json', null);

    expect(metrics.body).toMatch(
      /integrations_registry_requests_total\{provider="in_memory",operation="list_repositories",status="success"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /integrations_registry_requests_total\{provider="in_memory",operation="resolve",status="not_found"\} [1-9]/,
    );
    expect(metrics.body).toMatch(
      /integrations_registry_requests_total\{provider="faulty_registry",operation="list_repositories",status="transient_failure"\} 1/,
    );
    expect(metrics.body).toContain(
      'integrations_registry_request_duration_seconds_count{provider="in_memory",operation="list_tags"}',
    );
    const lines = logs
      .lines()
      .filter((line) => line.msg === 'registry read' || line.msg === 'registry read failed');
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'info',
        msg: 'registry read',
        integrationId: registry,
        tenantId: 'default',
        provider: 'in_memory',
        operation: 'resolve',
        repository: 'library/nginx',
        reference: 'latest',
        status: 'success',
        durationMs: expect.any(Number),
      }),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        msg: 'registry read failed',
        provider: 'in_memory',
        operation: 'resolve',
        status: 'permanent_failure',
        errorMessage: 'in-memory registry: scripted permanent failure',
      }),
    );
    expect(Object.keys(document.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/integrations/{id}/registry/repositories',
        '/api/v1/integrations/{id}/registry/tags',
        '/api/v1/integrations/{id}/registry/resolve',
        '/api/v1/integrations/{id}/registry/referrers',
      ]),
    );
    const tagsQuery = document.body.paths['/api/v1/integrations/{id}/registry/tags'].get.parameters;
    expect(tagsQuery).toContainEqual(
      expect.objectContaining({
        in: 'query',
        name: 'repository',
        required: true,
        schema: expect.objectContaining({ maxLength: 255, pattern: expect.stringContaining('[a-z0-9]+') }),
      }),
    );
  });
});

describe('registry API offline', () => {
  const sqlite = targets[0]!;

  it('reads nothing and answers 503 offline, after the same checks as online', async () => {
    const counting = countingInMemory();
    const t = await startTestApp(sqlite, {
      builtins: [counting.plugin, noRegistryPlugin()],
      config: { offline: true, relayEnabled: false },
    });
    try {
      const id = await register(t, 'offline', 'in_memory', { images: IMAGES });
      const noRegistry = await register(t, 'no-registry', 'no_registry');

      const answers = await Promise.all([
        t.request({ method: 'GET', url: registryUrl(id, 'repositories') }),
        t.request({ method: 'GET', url: registryUrl(id, 'tags', { repository: 'library/nginx' }) }),
        t.request({
          method: 'GET',
          url: registryUrl(id, 'resolve', { repository: 'library/nginx', reference: 'latest' }),
        }),
      ]);
      const unsupported = await t.request({ method: 'GET', url: registryUrl(noRegistry, 'repositories') });
      const metrics = await t.request({ method: 'GET', url: '/metrics', token: null });

      expect(answers.map((a) => [a.status, a.body.error.code])).toEqual(Array(3).fill([503, 'offline']));
      expect(answers[0]!.body.error.message).toBe(
        'offline mode: GET https://registry.example.com/ was not sent',
      );
      expect(counting.reads()).toBe(0);
      expect(unsupported.status).toBe(422);
      expect(metrics.body).toMatch(
        /integrations_registry_requests_total\{provider="in_memory",operation="list_tags",status="skipped_offline"\} 1/,
      );
    } finally {
      await t.dispose();
    }
  });
});

/** The audit trail writes resolutions in batches: wait for them to land. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 5_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((done) => setTimeout(done, 50));
  }
}
