import { type Static, Type } from '@sinclair/typebox';
import { OciConfigSchema } from '../oci/index.js';

/** A Harbor project name: lower case letters, digits, `.`, `_` and `-`, starting with a letter or digit. */
const PROJECT_NAME = '^[a-z0-9][a-z0-9._-]{0,254}$';

/**
 * Settings of a `harbor` integration (Harbor 2.x). The endpoint is Harbor's URL (`https://harbor.example.com`);
 * `authRef` (optional: anonymous without it, public projects only) names an object with `username`
 * (a user, or a robot account `robot$name` / `robot$project+name`) and `password` (the robot's secret).
 */
export const HarborConfigSchema = Type.Object(
  {
    projects: Type.Optional(
      Type.Array(Type.String({ pattern: PROJECT_NAME, maxLength: 255 }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Projects a connection test checks, and the ones repositories are listed from when the account is not a system administrator (robots, project members).',
      }),
    ),
    plainHttp: OciConfigSchema.properties.plainHttp,
    tokenRealmHosts: OciConfigSchema.properties.tokenRealmHosts,
    caCertificate: OciConfigSchema.properties.caCertificate,
  },
  { additionalProperties: false },
);

export type HarborConfig = Static<typeof HarborConfigSchema>;
