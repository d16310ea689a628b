import { type TSchema, Type } from '@sinclair/typebox';
import { TENANT_ID_PATTERN } from '../catalog/token-service.js';
import { HEALTH_STATUSES, INTEGRATION_STATUSES, INTEGRATION_TYPES } from '../core/integration.js';
import { SCOPES } from '../core/scopes.js';
import { StringEnum } from '../core/string-enum.js';

/** JSON Schemas of the API: validation, response serialisation and the OpenAPI document in one. */

const literals = <T extends readonly string[]>(values: T, description?: string) =>
  StringEnum(values, description ? { description } : {});

/** No control characters (C0 except none, DEL, C1) in free text. */
const TEXT = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

export const IntegrationTypeSchema = literals(INTEGRATION_TYPES, 'Kind of outside system.');
export const HealthStatusSchema = literals(HEALTH_STATUSES);
export const ScopeSchema = literals(SCOPES);

export const NameSchema = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$',
  description: 'Unique within the tenant: letters, digits, `.`, `_`, `-`; starts with a letter or digit.',
  examples: ['github-prod'],
});
export const ProviderIdSchema = Type.String({
  minLength: 2,
  maxLength: 63,
  pattern: '^[a-z][a-z0-9_]*$',
  description: "A provider plugin's id, as listed by GET /api/v1/providers.",
  examples: ['github_app'],
});
export const EndpointSchema = Type.String({
  minLength: 1,
  maxLength: 2048,
  description: 'Absolute http(s) URL of the outside system, without credentials.',
  examples: ['https://github.example.com'],
});
export const AuthRefSchema = Type.Union(
  [Type.String({ minLength: 10, maxLength: 2048, pattern: '^authref://' }), Type.Null()],
  {
    description: 'Reference to the credentials, `authref://<store>/<path>`; never a secret itself.',
  },
);
export const TagSchema = Type.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^[A-Za-z0-9][A-Za-z0-9:._/=-]*$',
});
export const TagsSchema = Type.Array(TagSchema, {
  maxItems: 50,
  description: 'Labels to find integrations by.',
});
export const OwnerSchema = Type.Union(
  [Type.String({ minLength: 1, maxLength: 200, pattern: TEXT }), Type.Null()],
  {
    description: 'Team or person responsible for this connection.',
  },
);
export const ConfigSchema = Type.Object(
  {},
  {
    additionalProperties: true,
    description: "Provider-specific settings, validated against the provider's configSchema.",
  },
);
export const PollIntervalSchema = Type.Union([Type.Integer({ minimum: 10, maximum: 86_400 }), Type.Null()], {
  description: 'Seconds between health checks of this integration; null uses the service default.',
});
export const SecretValueSchema = Type.Union(
  [
    Type.String({ minLength: 1, maxLength: 65_536 }),
    Type.Record(
      Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_.-]{0,63}$' }),
      Type.String({ minLength: 1, maxLength: 65_536 }),
      {
        minProperties: 1,
        maxProperties: 50,
      },
    ),
  ],
  {
    writeOnly: true,
    description:
      'A secret: a string, or an object of named strings such as `{ "appId": "…", "privateKey": "…" }`.',
  },
);
export const IdSchema = Type.String({ format: 'uuid', description: 'UUIDv7 id.' });

export const HealthSchema = Type.Object({
  status: HealthStatusSchema,
  checkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  latencyMs: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.Union([Type.String(), Type.Null()]),
});

export const IntegrationSchema = Type.Object(
  {
    id: IdSchema,
    tenantId: Type.String(),
    name: Type.String(),
    type: IntegrationTypeSchema,
    provider: Type.String(),
    endpoint: Type.String(),
    authRef: Type.Union([Type.String(), Type.Null()]),
    config: ConfigSchema,
    tags: Type.Array(Type.String()),
    owner: Type.Union([Type.String(), Type.Null()]),
    enabled: Type.Boolean(),
    status: literals(INTEGRATION_STATUSES, 'pending until first checked, active, failed, or disabled.'),
    health: HealthSchema,
    pollIntervalSeconds: Type.Union([Type.Integer(), Type.Null()], {
      description: 'Seconds between health checks; null uses the service default.',
    }),
    version: Type.Integer({ minimum: 1, description: 'Increases with every change; the ETag.' }),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.String(),
    updatedAt: Type.String({ format: 'date-time' }),
    updatedBy: Type.String(),
  },
  { $id: 'Integration', title: 'Integration' },
);

export const CreateIntegrationBody = Type.Object(
  {
    name: NameSchema,
    type: IntegrationTypeSchema,
    provider: ProviderIdSchema,
    endpoint: EndpointSchema,
    authRef: Type.Optional(AuthRefSchema),
    config: Type.Optional(ConfigSchema),
    tags: Type.Optional(TagsSchema),
    owner: Type.Optional(OwnerSchema),
    enabled: Type.Optional(Type.Boolean({ default: true })),
    pollIntervalSeconds: Type.Optional(PollIntervalSchema),
    credentials: Type.Optional(SecretValueSchema),
  },
  { additionalProperties: false },
);

export const UpdateIntegrationBody = Type.Object(
  {
    name: Type.Optional(NameSchema),
    endpoint: Type.Optional(EndpointSchema),
    authRef: Type.Optional(AuthRefSchema),
    config: Type.Optional(
      Type.Object(
        {},
        { additionalProperties: true, description: 'Merged into the current config (RFC 7396).' },
      ),
    ),
    tags: Type.Optional(TagsSchema),
    owner: Type.Optional(OwnerSchema),
    enabled: Type.Optional(Type.Boolean()),
    pollIntervalSeconds: Type.Optional(PollIntervalSchema),
    credentials: Type.Optional(SecretValueSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const ListIntegrationsQuery = Type.Object(
  {
    type: Type.Optional(IntegrationTypeSchema),
    provider: Type.Optional(ProviderIdSchema),
    tag: Type.Optional(TagSchema),
    health: Type.Optional(HealthStatusSchema),
    enabled: Type.Optional(Type.Boolean()),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        pattern: TEXT,
        description: 'Substring of name or owner.',
      }),
    ),
    pageSize: Type.Integer({ minimum: 1, maximum: 500, default: 50 }),
    pageToken: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  },
  { additionalProperties: false },
);

export const IntegrationPageSchema = Type.Object({
  items: Type.Array(IntegrationSchema),
  nextPageToken: Type.Union([Type.String(), Type.Null()], {
    description: 'Pass as pageToken for the next page.',
  }),
});

export const IdParams = Type.Object({ id: IdSchema }, { additionalProperties: false });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code, e.g. invalid_request, not_found.' }),
      message: Type.String(),
      traceId: Type.String(),
      details: Type.Optional(Type.Unknown()),
    }),
  },
  { $id: 'Error', title: 'Error' },
);

export const ProviderSchema = Type.Object({
  provider: Type.String(),
  displayName: Type.String(),
  types: Type.Array(IntegrationTypeSchema),
  capabilities: Type.Array(Type.String()),
  available: Type.Boolean(),
  unavailableReason: Type.Union([Type.String(), Type.Null()]),
  source: Type.String({ description: '`builtin`, or the module the plugin was loaded from.' }),
  configSchema: Type.Object({}, { additionalProperties: true }),
});

export const TokenSchema = Type.Object({
  id: IdSchema,
  tenantId: Type.String(),
  name: Type.String(),
  scopes: Type.Array(ScopeSchema),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  lastUsedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const CreateTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: TEXT }),
    scopes: Type.Array(ScopeSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export const TenantIdSchema = Type.String({ pattern: TENANT_ID_PATTERN });

/** The error responses a route can give, for the OpenAPI document. */
export function errorResponses(...codes: number[]): Record<number, TSchema> {
  return Object.fromEntries(codes.map((code) => [code, Type.Ref(ErrorSchema)]));
}
