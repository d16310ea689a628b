import { type Static, Type } from '@sinclair/typebox';
import { PolicySchema } from '../../annotations/policy.js';
import { DIGEST_PATTERN, MEDIA_TYPE_PATTERN } from '../../core/registry-names.js';
import { StringEnum } from '../../core/string-enum.js';

/** Settings of the in-memory provider: everything it does is scripted here. */
export const InMemoryConfigSchema = Type.Object(
  {
    health: StringEnum(['healthy', 'degraded', 'failing', 'slow'] as const, {
      default: 'healthy',
      description: 'What health checks and connection tests report.',
    }),
    delayMs: Type.Integer({
      minimum: 0,
      maximum: 600_000,
      default: 0,
      description: 'How long each check takes; `slow` waits at least 5 seconds.',
    }),
    message: Type.Optional(Type.String({ maxLength: 1000, description: 'Message reported by checks.' })),
    scmFailure: StringEnum(['none', 'transient', 'permanent'] as const, {
      default: 'none',
      description: 'Makes every SCM operation fail in this way.',
    }),
    scmDelayMs: Type.Integer({
      minimum: 0,
      maximum: 60_000,
      default: 0,
      description:
        'How long each SCM write takes, between looking for an existing comment or check run and writing: ' +
        'long enough and two unserialised writers both create one, as on a real platform.',
    }),
    registryFailure: Type.Optional(
      StringEnum(['none', 'transient', 'permanent'] as const, {
        description:
          'Makes every registry read fail in this way (default none), as a registry that is down ' +
          '(transient) or refuses our credentials (permanent) would.',
      }),
    ),
    policy: Type.Optional(PolicySchema),
    images: Type.Array(
      Type.Object(
        {
          repository: Type.String({ minLength: 1, maxLength: 255 }),
          tag: Type.String({ minLength: 1, maxLength: 128 }),
          digest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
          mediaType: Type.String({ default: 'application/vnd.oci.image.manifest.v1+json' }),
          platforms: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  digest: Type.String({ pattern: '^sha256:[0-9a-f]{64}$' }),
                  os: Type.String({ minLength: 1, maxLength: 64 }),
                  architecture: Type.String({ minLength: 1, maxLength: 64 }),
                  variant: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
                },
                { additionalProperties: false },
              ),
              {
                maxItems: 100,
                description: 'For an image index (give its mediaType too): the platforms it points to.',
              },
            ),
          ),
          referrers: Type.Optional(
            Type.Array(
              Type.Object(
                {
                  digest: Type.String({ pattern: DIGEST_PATTERN }),
                  artifactType: Type.String({ pattern: MEDIA_TYPE_PATTERN, maxLength: 255 }),
                  mediaType: Type.String({
                    pattern: MEDIA_TYPE_PATTERN,
                    maxLength: 255,
                    default: 'application/vnd.oci.image.manifest.v1+json',
                  }),
                  size: Type.Integer({ minimum: 0, default: 0 }),
                  annotations: Type.Optional(
                    Type.Record(Type.String({ maxLength: 255 }), Type.String({ maxLength: 4096 }), {
                      maxProperties: 64,
                    }),
                  ),
                },
                { additionalProperties: false },
              ),
              {
                maxItems: 100,
                description:
                  'Manifests whose subject is this image (signatures, SBOMs), served as its referrers.',
              },
            ),
          ),
        },
        { additionalProperties: false },
      ),
      { default: [], maxItems: 10_000, description: 'Images the in-memory registry serves.' },
    ),
  },
  { additionalProperties: false },
);

export type InMemoryConfig = Static<typeof InMemoryConfigSchema>;
