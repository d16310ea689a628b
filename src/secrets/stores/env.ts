import { InvalidInputError, NotFoundError } from '../../core/errors.js';
import { Secret } from '../secret.js';
import type { SecretStore } from './contract.js';
import { selectValue } from './select-value.js';

/** Names an `env` reference may use (the security reference's rule). */
const VARIABLE = /^[A-Z][A-Z0-9_]*$/;
export const DEFAULT_ENV_PREFIX = 'AUTHREF_';

export interface EnvStoreOptions {
  readonly name: string;
  /** Only variables starting with this are served (default `AUTHREF_`). */
  readonly prefix?: string;
  /** Variables never served even with the prefix (the service's own settings). */
  readonly deny?: readonly string[];
  /** Where variables are read (default `process.env`), read at every resolution. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * `authref://<store>/<VARIABLE>`: a process environment variable. Admin-only (system integrations,
 * bootstrap credentials such as a Vault token): configure it for the tenants that may use it.
 *
 * @example
 * createEnvStore({ name: 'env' }).resolve(parseAuthRef('authref://env/AUTHREF_GITLAB_TOKEN'), ctx);
 */
export function createEnvStore(options: EnvStoreOptions): SecretStore {
  const prefix = options.prefix ?? DEFAULT_ENV_PREFIX;
  const deny = new Set(options.deny ?? []);
  const env = options.env ?? process.env;
  return {
    name: options.name,
    type: 'env',
    params: [],
    async resolve(ref) {
      const [variable, ...rest] = ref.path;
      if (variable === undefined || rest.length > 0 || !VARIABLE.test(variable)) {
        throw InvalidInputError.field(
          '/authRef',
          `must name one environment variable in upper case (authref://${ref.store}/${prefix}NAME)`,
        );
      }
      if (!variable.startsWith(prefix) || variable.length === prefix.length || deny.has(variable)) {
        throw InvalidInputError.field(
          '/authRef',
          `names a variable this store does not serve (only ${prefix}… variables)`,
        );
      }
      const value = env[variable];
      if (value === undefined || value === '') throw new NotFoundError('secret', ref.canonical);
      return { value: selectValue({ content: Secret.from(value), format: 'text' }, ref), version: null };
    },
  };
}
