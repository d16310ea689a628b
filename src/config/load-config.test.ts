import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import { loadConfig } from './load-config.js';

function file(name: string, text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'config-test-')), name);
  writeFileSync(path, text);
  return path;
}

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const config = loadConfig({});

    expect(config).toEqual({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      databaseUrl: null,
      logLevel: 'info',
      plugins: [],
      shutdownTimeoutMs: 10_000,
      offline: false,
      allowPrivateNetworks: false,
      egressAllowlist: [],
      egressAllowHttp: true,
      egressAllowedPorts: [],
      egressAllowAnyPort: false,
      caBundleFile: null,
      pollEnabled: true,
      pollIntervalSeconds: 300,
      pollConcurrency: 50,
      pollPerHostConcurrency: 4,
      pollCheckTimeoutMs: 30_000,
      pollFailureThreshold: 3,
      pollSuccessThreshold: 2,
      pollHistoryLimit: 100,
      eventSinks: [],
      eventSource: null,
      eventRetentionDays: 7,
      relayEnabled: true,
      relayBatchSize: 100,
      relayPollIntervalMs: 500,
      relayLeaseSeconds: 30,
      adminToken: null,
      masterKey: null,
      secretStores: [],
      secretCacheTtlSeconds: 300,
      secretStaleSeconds: 600,
    });
  });

  it('reads INTEGRATIONS_ variables and DATABASE_URL, coercing numbers and lists', () => {
    const config = loadConfig({
      INTEGRATIONS_PORT: '9090',
      INTEGRATIONS_PLUGINS: './a.js, @acme/b',
      INTEGRATIONS_EGRESS_ALLOWED_PORTS: '8443, 5000',
      INTEGRATIONS_OFFLINE: 'true',
      DATABASE_URL: 'postgres://db/catalog',
      PATH: '/usr/bin',
    });

    expect(config).toMatchObject({
      port: 9090,
      plugins: ['./a.js', '@acme/b'],
      databaseUrl: 'postgres://db/catalog',
    });
  });

  it('reads a YAML or JSON file, with the environment winning', () => {
    const yaml = file('c.yaml', 'port: 7000\nlogLevel: debug\nplugins:\n  - ./x.js\n');
    const json = file('c.json', '{"host": "0.0.0.0"}');

    expect(loadConfig({ INTEGRATIONS_CONFIG: yaml, INTEGRATIONS_PORT: '7001' })).toMatchObject({
      port: 7001,
      logLevel: 'debug',
      plugins: ['./x.js'],
    });
    expect(loadConfig({ INTEGRATIONS_CONFIG: json }).host).toBe('0.0.0.0');
  });

  it.each([
    [{ INTEGRATIONS_PORT: 'abc' }, /port \(from INTEGRATIONS_PORT\): must be integer/],
    [{ INTEGRATIONS_PORT: '70000' }, /port \(from INTEGRATIONS_PORT\): must be <= 65535/],
    [
      { INTEGRATIONS_LOG_LEVEL: 'loud' },
      /logLevel \(from INTEGRATIONS_LOG_LEVEL\): must be one of fatal, error/,
    ],
    [{ INTEGRATIONS_PROT: '1' }, /unknown environment variable INTEGRATIONS_PROT/],
    [{ INTEGRATIONS_OFFLINE: 'yes' }, /offline \(from INTEGRATIONS_OFFLINE\): must be boolean/],
    [
      { INTEGRATIONS_EGRESS_ALLOWED_PORTS: '443,http' },
      /egressAllowedPorts\/1 \(from INTEGRATIONS_EGRESS_ALLOWED_PORTS\): must be integer/,
    ],
    [{ DATABASE_URL: 'mysql://x' }, /databaseUrl \(from DATABASE_URL\): must match pattern/],
    [{ INTEGRATIONS_ADMIN_TOKEN: 'short' }, /adminToken .*must NOT have fewer than 32 characters/],
  ])('refuses %j, naming it', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('refuses unknown keys, secrets, broken files and non-mappings in the config file', () => {
    const cases: [string, RegExp][] = [
      [file('a.yaml', 'prot: 1\n'), /unknown key 'prot'/],
      [
        file('b.yaml', 'adminToken: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n'),
        /may only be set as INTEGRATIONS_ADMIN_TOKEN/,
      ],
      [file('c.json', '{"port": '), /is not valid/],
      [file('d.yaml', '- a\n- b\n'), /must hold a mapping/],
      [file('e.yaml', 'port: high\n'), /port \(from the config file\): must be integer/],
      ['/nonexistent/config.yaml', /cannot read config file/],
    ];

    for (const [path, message] of cases) {
      expect(() => loadConfig({ INTEGRATIONS_CONFIG: path }), path).toThrow(message);
    }
  });
});
