import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { INTEGRATION_TYPES } from '../core/integration.js';
import type { Logger } from '../core/logger.js';
import { CAPABILITIES, type ConnectorPlugin } from './contracts.js';
import {
  createPluginRegistry,
  type PluginLoadFailure,
  type PluginRegistry,
  type RegisteredPlugin,
} from './registry.js';

const PROVIDER_ID = /^[a-z][a-z0-9_]{1,62}$/;

/**
 * Builds the registry from the built-in plugins and the external ones named in configuration.
 * A module that fails to load, exports nothing usable, repeats a provider id or declares itself
 * unavailable is reported (logged and listed), never fatal.
 *
 * An external plugin module exports `default` (or `plugins`): a plugin, an array of plugins, or a
 * function returning either.
 *
 * @example
 * const registry = await loadPlugins(builtinPlugins(), ['@acme/integrations-jira', './plugins/local.js'], logger);
 */
export async function loadPlugins(
  builtins: readonly ConnectorPlugin[],
  specifiers: readonly string[],
  logger: Logger,
  baseDir: string = process.cwd(),
): Promise<PluginRegistry> {
  const loaded: RegisteredPlugin[] = [];
  const failures: PluginLoadFailure[] = [];
  const seen = new Set<string>();

  async function register(plugin: ConnectorPlugin, source: string): Promise<void> {
    const problem = describeShapeProblem(plugin);
    if (problem) {
      failures.push({ source, reason: problem });
      return;
    }
    if (seen.has(plugin.provider)) {
      failures.push({ source, reason: `provider id '${plugin.provider}' is already registered` });
      return;
    }
    seen.add(plugin.provider);
    let availability: RegisteredPlugin['availability'];
    try {
      availability = await plugin.checkAvailability();
    } catch (error) {
      availability = { available: false, reason: `availability check failed: ${(error as Error).message}` };
    }
    if (!availability.available) {
      logger.warn(
        { provider: plugin.provider, reason: availability.reason, source },
        'plugin is not available',
      );
    }
    loaded.push({ plugin, availability, source });
  }

  for (const plugin of builtins) await register(plugin, 'builtin');

  for (const specifier of specifiers) {
    let exported: unknown;
    try {
      const target = isPathLike(specifier) ? pathToFileURL(resolve(baseDir, specifier)).href : specifier;
      const module = (await import(target)) as Record<string, unknown>;
      exported = module.default ?? module.plugins;
      if (typeof exported === 'function') exported = await (exported as () => unknown)();
    } catch (error) {
      failures.push({ source: specifier, reason: `failed to load: ${(error as Error).message}` });
      continue;
    }
    const plugins = Array.isArray(exported) ? exported : [exported];
    if (exported === undefined || plugins.length === 0) {
      failures.push({
        source: specifier,
        reason: 'the module exports no plugin (expected `default` or `plugins`)',
      });
      continue;
    }
    for (const plugin of plugins) await register(plugin as ConnectorPlugin, specifier);
  }

  for (const failure of failures) logger.error({ ...failure }, 'plugin was not loaded');
  return createPluginRegistry(loaded, failures);
}

function isPathLike(specifier: string): boolean {
  return specifier.startsWith('.') || isAbsolute(specifier) || specifier.startsWith('file:');
}

/** Checks what TypeScript cannot check for code loaded at run time. */
function describeShapeProblem(candidate: unknown): string | undefined {
  if (typeof candidate !== 'object' || candidate === null) return 'the export is not a plugin object';
  const plugin = candidate as Partial<ConnectorPlugin>;
  if (typeof plugin.provider !== 'string' || !PROVIDER_ID.test(plugin.provider)) {
    return `provider must be a snake_case id, got ${JSON.stringify(plugin.provider)}`;
  }
  if (typeof plugin.displayName !== 'string' || plugin.displayName.length === 0)
    return 'displayName is missing';
  if (!Array.isArray(plugin.types) || plugin.types.length === 0) return 'types must list at least one type';
  const badType = plugin.types.find((type) => !INTEGRATION_TYPES.includes(type));
  if (badType !== undefined) return `unknown integration type '${String(badType)}'`;
  if (typeof plugin.configSchema !== 'object' || plugin.configSchema === null)
    return 'configSchema is missing';
  if (!Array.isArray(plugin.capabilities)) return 'capabilities must be an array';
  const badCapability = plugin.capabilities.find((capability) => !CAPABILITIES.includes(capability));
  if (badCapability !== undefined) return `unknown capability '${String(badCapability)}'`;
  for (const method of ['checkAvailability', 'testConnection', 'checkHealth'] as const) {
    if (typeof plugin[method] !== 'function') return `${method} must be a function`;
  }
  return undefined;
}
