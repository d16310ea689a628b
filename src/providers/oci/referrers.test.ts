import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type PushedImage,
  type PushedReferrer,
  pushImage,
  pushReferrer,
  REGISTRY_USERS,
  registryToolsAvailable,
  startRegistry,
  type TestRegistry,
} from '../../../test/support/registry.js';
import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { referrersTag } from '../../core/registry-names.js';
import { type LoopbackServer, startServer } from '../../net/loopback-server.test-kit.js';
import { RegistryProtocolError } from './errors.js';
import { loopbackClient, ociContext } from './oci.test-kit.js';
import { createOciPlugin } from './plugin.js';
import { MEDIA_TYPES } from './wire.js';

/**
 * A manifest's referrers: on a real registry without the referrers API (distribution 2.8), from the
 * referrers tag that pushing clients keep; and the referrers API itself, with its filter and pages,
 * on a loopback registry answering by hand, with what a broken or hostile one may send.
 */

const available = await registryToolsAvailable();
const SPDX = 'application/spdx+json';
const COSIGN = 'application/vnd.dev.cosign.artifact.sig.v1+json';
const digestOf = (char: string) => `sha256:${char.repeat(64)}`;

describe.skipIf(!available).each(['none', 'basic'] as const)(
  'referrers on a real registry, auth %s',
  (auth) => {
    let registry: TestRegistry;
    let image: PushedImage;
    let other: PushedImage;
    let sbom: PushedReferrer;
    let signature: PushedReferrer;
    const http = loopbackClient();
    const user = auth === 'basic' ? ('admin' as const) : undefined;
    const connector = () =>
      createOciPlugin().registry!(
        ociContext({
          endpoint: registry.url,
          http,
          ...(user ? { username: user, password: REGISTRY_USERS[user] } : {}),
        }),
      );

    beforeAll(async () => {
      registry = await startRegistry({ auth });
      image = await pushImage(registry, { repository: 'acme/app', tag: '1.0', format: 'oci', user });
      other = await pushImage(registry, {
        repository: 'acme/app',
        tag: '2.0',
        format: 'oci',
        content: 'two',
        user,
      });
      sbom = await pushReferrer(registry, {
        repository: 'acme/app',
        subject: image,
        artifactType: SPDX,
        content: '{"spdxVersion":"SPDX-2.3"}',
        annotations: { 'org.opencontainers.image.created': '2026-11-27T12:00:00Z' },
        user,
      });
      signature = await pushReferrer(registry, {
        repository: 'acme/app',
        subject: image,
        artifactType: COSIGN,
        content: 'signature',
        user,
      });
      // Pushed by a client that did not keep the referrers tag: a registry without the API cannot know it.
      await pushReferrer(registry, {
        repository: 'acme/app',
        subject: image,
        artifactType: 'application/vnd.example.untracked',
        content: 'untracked',
        user,
        skipTag: true,
      });
    }, 60_000);
    afterAll(async () => {
      await registry?.stop();
      await http.close();
    });

    it('lists them from the referrers tag, in the order they were attached', async () => {
      const list = await connector().listReferrers!('acme/app', image.digest);

      expect(list).toEqual({
        source: 'tag_schema',
        items: [
          {
            digest: sbom.digest,
            mediaType: MEDIA_TYPES.ociManifest,
            size: sbom.size,
            artifactType: SPDX,
            annotations: { 'org.opencontainers.image.created': '2026-11-27T12:00:00Z' },
          },
          {
            digest: signature.digest,
            mediaType: MEDIA_TYPES.ociManifest,
            size: signature.size,
            artifactType: COSIGN,
          },
        ],
      });
    });

    it('filters by artifact type', async () => {
      const list = await connector().listReferrers!('acme/app', image.digest, { artifactType: COSIGN });

      expect(list.items.map((item) => item.digest)).toEqual([signature.digest]);
    });

    it('finds none for a manifest nothing refers to, and none of another type', async () => {
      expect(await connector().listReferrers!('acme/app', other.digest)).toEqual({
        items: [],
        source: 'tag_schema',
      });
      expect(
        (await connector().listReferrers!('acme/app', image.digest, { artifactType: 'application/vnd.none' }))
          .items,
      ).toEqual([]);
    });

    it('says an unknown repository is not found', async () => {
      await expect(connector().listReferrers!('acme/nothing', image.digest)).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });

    it('refuses a digest or artifact type that is not one before asking the registry', async () => {
      await expect(connector().listReferrers!('acme/app', 'sha256:abc')).rejects.toBeInstanceOf(
        InvalidInputError,
      );
      await expect(connector().listReferrers!('acme/app', '1.0')).rejects.toBeInstanceOf(InvalidInputError);
      await expect(
        connector().listReferrers!('acme/app', image.digest, { artifactType: 'not a type' }),
      ).rejects.toBeInstanceOf(InvalidInputError);
      await expect(connector().listReferrers!('Acme/App', image.digest)).rejects.toBeInstanceOf(
        InvalidInputError,
      );
    });
  },
);

describe('the referrers API, answered by hand', () => {
  const servers: LoopbackServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  const requests: string[] = [];

  async function registryAnswering(
    route: (request: IncomingMessage, response: ServerResponse) => void,
  ): Promise<LoopbackServer> {
    requests.length = 0;
    const server = await startServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/v2/') return response.writeHead(200).end('{}');
      route(request, response);
    });
    servers.push(server);
    return server;
  }
  const index =
    (manifests: unknown, headers: Record<string, string> = {}) =>
    (response: ServerResponse) =>
      response
        .writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex, ...headers })
        .end(JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests }));
  const entry = (char: string, artifactType?: string) => ({
    mediaType: MEDIA_TYPES.ociManifest,
    digest: digestOf(char),
    size: 500,
    ...(artifactType ? { artifactType } : {}),
  });
  const list = (server: LoopbackServer, options = {}) =>
    createOciPlugin().registry!(ociContext({ endpoint: server.url('/') })).listReferrers!(
      'acme/app',
      digestOf('a'),
      options,
    );

  it('reads the API, asks it to filter and trusts a filter it says it applied', async () => {
    const server = await registryAnswering((_request, response) =>
      index([entry('b', SPDX)], { 'oci-filters-applied': 'artifactType' })(response),
    );

    const result = await list(server, { artifactType: SPDX });

    expect(result).toEqual({ source: 'referrers_api', items: [entry('b', SPDX)] });
    expect(requests.at(-1)).toBe(
      `/v2/acme/app/referrers/${digestOf('a')}?artifactType=${encodeURIComponent(SPDX)}`,
    );
  });

  it('filters itself when the registry did not', async () => {
    const server = await registryAnswering((_request, response) =>
      index([entry('b', SPDX), entry('c', COSIGN), entry('d')])(response),
    );

    expect((await list(server, { artifactType: COSIGN })).items).toEqual([entry('c', COSIGN)]);
    expect((await list(server)).items).toHaveLength(3);
  });

  it('follows the pages the registry links, and no further than 20', async () => {
    let served = 0;
    const server = await registryAnswering((request, response) => {
      served += 1;
      const page = Number(new URL(request.url!, 'http://x').searchParams.get('page') ?? '1');
      const link = `</v2/acme/app/referrers/${digestOf('a')}?page=${page + 1}>; rel="next"`;
      index([entry(String(page % 10), SPDX)], page < 3 ? { link } : {})(response);
    });
    expect((await list(server)).items.map((item) => item.digest)).toEqual([
      digestOf('1'),
      digestOf('2'),
      digestOf('3'),
    ]);

    const endless = await registryAnswering((request, response) => {
      const page = Number(new URL(request.url!, 'http://x').searchParams.get('page') ?? '1');
      index([], { link: `</v2/acme/app/referrers/${digestOf('a')}?page=${page + 1}>; rel="next"` })(response);
    });
    await expect(list(endless)).rejects.toThrow(/more than 20 pages/);
    expect(served).toBe(3);
  });

  it('falls back to the referrers tag on a 404, and takes a tag that holds no index as no referrers', async () => {
    const tagPath = `/v2/acme/app/manifests/${referrersTag(digestOf('a'))}`;
    const server = await registryAnswering((request, response) => {
      if (request.url === tagPath)
        return response
          .writeHead(200, { 'content-type': MEDIA_TYPES.ociManifest })
          .end(JSON.stringify({ schemaVersion: 2, layers: [] }));
      response
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"errors":[{"code":"UNSUPPORTED"}]}');
    });

    expect(await list(server)).toEqual({ items: [], source: 'tag_schema' });
    expect(requests.slice(-2)).toEqual([`/v2/acme/app/referrers/${digestOf('a')}`, tagPath]);
  });

  it.each([
    ['a body that is not JSON', 'not json', /did not answer JSON/],
    ['an array', '[]', /did not answer an image index/],
    ['manifests that are not a list', '{"manifests":{}}', /'manifests' that is not a list/],
    ['a descriptor without a digest', '{"manifests":[{"mediaType":"a/b","size":1}]}', /no valid digest/],
    [
      'a bad media type',
      `{"manifests":[{"mediaType":"nope","size":1,"digest":"${digestOf('b')}"}]}`,
      /no valid mediaType/,
    ],
    [
      'a negative size',
      `{"manifests":[{"mediaType":"a/b","size":-1,"digest":"${digestOf('b')}"}]}`,
      /no valid size/,
    ],
    [
      'an artifact type that is no media type',
      `{"manifests":[{"mediaType":"a/b","size":1,"digest":"${digestOf('b')}","artifactType":7}]}`,
      /artifactType that is not a media type/,
    ],
    [
      'annotations that are not strings',
      `{"manifests":[{"mediaType":"a/b","size":1,"digest":"${digestOf('b')}","annotations":{"k":1}}]}`,
      /annotation that is not a string/,
    ],
  ])('refuses %s as a protocol error', async (_what, body, message) => {
    const server = await registryAnswering((_request, response) =>
      response.writeHead(200, { 'content-type': MEDIA_TYPES.ociIndex }).end(body),
    );

    const error = await list(server).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(RegistryProtocolError);
    expect((error as Error).message).toMatch(message);
  });

  it('keeps at most 64 annotations of at most 4096 characters each', async () => {
    const annotations = Object.fromEntries(
      Array.from({ length: 70 }, (_, i) => [
        `k${String(i).padStart(2, '0')}`,
        i === 0 ? 'x'.repeat(5000) : 'v',
      ]),
    );
    const server = await registryAnswering((_request, response) =>
      index([{ ...entry('b', SPDX), annotations }])(response),
    );

    const [referrer] = (await list(server)).items;

    expect(Object.keys(referrer!.annotations!)).toHaveLength(64);
    expect(referrer!.annotations!.k00).toBeUndefined();
  });
});
