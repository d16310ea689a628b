import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type FieldProblem, InvalidInputError } from '../core/errors.js';
import type { IntegrationType } from '../core/integration.js';
import { pemCertificatesKeyword } from './ca-certificate.js';
import type { Availability, ConnectorPlugin } from './contracts.js';

// ajv and ajv-formats are CommonJS with a default export.
const Ajv = AjvModule.default;
const addFormats = addFormatsModule.default;

/** A plugin that was found but could not be used, and why. */
export interface PluginLoadFailure {
  readonly source: string;
  readonly reason: string;
}

/** A loaded plugin with its availability, checked once at start-up. */
export interface RegisteredPlugin {
  readonly plugin: ConnectorPlugin;
  readonly availability: Availability;
  /** `builtin`, or the module name or path it came from. */
  readonly source: string;
}

/** The plugins the service runs with, looked up by provider id. */
export interface PluginRegistry {
  list(): readonly RegisteredPlugin[];
  get(provider: string): RegisteredPlugin | undefined;
  failures(): readonly PluginLoadFailure[];
  /**
   * Checks that `provider` exists, serves `type` and is available, and validates `config` against its
   * schema. Returns the config with defaults filled; throws `InvalidInputError` naming the field.
   */
  validateConfig(provider: string, type: IntegrationType, config: unknown): Record<string, unknown>;
}

export function createPluginRegistry(
  plugins: readonly RegisteredPlugin[],
  failures: readonly PluginLoadFailure[] = [],
): PluginRegistry {
  const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: false, coerceTypes: false });
  addFormats(ajv);
  // `caCertificate` must hold parsable X.509 certificates, which no pattern can check.
  ajv.addKeyword(pemCertificatesKeyword);
  const byProvider = new Map(plugins.map((entry) => [entry.plugin.provider, entry]));
  const validators = new Map<string, ValidateFunction>();

  function validatorFor(entry: RegisteredPlugin): ValidateFunction {
    let validate = validators.get(entry.plugin.provider);
    if (!validate) {
      validate = ajv.compile(entry.plugin.configSchema);
      validators.set(entry.plugin.provider, validate);
    }
    return validate;
  }

  return {
    list: () => [...byProvider.values()],
    get: (provider) => byProvider.get(provider),
    failures: () => failures,
    validateConfig(provider, type, config) {
      const entry = byProvider.get(provider);
      if (!entry) {
        const known = [...byProvider.keys()].sort().join(', ');
        throw InvalidInputError.field('/provider', `'${provider}' is not a known provider (known: ${known})`);
      }
      if (!entry.plugin.types.includes(type)) {
        throw InvalidInputError.field(
          '/type',
          `provider '${provider}' serves ${entry.plugin.types.join(', ')}, not '${type}'`,
        );
      }
      if (!entry.availability.available) {
        throw InvalidInputError.field(
          '/provider',
          `provider '${provider}' is not available here: ${entry.availability.reason ?? 'no reason given'}`,
        );
      }
      const copy = structuredClone(config ?? {});
      const validate = validatorFor(entry);
      if (!validate(copy)) {
        const problems = (validate.errors ?? []).map(toProblem);
        throw new InvalidInputError(
          `config is not valid for provider '${provider}': ${problems.map((p) => `${p.field} ${p.message}`).join('; ')}`,
          problems,
        );
      }
      return copy as Record<string, unknown>;
    },
  };
}

function toProblem(error: ErrorObject): FieldProblem {
  let field = `/config${error.instancePath}`;
  if (error.keyword === 'additionalProperties') {
    field += `/${(error.params as { additionalProperty: string }).additionalProperty}`;
    return { field, message: 'is not a known setting' };
  }
  if (error.keyword === 'required') {
    field += `/${(error.params as { missingProperty: string }).missingProperty}`;
    return { field, message: 'is required' };
  }
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map((v) =>
      JSON.stringify(v),
    );
    return { field, message: `must be one of ${allowed.join(', ')}` };
  }
  return { field, message: error.message ?? 'is not valid' };
}
