import { type Static, Type } from '@sinclair/typebox';
import { CaCertificateSchema } from '../../plugins/ca-certificate.js';

/** A GitLab project's full path: a namespace (groups and subgroups) and the project, as GitLab spells it. */
export const PROJECT_PATH_PATTERN =
  '^[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}(?:/[A-Za-z0-9_.][A-Za-z0-9_.-]{0,254}){1,20}$';

/**
 * Settings of a `gitlab` integration, one schema for both of its types. The endpoint is GitLab's URL in any
 * usual form (`https://gitlab.com`, `https://host/gitlab` with a relative root, with or without `/api/v4`);
 * `authRef` names an access token (personal, project or group): for `scm` with the `api` scope, by a user
 * with at least the Developer role; for `ci` with `read_api` (or `api`), by a user with at least the
 * Reporter role (Maintainer to see the projects' runners).
 */
export const GitLabConfigSchema = Type.Object(
  {
    repositories: Type.Optional(
      Type.Array(Type.String({ pattern: PROJECT_PATH_PATTERN, maxLength: 1000 }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          "Projects (`group/subgroup/project`). For an scm integration: the projects a connection test checks the token can comment on and set statuses of. For a ci integration: the projects whose pipelines it watches (the pipelines' projects); the connection test checks their CI/CD setting, latest pipeline and online runners, and health their online runners (the first 10 projects listed for either).",
      }),
    ),
    caCertificate: CaCertificateSchema,
  },
  { additionalProperties: false },
);

export type GitLabConfig = Static<typeof GitLabConfigSchema>;
