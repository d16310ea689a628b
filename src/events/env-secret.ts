import { ConfigError, UpstreamError } from '../core/errors.js';

/**
 * A stop-gap secret resolver for the event sinks: `authref://env/NAME` reads the environment variable
 * NAME. The credentials work (src/secrets) replaces it with the real resolver, which has the same
 * shape, so the sinks do not change.
 */
export type ResolveSecret = (ref: string) => Promise<string>;

const ENV_REF = /^authref:\/\/env\/([A-Za-z_][A-Za-z0-9_]{0,127})$/;

/** The variable an `authref://env/NAME` reference names; a ConfigError for any other reference. */
export function parseEnvAuthRef(ref: string, where: string): string {
  const match = ENV_REF.exec(ref);
  if (!match) {
    throw new ConfigError(
      `${where} must be authref://env/NAME (the only secret store event sinks support for now), not '${ref.slice(0, 80)}'`,
    );
  }
  return match[1]!;
}

/**
 * @example
 * const resolve = envSecretResolver(process.env);
 * const secret = await resolve('authref://env/EVENTS_WEBHOOK_SECRET');
 */
export function envSecretResolver(
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolveSecret {
  return async (ref) => {
    const name = parseEnvAuthRef(ref, 'secret reference');
    const value = env[name];
    // Transient: an administrator can set it and restart without events being parked meanwhile.
    if (!value) throw new UpstreamError(`secret ${ref} is not set`, { isTransient: true });
    return value;
  };
}
