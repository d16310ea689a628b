import { Type } from '@sinclair/typebox';
import { FindingsReportSchema, PolicySchema, SCOPES, SEVERITIES } from '../annotations/index.js';
import { QUEUE_REASON_KINDS, QUEUE_STATUSES } from '../catalog/offline-queue-service.js';
import { SCM_OPERATIONS } from '../catalog/scm-target.js';
import { StringEnum } from '../core/string-enum.js';
import { CHECK_RUN_CONCLUSIONS, CHECK_RUN_STATUSES, SCM_STATUS_STATES } from '../plugins/contracts.js';

/** Request and response schemas of the annotate, SCM operation and offline queue routes. */

/** No control characters (C0, DEL, C1). */
const TEXT = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';
const URL_PATTERN = '^https?://[^\\s\\u0000-\\u001f\\u007f-\\u009f]+$';

export const OwnerSchema = Type.String({
  minLength: 1,
  maxLength: 255,
  pattern: '^[A-Za-z0-9_][A-Za-z0-9._-]*(/[A-Za-z0-9_][A-Za-z0-9._-]*)*$',
  description: 'Repository owner: a user or organisation, or a GitLab group path (`group/subgroup`).',
  examples: ['acme'],
});
export const RepositorySchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^(?!\\.\\.?$)[A-Za-z0-9._-]+$',
  description: 'Repository name: letters, digits, `.`, `_`, `-`.',
  examples: ['shop'],
});
export const PullRequestNumberSchema = Type.Integer({
  minimum: 1,
  maximum: 2_147_483_647,
  description: 'Pull (merge) request number.',
});
export const CommitShaSchema = Type.String({
  pattern: '^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$',
  description: 'Full commit SHA: 40 hex digits (SHA-1) or 64 (SHA-256). Stored in lower case.',
});
const NameSchema = (description: string) =>
  Type.String({ minLength: 1, maxLength: 255, pattern: TEXT, description });
const UrlSchema = (description: string) =>
  Type.String({ maxLength: 2048, pattern: URL_PATTERN, description });
const LevelSchema = StringEnum(['notice', 'warning', 'failure'] as const);
const LineSchema = Type.Integer({ minimum: 1, maximum: 2_147_483_647 });
const AnyObject = (description?: string) =>
  Type.Object({}, { additionalProperties: true, ...(description ? { description } : {}) });

export const AnnotateBody = Type.Object(
  {
    owner: OwnerSchema,
    repository: RepositorySchema,
    pullRequestNumber: Type.Optional(PullRequestNumberSchema),
    commitSha: CommitShaSchema,
    findings: Type.Optional(FindingsReportSchema),
    sarif: Type.Optional(
      Type.Union([AnyObject('A SARIF 2.1.0 log.'), Type.String({ minLength: 1 })], {
        description: 'A SARIF 2.1.0 log, as an object or as its JSON text. Give `findings` or `sarif`.',
      }),
    ),
    repositoryRoot: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        pattern: TEXT,
        description: 'Absolute path (or file: URI) of the checkout the scanner saw.',
      }),
    ),
    operations: Type.Optional(
      Type.Array(StringEnum(SCM_OPERATIONS), {
        minItems: 1,
        maxItems: SCM_OPERATIONS.length,
        uniqueItems: true,
        description:
          'Default: all the provider offers that apply (comment and inline only with a pull request number; inline when the provider can post inline review comments).',
      }),
    ),
    policy: Type.Optional(PolicySchema),
    levelMapping: Type.Optional(
      Type.Object(Object.fromEntries(SEVERITIES.map((severity) => [severity, Type.Optional(LevelSchema)])), {
        additionalProperties: false,
        description: 'Severity → check run annotation level, over the default.',
      }),
    ),
    asciiOnly: Type.Optional(Type.Boolean({ description: 'Only ASCII in comment, status and check run.' })),
    scope: Type.Optional(
      StringEnum(SCOPES, {
        description: 'Which findings to report; other than `all` needs `changedLines` or `diff`.',
      }),
    ),
    changedLines: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({ minLength: 1, maxLength: 4096, pattern: TEXT }),
            lines: Type.Array(LineSchema, { maxItems: 1_000_000 }),
          },
          { additionalProperties: false },
        ),
        { maxItems: 100_000, description: 'The changed (added) lines of the pull request, per file.' },
      ),
    ),
    diff: Type.Optional(Type.String({ description: 'The pull request as a unified diff (`git diff`).' })),
    context: Type.Optional(NameSchema('Status context. Default `security/scan`.')),
    checkRunName: Type.Optional(NameSchema('Check run name. Default `Security scan`.')),
    markerKey: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9._:/=+-]{1,128}$',
        description:
          'Which comment is ours (a hidden first line). Default: from `context`, so each scanner keeps its own comment.',
      }),
    ),
    targetUrl: Type.Optional(UrlSchema("The status's link. Default: the report's evidence URL.")),
    dryRun: Type.Optional(
      Type.Boolean({
        description: 'Build and return the payloads; post nothing, take no lock, keep nothing.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const ScmResultSchema = Type.Object(
  {
    success: Type.Boolean(),
    result: Type.Optional(AnyObject('What the provider answered: ids, URL, `action`.')),
    errorMessage: Type.Optional(Type.String()),
    isTransient: Type.Boolean({ description: 'Trying again may help (retries already ran out).' }),
    skippedOffline: Type.Boolean({ description: 'Nothing was sent: the service runs offline.' }),
  },
  { description: 'The design’s ScmOperationResult.' },
);

export const QueuedSchema = Type.Object(
  {
    entryId: Type.String({ format: 'uuid' }),
    reason: Type.String({ description: '`offline`, `permanent: …` or `retries exhausted: …`.' }),
    reasonKind: StringEnum(QUEUE_REASON_KINDS),
  },
  { description: 'The payload was not posted and is kept in the offline queue.' },
);

const CountsSchema = Type.Object(
  Object.fromEntries(SEVERITIES.map((severity) => [severity, Type.Integer({ minimum: 0 })])),
);

export const AnnotateResultSchema = Type.Object({
  integrationId: Type.String(),
  provider: Type.String(),
  platform: Type.String({ description: 'Whose limits the payloads respect: github, gitlab or generic.' }),
  owner: Type.String(),
  repository: Type.String(),
  pullRequestNumber: Type.Union([Type.Integer(), Type.Null()]),
  commitSha: Type.String(),
  markerKey: Type.String(),
  dryRun: Type.Boolean(),
  outcome: StringEnum(['pass', 'warn', 'fail'] as const, { description: 'The policy verdict.' }),
  reason: Type.String(),
  policy: Type.Object({ failOn: Type.Array(Type.String()), warnOn: Type.Array(Type.String()) }),
  counts: CountsSchema,
  excluded: CountsSchema,
  findings: Type.Object({
    read: Type.Integer(),
    inline: Type.Integer(),
    fileLevel: Type.Integer(),
    outsideRepository: Type.Integer(),
    skipped: Type.Integer(),
    scannerErrors: Type.Array(Type.String()),
  }),
  operations: Type.Array(
    Type.Object({
      operation: StringEnum(SCM_OPERATIONS),
      posted: AnyObject('A summary of the payload.'),
      result: Type.Optional(
        Type.Object(
          {
            ...ScmResultSchema.properties,
            result: Type.Optional(
              AnyObject(
                'What the provider answered: ids, URL, `action`. For `inline`: `posted`, `unchanged`, `fallback` (findings not on an added line, counted: they are in the check run), `reviewIds` and `resolved` (threads of earlier runs whose finding is gone, resolved where the platform can: GitLab).',
              ),
            ),
          },
          { description: ScmResultSchema.description },
        ),
      ),
      queued: Type.Optional(QueuedSchema),
    }),
  ),
  posted: Type.Boolean({ description: 'Every operation was posted.' }),
  queued: Type.Integer({ description: 'Payloads kept in the offline queue.' }),
  payloads: Type.Optional(AnyObject('The exact requests, on a dry run only.')),
});

export const DirectResultSchema = Type.Object({
  ...ScmResultSchema.properties,
  queued: Type.Optional(QueuedSchema),
});

export const CommentBody = Type.Object(
  {
    owner: OwnerSchema,
    repository: RepositorySchema,
    pullRequestNumber: PullRequestNumberSchema,
    body: Type.String({ minLength: 1, maxLength: 1_000_000 }),
    commentId: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9_=-]+$' })),
    updateExisting: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false, title: 'ScmCommentRequest' },
);

export const StatusBody = Type.Object(
  {
    owner: OwnerSchema,
    repository: RepositorySchema,
    commitSha: CommitShaSchema,
    state: StringEnum(SCM_STATUS_STATES),
    context: NameSchema('Status context, e.g. `security/scan`.'),
    description: Type.Optional(Type.String({ maxLength: 1024, pattern: TEXT })),
    targetUrl: Type.Optional(UrlSchema('Link shown with the status.')),
  },
  { additionalProperties: false, title: 'ScmStatusRequest' },
);

export const CheckRunBody = Type.Object(
  {
    owner: OwnerSchema,
    repository: RepositorySchema,
    headSha: CommitShaSchema,
    name: NameSchema('Check run name.'),
    status: Type.Optional(StringEnum(CHECK_RUN_STATUSES)),
    conclusion: Type.Optional(StringEnum(CHECK_RUN_CONCLUSIONS)),
    summary: Type.Optional(Type.String({ maxLength: 65_535 })),
    text: Type.Optional(Type.String({ maxLength: 65_535 })),
    annotations: Type.Optional(
      Type.Array(
        Type.Object(
          {
            path: Type.String({
              minLength: 1,
              maxLength: 4096,
              pattern: '^(?!/)(?!(?:.*/)?\\.\\.(?:/|$))[^\\u0000-\\u001f\\u007f-\\u009f]+$',
              description: 'Repository-relative, without `..` segments.',
            }),
            startLine: LineSchema,
            endLine: LineSchema,
            annotationLevel: LevelSchema,
            message: Type.String({ minLength: 1, maxLength: 65_536 }),
            title: Type.Optional(Type.String({ maxLength: 255 })),
            startColumn: Type.Optional(LineSchema),
            endColumn: Type.Optional(LineSchema),
          },
          { additionalProperties: false },
        ),
        { maxItems: 1000 },
      ),
    ),
  },
  { additionalProperties: false, title: 'ScmCheckRunRequest' },
);

export const RecordedScmSchema = Type.Object({
  comments: Type.Array(AnyObject(), { description: '`id`, `pullRequest`, `body`, `updates`.' }),
  statuses: Type.Array(AnyObject()),
  checkRuns: Type.Array(AnyObject()),
  inlineComments: Type.Optional(
    Type.Array(AnyObject(), { description: '`id`, `pullRequest`, `path`, `line`, `body`.' }),
  ),
  writes: Type.Integer({ description: 'Writes that reached the SCM; an unchanged ensure adds none.' }),
});

export const QueueEntrySchema = Type.Object({
  id: Type.String({ format: 'uuid' }),
  tenantId: Type.String(),
  integrationId: Type.String(),
  operation: StringEnum(SCM_OPERATIONS),
  owner: Type.String(),
  repository: Type.String(),
  pullRequestNumber: Type.Union([Type.Integer(), Type.Null()]),
  commitSha: Type.Union([Type.String(), Type.Null()]),
  targetKey: Type.String({
    description: 'What the payload writes to; a newer entry supersedes an older one.',
  }),
  payload: AnyObject(
    'The exact SCM request (ScmCommentRequest, ScmStatusRequest, ScmCheckRunRequest or ScmInlineCommentsRequest).',
  ),
  reason: Type.String(),
  reasonKind: StringEnum(QUEUE_REASON_KINDS),
  status: StringEnum(QUEUE_STATUSES),
  supersededBy: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  replayAttempts: Type.Integer(),
  lastReplayAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  replayResult: Type.Union([AnyObject('The latest replay’s ScmOperationResult.'), Type.Null()]),
  replayedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const QueueQuery = Type.Object(
  {
    integrationId: Type.Optional(Type.String({ format: 'uuid' })),
    operation: Type.Optional(StringEnum(SCM_OPERATIONS)),
    status: Type.Optional(StringEnum(QUEUE_STATUSES)),
    reasonKind: Type.Optional(StringEnum(QUEUE_REASON_KINDS)),
    pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

export const ReplayOutcomeSchema = Type.Object({
  entry: QueueEntrySchema,
  posted: Type.Boolean({ description: 'This call posted the payload.' }),
  alreadySettled: Type.Boolean({
    description: 'Nothing was sent: replayed before (the stored result is returned) or superseded.',
  }),
  result: Type.Union([AnyObject('This call’s ScmOperationResult, or the stored one.'), Type.Null()]),
});
