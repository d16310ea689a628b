import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  makeTempDir,
  removeTempDirs,
  runCli,
  type ServiceProcess,
  startService,
  stopAllServices,
} from './support/process.js';

const ADMIN_TOKEN = `intg_${'d'.repeat(43)}`;
const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;
const INDEX = 'application/vnd.oci.image.index.v1+json';
const PLATFORMS = [
  { digest: digest(101), os: 'linux', architecture: 'amd64' },
  { digest: digest(102), os: 'linux', architecture: 'arm64', variant: 'v8' },
];
const IMAGES = [
  { repository: 'library/nginx', tag: '1.27', digest: digest(1), mediaType: INDEX, platforms: PLATFORMS },
  { repository: 'library/nginx', tag: 'latest', digest: digest(1), mediaType: INDEX, platforms: PLATFORMS },
  {
    repository: 'library/nginx',
    tag: '1.26',
    digest: digest(2),
    referrers: [
      { digest: digest(201), artifactType: 'application/spdx+json', size: 1234 },
      { digest: digest(202), artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json', size: 321 },
    ],
  },
  { repository: 'library/alpine', tag: '3.20', digest: digest(3) },
  { repository: 'team/app', tag: 'v1', digest: digest(4) },
  { repository: 'team/worker', tag: 'v1', digest: digest(5) },
  { repository: 'zeta', tag: 'v1', digest: digest(6) },
];
const REPOSITORIES = ['library/alpine', 'library/nginx', 'team/app', 'team/worker', 'zeta'];

let service: ServiceProcess;
const cli = (args: string[], url = service.url) => runCli(['--url', url, '--token', ADMIN_TOKEN, ...args]);
const create = async (name: string, type: string, config: Record<string, unknown>) => {
  const created = await cli([
    'create',
    '--name',
    name,
    '--type',
    type,
    '--provider',
    'in_memory',
    '--endpoint',
    'https://registry.example.com',
    '--config',
    JSON.stringify(config),
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
};

beforeAll(async () => {
  service = await startService({
    INTEGRATIONS_DATA_DIR: makeTempDir(),
    INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  await create('hub', 'registry', { images: IMAGES });
  await create('hub-down', 'registry', { images: IMAGES, registryFailure: 'transient' });
  await create('scm-demo', 'scm', { images: IMAGES });
});

afterAll(async () => {
  await stopAllServices();
  removeTempDirs();
});

describe('integrations registry', () => {
  it('repositories prints a page as a table and says on stderr how to get the next one', async () => {
    const result = await cli(['registry', 'repositories', 'hub', '--page-size', '2']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trimEnd().split('\n')).toEqual(['REPOSITORY', 'library/alpine', 'library/nginx']);
    expect(result.stderr).toBe(
      "more: integrations registry repositories hub --cursor 'library/nginx' (or --all)\n",
    );
  });

  it('repositories --all follows every page; --cursor starts after one; --json prints the page', async () => {
    const all = await cli(['registry', 'repositories', 'hub', '--page-size', '2', '--all', '--json']);
    const next = await cli([
      '--json',
      'registry',
      'repositories',
      'hub',
      '--page-size',
      '2',
      '--cursor',
      'library/nginx',
    ]);

    expect(all.code, all.stderr).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ items: REPOSITORIES });
    expect(all.stderr).toBe('');
    expect(next.code, next.stderr).toBe(0);
    expect(JSON.parse(next.stdout)).toEqual({
      items: ['team/app', 'team/worker'],
      nextCursor: 'team/worker',
    });
  });

  it('tags lists the tags of a repository', async () => {
    const table = await cli(['registry', 'tags', 'hub', 'library/nginx']);
    const json = await cli([
      'registry',
      'tags',
      'hub',
      'library/nginx',
      '--page-size',
      '1',
      '--all',
      '--json',
    ]);

    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trimEnd().split('\n')).toEqual(['TAG', '1.26', '1.27', 'latest']);
    expect(JSON.parse(json.stdout)).toEqual({ items: ['1.26', '1.27', 'latest'] });
  });

  it('resolve prints the digest, media type and platforms of a tag, and resolves a digest', async () => {
    const byTag = await cli(['registry', 'resolve', 'hub', 'library/nginx', 'latest']);
    const byDigest = await cli(['registry', 'resolve', 'hub', 'library/nginx', digest(2), '--json']);

    expect(byTag.code, byTag.stderr).toBe(0);
    expect(byTag.stdout).toMatch(new RegExp(`^digest\\s+${digest(1)}$`, 'm'));
    expect(byTag.stdout).toMatch(/^mediaType\s+application\/vnd\.oci\.image\.index\.v1\+json$/m);
    expect(byTag.stdout).toMatch(/^PLATFORM\s+DIGEST$/m);
    expect(byTag.stdout).toMatch(new RegExp(`^linux/arm64/v8\\s+${digest(102)}$`, 'm'));
    expect(byDigest.code, byDigest.stderr).toBe(0);
    expect(JSON.parse(byDigest.stdout)).toEqual({
      digest: digest(2),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
  });

  it('referrers prints the artifacts attached to a digest, filtered by type, and checks its input', async () => {
    const port = await closedPort();
    const table = await cli(['registry', 'referrers', 'hub', 'library/nginx', digest(2)]);
    const json = await cli([
      'registry',
      'referrers',
      'hub',
      'library/nginx',
      digest(2),
      '--artifact-type',
      'application/spdx+json',
      '--json',
    ]);
    const none = await cli(['registry', 'referrers', 'hub', 'library/alpine', digest(3)]);
    const badDigest = await cli(
      ['registry', 'referrers', 'hub', 'library/nginx', 'latest'],
      `http://127.0.0.1:${port}`,
    );
    const badType = await cli(
      ['registry', 'referrers', 'hub', 'library/nginx', digest(2), '--artifact-type', 'spdx'],
      `http://127.0.0.1:${port}`,
    );

    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^ARTIFACT TYPE\s+DIGEST\s+SIZE$/),
      expect.stringMatching(new RegExp(`^application/spdx\\+json\\s+${digest(201)}\\s+1234$`)),
      expect.stringMatching(
        new RegExp(`^application/vnd\\.dev\\.cosign\\.artifact\\.sig\\.v1\\+json\\s+${digest(202)}\\s+321$`),
      ),
    ]);
    expect(JSON.parse(json.stdout)).toEqual({
      source: 'referrers_api',
      items: [
        {
          digest: digest(201),
          artifactType: 'application/spdx+json',
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          size: 1234,
        },
      ],
    });
    expect(none.stdout).toBe('no referrers\n');
    expect([badDigest.code, badType.code]).toEqual([2, 2]);
    expect(badDigest.stderr).toContain("'latest' is not a digest");
    expect(badType.stderr).toContain("--artifact-type 'spdx' is not a media type");
  });

  it('exits 4 for an unknown integration, repository or manifest', async () => {
    const integration = await cli(['registry', 'repositories', 'nowhere']);
    const repository = await cli(['registry', 'tags', 'hub', 'library/missing']);
    const manifest = await cli(['registry', 'resolve', 'hub', 'library/nginx', '0.1']);

    expect([integration.code, repository.code, manifest.code]).toEqual([4, 4, 4]);
    expect(integration.stderr).toContain("no integration named 'nowhere'");
    expect(repository.stderr).toMatch(
      /^error: repository 'library\/missing' was not found \(trace [0-9a-f]{32}\)$/m,
    );
    expect(manifest.stderr).toContain("image 'library/nginx:0.1' was not found");
  });

  it('refuses a bad repository, reference or page size with exit 2 before calling the service', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;

    const upper = await cli(['registry', 'tags', 'hub', 'Library/nginx'], url);
    const dots = await cli(['registry', 'tags', 'hub', 'library/../etc'], url);
    const digestShort = await cli(['registry', 'resolve', 'hub', 'library/nginx', 'sha256:abc'], url);
    const size = await cli(['registry', 'repositories', 'hub', '--page-size', '0'], url);

    expect([upper.code, dots.code, digestShort.code, size.code]).toEqual([2, 2, 2, 2]);
    expect(upper.stderr).toContain("'Library/nginx' is not a repository name");
    expect(digestShort.stderr).toContain("'sha256:abc' is not a tag or digest");
    expect(size.stderr).toContain('--page-size must be a whole number from 1 to 1000');
  });

  it('exits 6 when the registry fails and 5 when the integration cannot be read as a registry', async () => {
    const down = await cli(['registry', 'tags', 'hub-down', 'library/nginx']);
    const scm = await cli(['registry', 'repositories', 'scm-demo']);

    expect(down.code).toBe(6);
    expect(down.stderr).toContain('in-memory registry: scripted transient failure');
    expect(scm.code).toBe(5);
    expect(scm.stderr).toContain(
      "integration 'scm-demo' is a scm integration; registry reads need a registry one",
    );
  });
});
