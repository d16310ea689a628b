import { type Static, Type } from '@sinclair/typebox';
import { OciConfigSchema } from '../oci/index.js';

/**
 * A Quay namespace (an organisation or a user): lower-case letters and digits, separated by single
 * `.`, `_` or `-`, 2 to 255 characters, as Quay's `VALID_NAMESPACE` rule says.
 * https://github.com/quay/quay/blob/master/util/validation.py
 */
export const NAMESPACE_PATTERN = '^(?=.{2,255}$)[a-z0-9]+(?:[._-][a-z0-9]+)*$';

/**
 * Settings of a `quay` integration: quay.io or a self-hosted Red Hat Quay. The endpoint is Quay's
 * URL (`https://quay.io`); `authRef` (optional: anonymous without it, public repositories only) names
 * an object with `username` (a robot account `<org>+<robot>`, or a user) and `password` (the robot's
 * token, or the user's password or encrypted password), and optionally `apiToken` (an OAuth
 * application token for Quay's API, a different credential from the robot's).
 */
export const QuayConfigSchema = Type.Object(
  {
    namespaces: Type.Optional(
      Type.Array(Type.String({ pattern: NAMESPACE_PATTERN, maxLength: 255 }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          "Organisations or users whose repositories are listed (through Quay's API with an apiToken, else from the registry's catalog). Default: the robot's organisation, or the user.",
      }),
    ),
    repositories: OciConfigSchema.properties.repositories,
    endToEndHealth: Type.Boolean({
      default: false,
      description:
        'A connection test also asks /health/endtoend (database, redis, storage, auth of the whole Quay deployment): slower, and it reports problems an instance does not see.',
    }),
    plainHttp: OciConfigSchema.properties.plainHttp,
    tokenRealmHosts: OciConfigSchema.properties.tokenRealmHosts,
    caCertificate: OciConfigSchema.properties.caCertificate,
  },
  { additionalProperties: false },
);

export type QuayConfig = Static<typeof QuayConfigSchema>;
