import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../../core/string-enum.js';
import { CaCertificateSchema } from '../../plugins/ca-certificate.js';

/** The annotation levels GitHub's check runs know. */
export const GITHUB_ANNOTATION_LEVELS = ['notice', 'warning', 'failure'] as const;

const Level = StringEnum(GITHUB_ANNOTATION_LEVELS);

/** The check run name used when a request gives none (and by the annotate flow's default). */
export const DEFAULT_CHECK_RUN_NAME = 'Security scan';

/**
 * Settings of a `github_app` integration, of type `scm` or `ci` (GitHub Actions): one schema, as a plugin
 * has one; `organization` is read by `ci` only, the check run settings by `scm` only. The endpoint (github.com or a GitHub Enterprise Server URL in any
 * usual form) is the integration's `endpoint`; the App id (or client id) and private key come from its
 * `authRef`. Everything here is optional.
 */
export const GitHubAppConfigSchema = Type.Object(
  {
    installationId: Type.Optional(
      Type.Integer({
        minimum: 1,
        description:
          'The installation to act as. Default: found per repository with GET /repos/{owner}/{repo}/installation.',
      }),
    ),
    repositories: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$' }), {
        maxItems: 100,
        uniqueItems: true,
        description:
          'Repositories (`owner/name`). scm: those a connection test checks the installation can reach. ci: those whose GitHub Actions workflows and runs the integration watches.',
      }),
    ),
    organization: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$',
        description:
          "ci only (scm ignores it): the organisation whose self-hosted GitHub Actions runners the integration watches (GET /orgs/{org}/actions/runners; the App needs the organization_self_hosted_runners: read permission). Without installationId or repositories, the installation is the App's on this organisation.",
      }),
    ),
    appSlug: Type.Optional(
      Type.String({
        pattern: '^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$',
        description: "The App's slug: its comments are those by `<slug>[bot]`. Default: read from GET /app.",
      }),
    ),
    levelMapping: Type.Optional(
      Type.Object(
        {
          critical: Type.Optional(Level),
          high: Type.Optional(Level),
          medium: Type.Optional(Level),
          low: Type.Optional(Level),
          info: Type.Optional(Level),
        },
        {
          additionalProperties: false,
          description:
            'Severity → check run annotation level, over the default (critical/high → failure, medium → warning, low/info → notice).',
        },
      ),
    ),
    checkRunName: Type.String({
      minLength: 1,
      maxLength: 255,
      default: DEFAULT_CHECK_RUN_NAME,
      description: 'Name of check runs when a request gives none.',
    }),
    caCertificate: CaCertificateSchema,
  },
  { additionalProperties: false },
);

export type GitHubAppConfig = Static<typeof GitHubAppConfigSchema>;
