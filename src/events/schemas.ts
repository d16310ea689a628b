import { type TSchema, Type } from '@sinclair/typebox';
import { HEALTH_STATUSES, INTEGRATION_STATUSES, INTEGRATION_TYPES } from '../core/integration.js';
import { StringEnum } from '../core/string-enum.js';

/**
 * The JSON Schemas of the events this service emits: the CloudEvents 1.0 envelope and the `data` of
 * each type. Published in the OpenAPI document under `components.schemas`, so consumers can generate
 * types. `data` holds references and summaries, never a secret.
 */

/** Every event type, as written to the outbox. */
export const EVENT_TYPES = [
  'integration.created',
  'integration.updated',
  'integration.deleted',
  'integration.health_changed',
  'integration.test_completed',
  'scm.annotation.completed',
  'credential.rotated',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const IntegrationId = Type.String({ format: 'uuid', description: 'The integration (also the `subject`).' });

export const IntegrationSummarySchema = Type.Object(
  {
    name: Type.String(),
    type: StringEnum(INTEGRATION_TYPES),
    provider: Type.String(),
    endpoint: Type.String(),
    authRef: Type.Union([Type.String(), Type.Null()], {
      description: 'The reference to the credentials (`authref://…`), never the secret.',
    }),
    tags: Type.Array(Type.String()),
    owner: Type.Union([Type.String(), Type.Null()]),
    enabled: Type.Boolean(),
    status: StringEnum(INTEGRATION_STATUSES),
  },
  { additionalProperties: false, description: 'The integration after the change (before, for a delete).' },
);

const Summary = IntegrationSummarySchema;
const Version = Type.Integer({ minimum: 1, description: 'The integration version this event records.' });

export const IntegrationCreatedDataSchema = Type.Object(
  { integrationId: IntegrationId, version: Version, integration: Summary },
  { additionalProperties: false, $id: 'IntegrationCreatedData', title: 'integration.created data' },
);

export const IntegrationUpdatedDataSchema = Type.Object(
  {
    integrationId: IntegrationId,
    version: Version,
    changedFields: Type.Array(Type.String(), { minItems: 1, description: 'Top-level fields that changed.' }),
    integration: Summary,
  },
  { additionalProperties: false, $id: 'IntegrationUpdatedData', title: 'integration.updated data' },
);

export const IntegrationDeletedDataSchema = Type.Object(
  {
    integrationId: IntegrationId,
    version: Version,
    deletedBy: Type.String({ description: 'The actor, e.g. `token:ci`.' }),
    integration: Summary,
  },
  { additionalProperties: false, $id: 'IntegrationDeletedData', title: 'integration.deleted data' },
);

export const IntegrationHealthChangedDataSchema = Type.Object(
  {
    integrationId: IntegrationId,
    from: StringEnum(HEALTH_STATUSES),
    to: StringEnum(HEALTH_STATUSES),
    reason: Type.String({ description: 'The message of the check that changed it.' }),
  },
  {
    additionalProperties: false,
    $id: 'IntegrationHealthChangedData',
    title: 'integration.health_changed data',
  },
);

export const IntegrationTestCompletedDataSchema = Type.Object(
  {
    integrationId: IntegrationId,
    success: Type.Boolean(),
    message: Type.String(),
    latencyMs: Type.Integer({ minimum: 0 }),
    checks: Type.Array(
      Type.Object({ name: Type.String(), ok: Type.Boolean() }, { additionalProperties: false }),
    ),
    testedBy: Type.String(),
  },
  {
    additionalProperties: false,
    $id: 'IntegrationTestCompletedData',
    title: 'integration.test_completed data',
  },
);

export const ScmAnnotationCompletedDataSchema = Type.Object(
  {
    integrationId: IntegrationId,
    owner: Type.String(),
    repository: Type.String(),
    pullRequestNumber: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    commitSha: Type.String({ pattern: '^[0-9a-f]{7,64}$' }),
    operations: Type.Array(
      Type.Object(
        {
          kind: StringEnum(['comment', 'status', 'check_run', 'inline_comment'] as const),
          success: Type.Boolean(),
          isTransient: Type.Boolean(),
          skippedOffline: Type.Boolean(),
          errorMessage: Type.Union([Type.String(), Type.Null()]),
        },
        { additionalProperties: false },
      ),
      { description: 'What was posted back, one entry per operation.' },
    ),
    requestedBy: Type.String(),
    outcome: Type.Optional(
      StringEnum(['pass', 'warn', 'fail'] as const, { description: 'The policy verdict of the scan.' }),
    ),
    counts: Type.Optional(
      Type.Object(
        {
          critical: Type.Integer({ minimum: 0 }),
          high: Type.Integer({ minimum: 0 }),
          medium: Type.Integer({ minimum: 0 }),
          low: Type.Integer({ minimum: 0 }),
          info: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false, description: 'Findings in scope, by severity.' },
      ),
    ),
  },
  { additionalProperties: false, $id: 'ScmAnnotationCompletedData', title: 'scm.annotation.completed data' },
);

export const CredentialRotatedDataSchema = Type.Object(
  {
    integrationId: IntegrationId,
    authRef: Type.String({ description: 'The reference whose secret changed; never the secret.' }),
    rotatedAt: Type.String({ format: 'date-time' }),
    rotatedBy: Type.String(),
  },
  { additionalProperties: false, $id: 'CredentialRotatedData', title: 'credential.rotated data' },
);

/** The `data` schema of each event type. */
export const EVENT_DATA_SCHEMAS = {
  'integration.created': IntegrationCreatedDataSchema,
  'integration.updated': IntegrationUpdatedDataSchema,
  'integration.deleted': IntegrationDeletedDataSchema,
  'integration.health_changed': IntegrationHealthChangedDataSchema,
  'integration.test_completed': IntegrationTestCompletedDataSchema,
  'scm.annotation.completed': ScmAnnotationCompletedDataSchema,
  'credential.rotated': CredentialRotatedDataSchema,
} as const satisfies Record<EventType, TSchema>;

/**
 * The CloudEvents 1.0 structured-mode envelope (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/spec.md).
 * `tenantid` is an extension attribute (names are lower-case letters and digits only).
 */
export const CloudEventSchema = Type.Object(
  {
    specversion: Type.Literal('1.0'),
    id: Type.String({ format: 'uuid', description: 'The outbox row id (UUIDv7); consumers dedupe on it.' }),
    source: Type.String({
      minLength: 1,
      description: 'URI-reference: `/integrations-catalog/<instance>` or the configured eventSource.',
    }),
    type: StringEnum(EVENT_TYPES),
    subject: Type.String({ description: 'The integration id.' }),
    time: Type.String({ format: 'date-time', description: 'When the change was committed.' }),
    datacontenttype: Type.Literal('application/json'),
    tenantid: Type.String({ description: 'Extension attribute: the tenant the event belongs to.' }),
    data: Type.Object(
      {},
      { additionalProperties: true, description: 'Shape by `type`: see the `*Data` schemas.' },
    ),
  },
  { additionalProperties: false, $id: 'CloudEvent', title: 'CloudEvent' },
);

/** Schemas for `components.schemas` of the OpenAPI document, keyed by their `$id`. */
export const EVENT_COMPONENT_SCHEMAS: Record<string, TSchema> = Object.fromEntries(
  [CloudEventSchema, ...Object.values(EVENT_DATA_SCHEMAS)].map((schema) => [schema.$id!, schema]),
);
