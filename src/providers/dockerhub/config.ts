import { type Static, Type } from '@sinclair/typebox';
import { REPOSITORY_NAME_MAX_LENGTH, REPOSITORY_NAME_PATTERN } from '../../core/registry-names.js';
import { OciConfigSchema } from '../oci/index.js';

/**
 * A Docker Hub namespace: a user's Docker ID or an organisation's name (lower case letters and digits;
 * older organisations may hold `-` or `_`).
 */
export const NAMESPACE_PATTERN = '^[a-z0-9](?:[a-z0-9_-]{0,253}[a-z0-9])?$';

/** Docker Hub's API, where the repositories of a namespace are listed (Docker Hub has no `_catalog`). */
export const DEFAULT_HUB_API_URL = 'https://hub.docker.com';

/**
 * Settings of a `dockerhub` integration. The endpoint is Docker Hub's registry,
 * `https://registry-1.docker.io` (`https://docker.io` and `https://index.docker.io` mean the same);
 * `authRef` (optional: anonymous without it, public repositories only, at the anonymous pull limit)
 * names an object with `username` (the Docker ID) and `password` (a personal access token, or the
 * account's password).
 */
export const DockerHubConfigSchema = Type.Object(
  {
    namespaces: Type.Optional(
      Type.Array(Type.String({ pattern: NAMESPACE_PATTERN, maxLength: 255 }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          "Docker Hub namespaces (users or organisations) whose repositories are listed, through Docker Hub's API. A connection test checks each (up to 10).",
      }),
    ),
    repositories: Type.Optional(
      Type.Array(Type.String({ pattern: REPOSITORY_NAME_PATTERN, maxLength: REPOSITORY_NAME_MAX_LENGTH }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Repositories a connection test checks it can pull from (official images as library/<name>, or just <name>), listed when no namespace is configured. The first one is where the health check reads the pull limit.',
      }),
    ),
    hubApiUrl: Type.String({
      default: DEFAULT_HUB_API_URL,
      minLength: 1,
      maxLength: 2048,
      description: "Base URL of Docker Hub's API (default https://hub.docker.com).",
    }),
    plainHttp: OciConfigSchema.properties.plainHttp,
    tokenRealmHosts: OciConfigSchema.properties.tokenRealmHosts,
  },
  { additionalProperties: false },
);

export type DockerHubConfig = Static<typeof DockerHubConfigSchema>;
