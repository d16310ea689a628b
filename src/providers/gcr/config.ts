import { type Static, Type } from '@sinclair/typebox';
import { REPOSITORY_NAME_MAX_LENGTH, REPOSITORY_NAME_PATTERN } from '../../core/registry-names.js';
import { OciConfigSchema } from '../oci/index.js';

/** The scope an access token gets when `scopes` is not set: what Artifact Registry asks for. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/** An OAuth2 scope of Google's APIs (`https://www.googleapis.com/auth/<name>`). */
const SCOPE_PATTERN = '^https://www\\.googleapis\\.com/auth/[a-z][a-z0-9._-]{0,99}$';

/**
 * A Google Cloud project id (6 to 30 lower case letters, digits and hyphens, starting with a
 * letter), optionally domain-scoped (`example.com:my-project`).
 */
export const PROJECT_ID_PATTERN = '^(?:[a-z0-9][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$';

/**
 * Settings of a `gcr` integration: Google Artifact Registry (`https://<location>-docker.pkg.dev`)
 * or Container Registry (`https://gcr.io`, `https://us.gcr.io`, `https://eu.gcr.io`,
 * `https://asia.gcr.io`). `authRef` names the service-account key: the JSON key file as one string,
 * or its fields as an object.
 */
export const GcrConfigSchema = Type.Object(
  {
    project: Type.Optional(
      Type.String({
        pattern: PROJECT_ID_PATTERN,
        maxLength: 100,
        description:
          "The Google Cloud project the registry belongs to, named in messages about missing roles; default: the key's project_id.",
      }),
    ),
    repositories: Type.Optional(
      Type.Array(Type.String({ pattern: REPOSITORY_NAME_PATTERN, maxLength: REPOSITORY_NAME_MAX_LENGTH }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Images a connection test checks it can pull from (`project/repository/image` on Artifact Registry, `project/image` on gcr.io), and the list served when the catalog is refused or lists nothing (Artifact Registry usually lists nothing).',
      }),
    ),
    plainHttp: OciConfigSchema.properties.plainHttp,
    tokenUri: Type.Optional(
      Type.String({
        minLength: 8,
        maxLength: 2048,
        description:
          "Where the signed assertion is sent for an access token, instead of Google's https://oauth2.googleapis.com/token (a private Google endpoint). The key is only ever used to sign for this URI or Google's own.",
      }),
    ),
    scopes: Type.Optional(
      Type.Array(Type.String({ pattern: SCOPE_PATTERN, maxLength: 160 }), {
        minItems: 1,
        maxItems: 10,
        uniqueItems: true,
        description:
          'OAuth2 scopes of the access token (default cloud-platform). Container Registry also accepts https://www.googleapis.com/auth/devstorage.read_only; Artifact Registry needs cloud-platform or cloud-platform.read-only.',
      }),
    ),
    nonGoogleHost: Type.Boolean({
      default: false,
      description:
        "Allow an endpoint that is not one of Google's registry hosts (a registry in front of Artifact Registry, a test registry). Off by default: the service account's access tokens would go to that host.",
    }),
  },
  { additionalProperties: false },
);

export type GcrConfig = Static<typeof GcrConfigSchema>;
