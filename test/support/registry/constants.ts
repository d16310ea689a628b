/*
 * The constants the test registry, its token server and `pushImage` share: the manifest, config and
 * layer media types we push, the Accept header that asks for all of them, the accounts of `basic` and
 * `token` registries, and the `service` and `iss` the registry and the token server agree on.
 */

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
export const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
export const OCI_LAYER_GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_MANIFEST_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const DOCKER_CONFIG = 'application/vnd.docker.container.image.v1+json';
export const DOCKER_LAYER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';

/**
 * Every manifest type we push. distribution 2.8 answers 404 for an OCI manifest or index the client
 * does not accept, and for a manifest list it does not accept serves its linux/amd64 entry (or 400).
 */
export const MANIFEST_ACCEPT = [OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST].join(', ');

/**
 * The accounts of `basic` and `token` registries. With tokens `reader` may only pull and `admin` may do
 * anything; htpasswd knows no permissions, so with `basic` both may do anything.
 */
export const REGISTRY_USERS = { reader: 'reader-password', admin: 'admin-password' } as const;
export type RegistryUser = keyof typeof REGISTRY_USERS;

/** The `service` and `iss` of a `token` registry. */
export const TOKEN_SERVICE = 'test-registry';
export const TOKEN_ISSUER = 'test-token-issuer';
