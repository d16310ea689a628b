import { createHash } from 'node:crypto';
import { referrersTag } from '../../../src/core/registry-names.js';
import type { TestRegistry } from '../registry.js';
import { OCI_INDEX, OCI_MANIFEST, type RegistryUser, TOKEN_SERVICE } from './constants.js';

/*
 * `pushReferrer`: attaches an artifact (an SBOM, a signature…) to a pushed manifest as an OCI 1.1
 * client does on a registry without the referrers API, which distribution 2.8 is: the artifact's
 * manifest (with `artifactType` and a `subject`) is pushed by digest, then the image index at the
 * subject's referrers tag (`sha256-<hex>`) is read, the new descriptor added, and the index pushed
 * back. Plain HTTP with Basic credentials, a token from the token server, or none.
 */

/** The empty JSON blob of the OCI image specification, the config of an artifact with no config. */
export const OCI_EMPTY = 'application/vnd.oci.empty.v1+json';

export interface PushReferrerOptions {
  readonly repository: string;
  /** The manifest the artifact refers to. */
  readonly subject: { readonly digest: string; readonly mediaType: string; readonly size: number };
  readonly artifactType: string;
  /** The artifact's one layer (e.g. an SBOM document). */
  readonly content: string;
  readonly contentType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly user?: RegistryUser;
  /** Leave the referrers tag alone (a client that pushed a subject without keeping the tag). */
  readonly skipTag?: boolean;
}

export interface PushedReferrer {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly artifactType: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/**
 * @example
 * const sbom = await pushReferrer(registry, { repository: 'acme/app', subject: image,
 *   artifactType: 'application/spdx+json', content: '{"spdxVersion":"SPDX-2.3"}', user: 'admin' });
 */
export async function pushReferrer(
  registry: TestRegistry,
  options: PushReferrerOptions,
): Promise<PushedReferrer> {
  const headers = await authorizationFor(registry, options);
  const base = `${registry.url}/v2/${options.repository}`;

  const pushBlob = async (bytes: Buffer) => {
    const digest = digestOf(bytes);
    const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST', headers });
    if (started.status !== 202)
      throw new Error(`blob upload start: HTTP ${started.status} ${await started.text()}`);
    const location = new URL(started.headers.get('location')!, registry.url);
    location.searchParams.set('digest', digest);
    const put = await fetch(location, {
      method: 'PUT',
      headers: { ...headers, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`blob upload: HTTP ${put.status} ${await put.text()}`);
    return { digest, size: bytes.length };
  };
  const pushManifest = async (reference: string, mediaType: string, bytes: Buffer) => {
    const put = await fetch(`${base}/manifests/${reference}`, {
      method: 'PUT',
      headers: { ...headers, 'content-type': mediaType },
      body: bytes,
    });
    if (put.status !== 201) throw new Error(`manifest ${reference}: HTTP ${put.status} ${await put.text()}`);
  };

  const config = await pushBlob(Buffer.from('{}'));
  const layer = await pushBlob(Buffer.from(options.content));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: options.artifactType,
      config: { mediaType: OCI_EMPTY, ...config },
      layers: [{ mediaType: options.contentType ?? 'application/json', ...layer }],
      subject: options.subject,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    }),
  );
  const pushed: PushedReferrer = {
    digest: digestOf(manifest),
    mediaType: OCI_MANIFEST,
    size: manifest.length,
    artifactType: options.artifactType,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  };
  await pushManifest(pushed.digest, OCI_MANIFEST, manifest);
  if (options.skipTag) return pushed;

  const tag = referrersTag(options.subject.digest);
  const current = await fetch(`${base}/manifests/${tag}`, { headers: { ...headers, accept: OCI_INDEX } });
  const listed: unknown[] =
    current.status === 200 ? ((await current.json()) as { manifests: unknown[] }).manifests : [];
  const index = Buffer.from(
    JSON.stringify({ schemaVersion: 2, mediaType: OCI_INDEX, manifests: [...listed, pushed] }),
  );
  await pushManifest(tag, OCI_INDEX, index);
  return pushed;
}

/** The header a push needs: Basic on a `basic` registry, a pull-and-push token on a `token` one. */
async function authorizationFor(
  registry: TestRegistry,
  options: PushReferrerOptions,
): Promise<Record<string, string>> {
  if (!options.user) return {};
  const basic = `Basic ${Buffer.from(`${options.user}:${registry.users[options.user]}`).toString('base64')}`;
  if (registry.auth !== 'token' || !registry.tokenServer) return { authorization: basic };
  const query = new URLSearchParams({
    service: TOKEN_SERVICE,
    scope: `repository:${options.repository}:pull,push`,
    account: options.user,
  });
  const answer = await fetch(`${registry.tokenServer.realm}?${query}`, { headers: { authorization: basic } });
  if (answer.status !== 200) throw new Error(`push token: HTTP ${answer.status}`);
  return { authorization: `Bearer ${((await answer.json()) as { token: string }).token}` };
}
