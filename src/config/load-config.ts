import { readFileSync } from 'node:fs';
import { extname, resolve } from 'node:path';
import AjvModule from 'ajv';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { type Config, ConfigSchema, ENV_ONLY_KEYS } from './config.js';

const ENV_PREFIX = 'INTEGRATIONS_';
/** Environment variables with the prefix that are not config keys (the CLI's own, the tests'). */
const NON_KEY_VARIABLES = new Set([
  'INTEGRATIONS_CONFIG',
  'INTEGRATIONS_URL',
  'INTEGRATIONS_TOKEN',
  'INTEGRATIONS_TEST_REQUIRE_SERVICES',
]);

const envName = (key: string): string => ENV_PREFIX + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

// ajv is CommonJS with a default export.
const validateConfig = new AjvModule.default({ useDefaults: true, allErrors: true, strict: false }).compile(
  ConfigSchema,
);

const KEYS = Object.keys(ConfigSchema.properties) as (keyof Config)[];
const KEY_BY_ENV = new Map(KEYS.map((key) => [envName(key), key]));

/**
 * Reads the configuration once at start-up: defaults, then the file named by `INTEGRATIONS_CONFIG`
 * (YAML or JSON), then `INTEGRATIONS_*` variables and `DATABASE_URL`. Unknown keys and invalid values
 * stop the start with a message naming them.
 *
 * @example
 * const config = loadConfig(process.env);
 */
export function loadConfig(env: NodeJS.ProcessEnv, overrides: Partial<Config> = {}): Config {
  const fromFile = env.INTEGRATIONS_CONFIG ? readConfigFile(env.INTEGRATIONS_CONFIG) : {};
  const fromEnv = readEnv(env);
  const merged: Record<string, unknown> = { ...fromFile, ...fromEnv, ...overrides };
  for (const key of Object.keys(merged)) {
    if (merged[key] === undefined) delete merged[key];
  }
  if (!validateConfig(merged)) {
    const lines = (validateConfig.errors ?? []).slice(0, 10).map((error) => {
      const key = error.instancePath.split('/')[1] ?? '';
      const source =
        key in fromEnv ? ` (from ${envSource(env, key)})` : key in fromFile ? ' (from the config file)' : '';
      const allowed = (error.params as { allowedValues?: unknown[] }).allowedValues;
      const message = allowed ? `must be one of ${allowed.join(', ')}` : error.message;
      return key ? `${error.instancePath.slice(1)}${source}: ${message}` : `${message}`;
    });
    throw new ConfigError(`invalid configuration:\n  ${[...new Set(lines)].join('\n  ')}`);
  }
  return merged as Config;
}

function readConfigFile(path: string): Record<string, unknown> {
  const absolute = resolve(path);
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (cause) {
    throw new ConfigError(`cannot read config file ${absolute}: ${(cause as Error).message}`, { cause });
  }
  let parsed: unknown;
  try {
    parsed = extname(absolute) === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (cause) {
    throw new ConfigError(`config file ${absolute} is not valid: ${(cause as Error).message}`, { cause });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${absolute} must hold a mapping of keys to values`);
  }
  const record = parsed as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.includes(key as keyof Config)) {
      throw new ConfigError(`config file ${absolute}: unknown key '${key}' (known keys: ${KEYS.join(', ')})`);
    }
    if (ENV_ONLY_KEYS.has(key as keyof Config)) {
      throw new ConfigError(
        `config file ${absolute}: '${key}' is a secret and may only be set as ${envName(key)}`,
      );
    }
  }
  return record;
}

/** The variable a key was read from: its own, or DATABASE_URL for the database. */
function envSource(env: NodeJS.ProcessEnv, key: string): string {
  return key === 'databaseUrl' && env[envName(key)] === undefined ? 'DATABASE_URL' : envName(key);
}

function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || NON_KEY_VARIABLES.has(name) || raw === undefined) continue;
    const key = KEY_BY_ENV.get(name);
    if (!key) {
      throw new ConfigError(
        `unknown environment variable ${name} (known: ${[...KEY_BY_ENV.keys(), ...NON_KEY_VARIABLES].join(', ')})`,
      );
    }
    result[key] = coerce(key, raw);
  }
  if (env.DATABASE_URL && result.databaseUrl === undefined) result.databaseUrl = env.DATABASE_URL;
  return result;
}

/** Turns an environment string into the type the schema expects; leaves validation to the schema. */
function coerce(key: keyof Config, raw: string): unknown {
  const schema = ConfigSchema.properties[key] as { type?: string };
  if (schema.type === 'integer') return /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (schema.type === 'array') {
    // Arrays of objects (eventSinks) are JSON in the environment: `[{"kind":"nats",…}]`.
    const itemSchema = (schema as { items?: { type?: string } }).items;
    if (itemSchema?.type === undefined || itemSchema.type === 'object') return parseJsonVariable(key, raw);
    const items = raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
    const itemType = (schema as { items?: { type?: string } }).items?.type;
    return itemType === 'integer' ? items.map((item) => (/^\d+$/.test(item) ? Number(item) : item)) : items;
  }
  return raw;
}

function parseJsonVariable(key: keyof Config, raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch (cause) {
    throw new ConfigError(`${envName(key)} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
}

/** The environment variable that sets a config key, for docs and messages. */
export { envName as configKeyToEnvName };
