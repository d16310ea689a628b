import { type Static, Type } from '@sinclair/typebox';
import { ConfigError } from '../core/errors.js';
import { parseEnvAuthRef } from './env-secret.js';

/** Checks a secret reference in the sink settings; throws `ConfigError` naming `where`. */
export type CheckSecretRef = (ref: string, where: string) => unknown;

/**
 * The `eventSinks` setting: where the relay delivers events. Any number of sinks at once; each gets
 * every event at least once, in order per integration. Read once by `readEventSinks`, which fills
 * defaults and checks what the schema cannot.
 */

const SinkName = Type.String({
  pattern: '^[a-z][a-z0-9_-]{0,62}$',
  description:
    'Names the sink in delivery state, metrics and the parked list (default: its kind). Keep it stable.',
});
const SecretRef = Type.String({
  pattern: '^authref://',
  maxLength: 2048,
  description: 'Reference to a secret, e.g. `authref://env/EVENTS_WEBHOOK_SECRET`; never the secret itself.',
});
const TimeoutMs = Type.Integer({
  minimum: 100,
  maximum: 120_000,
  description: 'Per delivery (default 10 s).',
});

export const WebhookSinkSettingSchema = Type.Object(
  {
    kind: Type.Literal('webhook'),
    name: Type.Optional(SinkName),
    url: Type.String({ minLength: 8, maxLength: 2048, pattern: '^https?://' }),
    secretRef: SecretRef,
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

export const NatsSinkSettingSchema = Type.Object(
  {
    kind: Type.Literal('nats'),
    name: Type.Optional(SinkName),
    servers: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 20 }),
    subjectPrefix: Type.Optional(
      Type.String({
        pattern: '^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*$',
        maxLength: 200,
        default: 'integrations',
      }),
    ),
    tokenRef: Type.Optional(SecretRef),
    stream: Type.Optional(
      Type.Object(
        {
          name: Type.String({ pattern: '^[A-Za-z0-9_-]{1,64}$' }),
          create: Type.Optional(
            Type.Boolean({ description: 'Create the stream when missing (default false).' }),
          ),
          duplicateWindowSeconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
        },
        { additionalProperties: false },
      ),
    ),
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

export const RedisSinkSettingSchema = Type.Object(
  {
    kind: Type.Literal('redis'),
    name: Type.Optional(SinkName),
    url: Type.String({ pattern: '^rediss?://[^@]*$', maxLength: 512, description: 'Without a password.' }),
    passwordRef: Type.Optional(SecretRef),
    stream: Type.Optional(Type.String({ minLength: 1, maxLength: 256, default: 'integrations-events' })),
    maxLen: Type.Optional(Type.Integer({ minimum: 1, description: 'Approximate cap (MAXLEN ~).' })),
    timeoutMs: Type.Optional(TimeoutMs),
  },
  { additionalProperties: false },
);

export const EventSinkSettingSchema = Type.Union(
  [WebhookSinkSettingSchema, NatsSinkSettingSchema, RedisSinkSettingSchema],
  { description: 'A sink: `webhook`, `nats` (JetStream) or `redis` (Streams).' },
);
export type EventSinkSetting = Static<typeof EventSinkSettingSchema>;

export interface WebhookSinkConfig {
  readonly kind: 'webhook';
  readonly name: string;
  readonly url: string;
  readonly secretRef: string;
  readonly timeoutMs: number;
}

export interface NatsSinkConfig {
  readonly kind: 'nats';
  readonly name: string;
  readonly servers: readonly string[];
  readonly subjectPrefix: string;
  readonly tokenRef: string | null;
  readonly stream: {
    readonly name: string;
    readonly create: boolean;
    readonly duplicateWindowSeconds: number;
  } | null;
  readonly timeoutMs: number;
}

export interface RedisSinkConfig {
  readonly kind: 'redis';
  readonly name: string;
  readonly url: string;
  readonly passwordRef: string | null;
  readonly stream: string;
  readonly maxLen: number;
  readonly timeoutMs: number;
}

export type SinkConfig = WebhookSinkConfig | NatsSinkConfig | RedisSinkConfig;

export const DEFAULT_SINK_TIMEOUT_MS = 10_000;
export const DEFAULT_REDIS_MAXLEN = 1_000_000;
export const DEFAULT_DUPLICATE_WINDOW_SECONDS = 120;

/**
 * Fills defaults and checks names are unique and secret references resolvable by this build.
 *
 * @example
 * readEventSinks([{ kind: 'nats', servers: ['nats://127.0.0.1:4222'] }]);
 * // [{ kind: 'nats', name: 'nats', subjectPrefix: 'integrations', … }]
 */
export function readEventSinks(
  settings: readonly EventSinkSetting[],
  checkRef: CheckSecretRef = parseEnvAuthRef,
): SinkConfig[] {
  const sinks = settings.map((setting) => readSink(setting, checkRef));
  const seen = new Set<string>();
  for (const sink of sinks) {
    if (seen.has(sink.name)) {
      throw new ConfigError(`eventSinks: two sinks are named '${sink.name}'; give each a distinct name`);
    }
    seen.add(sink.name);
  }
  return sinks;
}

function readSink(setting: EventSinkSetting, checkRef: CheckSecretRef): SinkConfig {
  const name = setting.name ?? setting.kind;
  const timeoutMs = setting.timeoutMs ?? DEFAULT_SINK_TIMEOUT_MS;
  const ref = (value: string | undefined, field: string) => {
    if (value === undefined) return null;
    checkRef(value, `eventSinks[${name}].${field}`);
    return value;
  };
  switch (setting.kind) {
    case 'webhook':
      try {
        new URL(setting.url);
      } catch {
        throw new ConfigError(`eventSinks[${name}].url is not a valid URL`);
      }
      return {
        kind: 'webhook',
        name,
        url: setting.url,
        secretRef: ref(setting.secretRef, 'secretRef')!,
        timeoutMs,
      };
    case 'nats':
      return {
        kind: 'nats',
        name,
        servers: setting.servers,
        subjectPrefix: setting.subjectPrefix ?? 'integrations',
        tokenRef: ref(setting.tokenRef, 'tokenRef'),
        stream: setting.stream
          ? {
              name: setting.stream.name,
              create: setting.stream.create ?? false,
              duplicateWindowSeconds:
                setting.stream.duplicateWindowSeconds ?? DEFAULT_DUPLICATE_WINDOW_SECONDS,
            }
          : null,
        timeoutMs,
      };
    case 'redis':
      return {
        kind: 'redis',
        name,
        url: setting.url,
        passwordRef: ref(setting.passwordRef, 'passwordRef'),
        stream: setting.stream ?? 'integrations-events',
        maxLen: setting.maxLen ?? DEFAULT_REDIS_MAXLEN,
        timeoutMs,
      };
  }
}
