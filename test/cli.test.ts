import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedPort,
  makeTempDir,
  removeTempDirs,
  runCli,
  type ServiceProcess,
  startService,
  stopAllServices,
} from './support/process.js';

const ADMIN_TOKEN = `intg_${'b'.repeat(43)}`;
const TOKEN_PATTERN = /^intg_[A-Za-z0-9_-]{43}$/;

let service: ServiceProcess;
let dataDir: string;
/** The CLI's environment for operator commands: the service's data directory. */
let operatorEnv: Record<string, string>;
let writer: string;
let reader: string;

/** Runs an API command against the service with `token` (the writer token unless given). */
const api = (args: string[], token = writer) => runCli(['--url', service.url, '--token', token, ...args]);

beforeAll(async () => {
  dataDir = makeTempDir();
  operatorEnv = { INTEGRATIONS_DATA_DIR: dataDir };
  service = await startService({ INTEGRATIONS_DATA_DIR: dataDir, INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN });
});

afterAll(async () => {
  await stopAllServices();
  removeTempDirs();
});

describe('the integrations CLI against a running service', () => {
  it('tokens create prints a new token on stdout, and only there (or JSON with --json)', async () => {
    const result = await runCli(
      ['tokens', 'create', '--tenant', 'acme', '--scopes', 'integrations:read,integrations:write'],
      operatorEnv,
    );
    expect(result.code, result.stderr).toBe(0);
    writer = result.stdout.trim();
    expect(writer).toMatch(TOKEN_PATTERN);
    expect(result.stderr).toContain('for tenant acme (integrations:read, integrations:write)');
    expect(result.stderr).not.toContain(writer);

    const readOnly = await runCli(
      ['tokens', 'create', '--tenant', 'acme', '--scopes', 'integrations:read', '--name', 'reader', '--json'],
      operatorEnv,
    );
    expect(readOnly.code, readOnly.stderr).toBe(0);
    const created = JSON.parse(readOnly.stdout) as { token: string; tokenInfo: Record<string, unknown> };
    expect(created.tokenInfo).toMatchObject({
      tenantId: 'acme',
      name: 'reader',
      scopes: ['integrations:read'],
    });
    reader = created.token;
    expect(reader).toMatch(TOKEN_PATTERN);
  });

  it('tokens create refuses an unknown scope with exit 2', async () => {
    const result = await runCli(
      ['tokens', 'create', '--tenant', 'acme', '--scopes', 'integrations:everything'],
      operatorEnv,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown scope integrations:everything');
  });

  it('creates an integration', async () => {
    const result = await api([
      'create',
      '--name',
      'x',
      '--type',
      'scm',
      '--provider',
      'in_memory',
      '--endpoint',
      'https://scm.example.com',
      '--tag',
      'prod',
      '--config',
      '{"health":"degraded"}',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^name\s+x$/m);
    expect(result.stdout).toMatch(/^provider\s+in_memory$/m);
    expect(result.stdout).toMatch(/^tags\s+prod$/m);
    expect(result.stdout).toMatch(/^config\s+\{"health":"degraded"/m);
  });

  it('lists integrations as a table and as JSON', async () => {
    const table = await api(['list']);
    expect(table.code, table.stderr).toBe(0);
    const [header, ...rows] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME\s+TYPE\s+PROVIDER\s+ENABLED\s+HEALTH\s+ENDPOINT\s+ID$/);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(
      /^x\s+scm\s+in_memory\s+yes\s+\w+\s+https:\/\/scm\.example\.com\s+[0-9a-f-]{36}$/,
    );

    const json = await api(['list', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const { items } = JSON.parse(json.stdout) as { items: any[] };
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      name: 'x',
      type: 'scm',
      provider: 'in_memory',
      endpoint: 'https://scm.example.com',
      tags: ['prod'],
      enabled: true,
      config: { health: 'degraded' },
    });
  });

  it('gets an integration by name, and by id', async () => {
    const byName = await api(['get', 'x']);
    expect(byName.code, byName.stderr).toBe(0);
    expect(byName.stdout).toMatch(/^name\s+x$/m);
    expect(byName.stdout).toMatch(/^enabled\s+true$/m);
    const id = /^id\s+(\S+)$/m.exec(byName.stdout)?.[1];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const byId = await api(['get', id!, '--json']);
    expect(byId.code, byId.stderr).toBe(0);
    expect(JSON.parse(byId.stdout)).toMatchObject({ id, name: 'x' });
  });

  it('tests a connection: a table of checks, exit 0 when it works and 7 when it does not', async () => {
    const works = await api(['test', 'x']);
    await api(['update', 'x', '--config', '{"health":"failing","message":"certificate expired"}']);
    const fails = await api(['test', 'x', '--json']);
    await api(['update', 'x', '--config', '{"health":"degraded","message":null}']);

    expect(works.code, works.stderr).toBe(0);
    expect(works.stdout).toMatch(/^x: works in \d+ ms/);
    expect(works.stdout).toMatch(/^reachable\s+ok\s+answered$/m);
    expect(fails.code).toBe(7);
    expect(JSON.parse(fails.stdout)).toMatchObject({ success: false, message: 'certificate expired' });
  });

  it('disables an integration with update --disable', async () => {
    const update = await api(['update', 'x', '--disable']);
    expect(update.code, update.stderr).toBe(0);
    expect(update.stdout).toMatch(/^enabled\s+false$/m);

    const get = await api(['get', 'x', '--json']);
    expect(get.code, get.stderr).toBe(0);
    expect(JSON.parse(get.stdout)).toMatchObject({ name: 'x', enabled: false, status: 'disabled' });
  });

  it('refuses a wrong token with exit 3', async () => {
    const result = await api(['list'], `intg_${'z'.repeat(43)}`);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: /);
    expect(result.stdout).toBe('');
  });

  it('refuses to create with a read-only token with exit 3', async () => {
    const result = await api(
      [
        'create',
        '--name',
        'y',
        '--type',
        'scm',
        '--provider',
        'in_memory',
        '--endpoint',
        'https://scm.example.com',
      ],
      reader,
    );
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: /);
    // the read-only token can still read
    expect((await api(['list'], reader)).code).toBe(0);
  });

  it('refuses bad --config JSON with exit 2 before calling the service', async () => {
    const result = await api([
      'create',
      '--name',
      'y',
      '--type',
      'scm',
      '--provider',
      'in_memory',
      '--endpoint',
      'https://scm.example.com',
      '--config',
      '{"health":',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--config must be a JSON object');
  });

  it('reports an unreachable service with exit 6', async () => {
    const port = await closedPort();
    const result = await runCli(['--url', `http://127.0.0.1:${port}`, '--token', writer, 'list']);
    expect(result.code).toBe(6);
    expect(result.stderr).toContain(`cannot reach the service at http://127.0.0.1:${port}`);
  });

  it('deletes an integration, after which get exits 4', async () => {
    const deleted = await api(['delete', 'x']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toMatch(/^deleted x \([0-9a-f-]{36}\)$/m);

    const get = await api(['get', 'x']);
    expect(get.code).toBe(4);
    expect(get.stderr).toContain("no integration named 'x'");

    const list = await api(['list', '--json']);
    expect(JSON.parse(list.stdout)).toEqual({ items: [] });
  });

  it('migrate says the schema is up to date', async () => {
    const result = await runCli(['migrate'], operatorEnv);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('schema is up to date');
    expect(result.stdout).toContain(dataDir);
  });

  it('takes the URL and token from INTEGRATIONS_URL and INTEGRATIONS_TOKEN, which operator commands accept', async () => {
    const cliEnv = { ...operatorEnv, INTEGRATIONS_URL: service.url, INTEGRATIONS_TOKEN: writer };
    const list = await runCli(['list', '--json'], cliEnv);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ items: [] });

    const migrate = await runCli(['migrate'], cliEnv);
    expect(migrate.code, migrate.stderr).toBe(0);
    expect(migrate.stdout).toContain('schema is up to date');

    const tokens = await runCli(['tokens', 'list', '--tenant', 'acme', '--json'], cliEnv);
    expect(tokens.code, tokens.stderr).toBe(0);
    expect((JSON.parse(tokens.stdout) as { items: unknown[] }).items).toHaveLength(2);
    expect(tokens.stdout).not.toContain(writer);
  });

  it('stores credentials from a file, audits their use, and rotates the master key', async () => {
    const file = join(makeTempDir(), 'token');
    writeFileSync(file, 'cli-planted-token\n');
    const created = await runCli([
      '--url',
      service.url,
      '--token',
      ADMIN_TOKEN,
      'create',
      '--name',
      'with-creds',
      '--type',
      'scm',
      '--provider',
      'in_memory',
      '--endpoint',
      'https://scm.example.com',
      '--credentials-file',
      file,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout).authRef).toMatch(/^authref:\/\/local\//);

    const audit = await runCli(['--url', service.url, '--token', ADMIN_TOKEN, 'audit', '--action', 'create']);
    const rotate = await runCli(['keys', 'rotate'], operatorEnv);
    const again = await runCli(['--url', service.url, '--token', ADMIN_TOKEN, 'get', 'with-creds', '--json']);

    expect(audit.code, audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/^AT\s+ACTOR\s+ACTION/);
    expect(audit.stdout).toContain('create');
    expect(audit.stdout).not.toContain('cli-planted-token');
    expect(created.stdout).not.toContain('cli-planted-token');
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(
      /active master key [0-9a-f]+ \(new\): rewrapped 1 data keys, 0 could not be/,
    );
    expect(again.code).toBe(0);
  });

  it('leaves the service running and healthy', async () => {
    expect(service.child.exitCode).toBeNull();
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });
});
