import { type Static, Type } from '@sinclair/typebox';
import { REPOSITORY_NAME_MAX_LENGTH, REPOSITORY_NAME_PATTERN } from '../../core/registry-names.js';
import { CaCertificateSchema } from '../../plugins/ca-certificate.js';

/** A DNS name or an IP literal (no port, no scheme). */
const HOST =
  '^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:.]+\\])$';

/**
 * Settings of an `oci` integration: any registry that speaks the distribution API v2 (CNCF
 * distribution, zot, Harbor's `/v2/`, Quay, GHCR, Docker Hub, Artifactory…). The endpoint is the
 * registry's base URL; `authRef` (optional: anonymous without it) names an object with `username`
 * and `password` (a password or an access token).
 */
export const OciConfigSchema = Type.Object(
  {
    repositories: Type.Optional(
      Type.Array(Type.String({ pattern: REPOSITORY_NAME_PATTERN, maxLength: REPOSITORY_NAME_MAX_LENGTH }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Repositories a connection test checks it can pull from, and the list served when the registry does not let the credentials read its catalog (GHCR, Harbor project robots, scope-mapped ACR tokens).',
      }),
    ),
    plainHttp: Type.Boolean({
      default: false,
      description:
        'The registry speaks plain HTTP (no TLS). Off by default: credentials and tokens would cross the network unencrypted.',
    }),
    tokenRealmHosts: Type.Optional(
      Type.Array(Type.String({ pattern: HOST, maxLength: 253 }), {
        maxItems: 20,
        uniqueItems: true,
        description:
          "Hosts the registry's token service may run on besides the registry's own host and domain. Credentials are sent to no other realm.",
      }),
    ),
    caCertificate: CaCertificateSchema,
  },
  { additionalProperties: false },
);

export type OciConfig = Static<typeof OciConfigSchema>;
