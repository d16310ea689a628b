import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { silentLogger } from '../core/logger.js';
import { BUILTIN_PROVIDER_FOLDERS, builtinPlugins } from './builtin.js';
import { loadPlugins } from './loader.js';

const fixtures = fileURLToPath(new URL('../../test/fixtures/plugins/', import.meta.url));

describe('plugin loader', () => {
  it('loads an external plugin from a file path and validates its config', async () => {
    const registry = await loadPlugins(builtinPlugins(), ['./echo-plugin.mjs'], silentLogger, fixtures);

    const echo = registry.get('echo_ci');
    const config = registry.validateConfig('echo_ci', 'ci', { pipeline: 'build' });

    expect(echo?.source).toBe('./echo-plugin.mjs');
    expect(echo?.availability).toEqual({ available: true });
    expect(config).toEqual({ pipeline: 'build' });
    expect(() => registry.validateConfig('echo_ci', 'ci', {})).toThrow(InvalidInputError);
    expect(() => registry.validateConfig('echo_ci', 'scm', { pipeline: 'x' })).toThrow(
      /serves ci, not 'scm'/,
    );
  });

  it('reports modules that fail, malformed plugins and repeated ids, and keeps going', async () => {
    const registry = await loadPlugins(
      builtinPlugins(),
      ['./throws-on-import.mjs', './broken-plugins.mjs', './missing.mjs', '@acme/not-installed'],
      silentLogger,
      fixtures,
    );

    const reasons = registry.failures().map((f) => `${f.source}: ${f.reason}`);

    expect(reasons).toEqual([
      expect.stringMatching(/^\.\/throws-on-import\.mjs: failed to load: this plugin cannot start/),
      expect.stringMatching(/^\.\/broken-plugins\.mjs: provider must be a snake_case id/),
      expect.stringMatching(/^\.\/broken-plugins\.mjs: provider id 'in_memory' is already registered/),
      expect.stringMatching(/^\.\/missing\.mjs: failed to load/),
      expect.stringMatching(/^@acme\/not-installed: failed to load/),
    ]);
    expect(registry.get('in_memory')?.plugin.displayName).not.toBe('Impostor');
  });

  it('lists an unavailable plugin with its reason and refuses new integrations on it', async () => {
    const registry = await loadPlugins([], ['./broken-plugins.mjs'], silentLogger, fixtures);

    const entry = registry.get('needs_binary');

    expect(entry?.availability).toEqual({ available: false, reason: 'the docker binary is not installed' });
    expect(() => registry.validateConfig('needs_binary', 'runtime_host', {})).toThrow(/not available here/);
  });

  it('names the unknown provider and lists the known ones', async () => {
    const registry = await loadPlugins(builtinPlugins(), [], silentLogger);

    expect(() => registry.validateConfig('gitlub', 'scm', {})).toThrow(
      /'gitlub' is not a known provider \(known: acr, dockerhub, ecr, gcr, ghcr, github_app, gitlab, harbor, in_memory, oci, quay\)/,
    );
  });

  it('registers every provider folder in the built-in list', () => {
    const providersDir = fileURLToPath(new URL('../providers/', import.meta.url));
    const folders = readdirSync(providersDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();

    expect([...BUILTIN_PROVIDER_FOLDERS].sort()).toEqual(folders);
    expect(builtinPlugins()).toHaveLength(BUILTIN_PROVIDER_FOLDERS.length);
  });
});
