import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { TestRegistry } from '../registry.js';
import {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  type RegistryUser,
} from './constants.js';
import { run, tempDir } from './tools.js';

/*
 * `pushImage` and the images it pushes: for each platform a tiny valid image (one gzipped layer holding
 * one file, built byte by byte so its digests are known), written as an OCI layout or skopeo's `dir:`
 * layout and pushed to a test registry with `skopeo copy --preserve-digests`, as one manifest or as an
 * index or manifest list of one manifest per platform.
 */

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

export interface PushImageOptions {
  readonly repository: string;
  readonly tag: string;
  /** `oci`: OCI manifest or image index; `docker`: Docker schema 2 manifest or manifest list. */
  readonly format: 'oci' | 'docker';
  /** One (default linux/amd64) pushes a manifest; more push an index or list of one manifest each. */
  readonly platforms?: readonly Platform[];
  /** Pushes with this user's credentials; anonymously without. */
  readonly user?: RegistryUser;
  /** Text in the image's one file (default `hello`); another text makes other layers and digests. */
  readonly content?: string;
}

export interface PushedManifest {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly platform: Platform;
}

export interface PushedImage {
  /** The digest skopeo reports, which is also the sha256 of the bytes we wrote (digests preserved). */
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  /** The manifests of an index or manifest list. */
  readonly manifests?: readonly PushedManifest[];
}

interface Blob {
  readonly digest: string;
  readonly size: number;
  readonly bytes: Buffer;
}

const blobOf = (bytes: Buffer): Blob => ({
  digest: `sha256:${createHash('sha256').update(bytes).digest('hex')}`,
  size: bytes.length,
  bytes,
});

const jsonBlob = (value: unknown) => blobOf(Buffer.from(JSON.stringify(value)));

/** A ustar archive of one regular file. */
function tarFile(name: string, content: Buffer): Buffer {
  const header = Buffer.alloc(512);
  const put = (offset: number, length: number, value: string) => header.write(value, offset, length, 'ascii');
  const octal = (value: number, length: number) => `${value.toString(8).padStart(length - 1, '0')}\0`;
  put(0, 100, name);
  put(100, 8, octal(0o644, 8));
  put(108, 8, octal(0, 8));
  put(116, 8, octal(0, 8));
  put(124, 12, octal(content.length, 12));
  put(136, 12, octal(0, 12));
  header.fill(' ', 148, 156); // the checksum is computed with its own field as spaces
  put(156, 1, '0');
  put(257, 6, 'ustar\0');
  put(263, 2, '00');
  put(
    148,
    8,
    `${octal(
      header.reduce((sum, byte) => sum + byte, 0),
      7,
    )} `,
  );
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

// Layers are the same for every push of the same text; gzip once per process.
const layers = new Map<string, { blob: Blob; diffId: string }>();

function layerOf(text: string): { blob: Blob; diffId: string } {
  let layer = layers.get(text);
  if (!layer) {
    const tar = tarFile('hello.txt', Buffer.from(text));
    layer = { blob: blobOf(gzipSync(tar)), diffId: blobOf(tar).digest };
    layers.set(text, layer);
  }
  return layer;
}

const platformName = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

function buildImage(platform: Platform, content: string, docker: boolean) {
  const layer = layerOf(`${content} from ${platformName(platform)}\n`);
  const created = '2024-01-01T00:00:00Z';
  const config = jsonBlob({
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: {},
    rootfs: { type: 'layers', diff_ids: [layer.diffId] },
    history: [{ created, created_by: 'pushImage' }],
  });
  const mediaType = docker ? DOCKER_MANIFEST : OCI_MANIFEST;
  const manifest = jsonBlob({
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? DOCKER_CONFIG : OCI_CONFIG, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: docker ? DOCKER_LAYER_GZIP : OCI_LAYER_GZIP,
        digest: layer.blob.digest,
        size: layer.blob.size,
      },
    ],
  });
  return { manifest, mediaType, blobs: [config, layer.blob] };
}

/**
 * Builds a tiny image (one gzipped layer holding one file) for each platform and pushes it with
 * `skopeo copy --preserve-digests` as `<repository>:<tag>`. OCI images go from an OCI layout; Docker
 * ones from skopeo's `dir:` layout, because skopeo's `oci:` source only looks at OCI media types and
 * `--format v2s2` is silently ignored together with `--preserve-digests` (skopeo 1.9).
 *
 * @example
 * const image = await pushImage(registry, { repository: 'acme/app', tag: 'v1', format: 'oci', user: 'admin' });
 * // image.digest: 'sha256:…', image.mediaType: OCI_MANIFEST
 */
export async function pushImage(registry: TestRegistry, options: PushImageOptions): Promise<PushedImage> {
  const platforms = options.platforms ?? [{ os: 'linux', architecture: 'amd64' }];
  if (platforms.length === 0) throw new Error('pushImage needs at least one platform');
  const docker = options.format === 'docker';
  const images = platforms.map((platform) => ({
    platform,
    ...buildImage(platform, options.content ?? 'hello', docker),
  }));
  const single = images.length === 1 ? images[0] : undefined;
  const listType = docker ? DOCKER_MANIFEST_LIST : OCI_INDEX;
  const top = single
    ? { blob: single.manifest, mediaType: single.mediaType }
    : {
        blob: jsonBlob({
          schemaVersion: 2,
          mediaType: listType,
          manifests: images.map((image) => ({
            mediaType: image.mediaType,
            digest: image.manifest.digest,
            size: image.manifest.size,
            platform: image.platform,
          })),
        }),
        mediaType: listType,
      };

  const work = tempDir('test-image-');
  try {
    const layout = join(work.path, 'image');
    const source = docker
      ? writeDirLayout(layout, top.blob, images)
      : writeOciLayout(layout, options.tag, top, images);
    const digestFile = join(work.path, 'digest');
    const credentials = options.user
      ? ['--dest-creds', `${options.user}:${registry.users[options.user]}`]
      : ['--dest-no-creds'];
    const destination = `docker://${registry.host}/${options.repository}:${options.tag}`;
    await run(
      'skopeo',
      [
        '--insecure-policy', // no /etc/containers/policy.json needed
        '--tmpdir',
        work.path,
        'copy',
        ...(single ? [] : ['--all']),
        '--preserve-digests',
        '--quiet',
        '--dest-tls-verify=false',
        ...credentials,
        '--digestfile',
        digestFile,
        source,
        destination,
      ],
      `skopeo copy to ${destination}${options.user ? ` as ${options.user}` : ''}`,
      60_000,
    );
    const digest = readFileSync(digestFile, 'utf8').trim();
    if (digest !== top.blob.digest)
      throw new Error(`skopeo reports ${digest}, but the manifest we wrote is ${top.blob.digest}`);
    return {
      digest,
      mediaType: top.mediaType,
      size: top.blob.size,
      ...(single
        ? {}
        : {
            manifests: images.map((image) => ({
              digest: image.manifest.digest,
              mediaType: image.mediaType,
              size: image.manifest.size,
              platform: image.platform,
            })),
          }),
    };
  } finally {
    work.remove();
  }
}

type BuiltImage = ReturnType<typeof buildImage>;

/** https://github.com/opencontainers/image-spec/blob/main/image-layout.md */
function writeOciLayout(
  dir: string,
  tag: string,
  top: { blob: Blob; mediaType: string },
  images: readonly BuiltImage[],
): string {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const write = (blob: Blob) => writeFileSync(join(dir, 'blobs', 'sha256', blob.digest.slice(7)), blob.bytes);
  for (const image of images) [image.manifest, ...image.blobs].forEach(write);
  write(top.blob);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const index = {
    schemaVersion: 2,
    mediaType: OCI_INDEX,
    manifests: [
      {
        mediaType: top.mediaType,
        digest: top.blob.digest,
        size: top.blob.size,
        annotations: { 'org.opencontainers.image.ref.name': tag },
      },
    ],
  };
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  return `oci:${dir}:${tag}`;
}

/** skopeo's `dir:` transport: manifest.json, `<hex>.manifest.json` per list entry, `<hex>` per blob. */
function writeDirLayout(dir: string, top: Blob, images: readonly BuiltImage[]): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'version'), 'Directory Transport Version: 1.1\n');
  writeFileSync(join(dir, 'manifest.json'), top.bytes);
  for (const image of images) {
    if (image.manifest !== top)
      writeFileSync(join(dir, `${image.manifest.digest.slice(7)}.manifest.json`), image.manifest.bytes);
    for (const blob of image.blobs) writeFileSync(join(dir, blob.digest.slice(7)), blob.bytes);
  }
  return `dir:${dir}`;
}

/**
 * The images the registry providers' tests read: `acme/app` at `1.0` and `2.0` (different manifests)
 * and `acme/multi:latest`, an index of linux/amd64 and linux/arm64/v8, all pushed as `admin`.
 */
export async function pushSampleImages(
  registry: TestRegistry,
): Promise<{ readonly app: PushedImage; readonly multi: PushedImage }> {
  const push = (repository: string, tag: string, extra: Partial<PushImageOptions> = {}) =>
    pushImage(registry, { repository, tag, format: 'oci', user: 'admin', ...extra });
  const app = await push('acme/app', '1.0');
  await push('acme/app', '2.0', { content: 'two' });
  const multi = await push('acme/multi', 'latest', {
    platforms: [
      { os: 'linux', architecture: 'amd64' },
      { os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  });
  return { app, multi };
}
