import { readFileSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeTempDirs, runCli, startService, stopAllServices } from './support/process.js';
import { createPostgresSchema, postgresAvailable } from './support/services.js';

const ADMIN_TOKEN = `intg_${'c'.repeat(43)}`;
const READY_WITHIN_MS = 3_000;
const pgUp = await postgresAvailable();

afterEach(async () => {
  await stopAllServices();
});
afterAll(() => {
  removeTempDirs();
});

const registration = (name: string) => ({
  name,
  type: 'scm',
  provider: 'in_memory',
  endpoint: 'https://scm.example.com',
  tags: ['e2e'],
});

/** Polls GET /readyz until it answers 200; resolves with `performance.now()` at that moment. */
async function waitUntilReady(url: string, timeoutMs = 10_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  let last = 'no answer';
  while (performance.now() < deadline) {
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.status === 200) return performance.now();
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await new Promise((done) => setTimeout(done, 20));
  }
  throw new Error(`${url}/readyz did not answer 200 within ${timeoutMs} ms (last: ${last})`);
}

async function api(url: string, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** A request on a new TCP connection (no keep-alive pool): its status, or the connection error code. */
function freshRequest(url: string, path: string): Promise<number | string> {
  return new Promise((done) => {
    const request = http.get(`${url}${path}`, { agent: false }, (response) => {
      response.resume();
      response.on('end', () => done(response.statusCode ?? 0));
    });
    request.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

describe('the service process (dist/cli/main.js serve)', () => {
  it('is ready within 3 s on a fresh data directory and writes the admin token to a 0600 file', async () => {
    const dataDir = makeTempDir();
    const service = await startService({ INTEGRATIONS_DATA_DIR: dataDir });
    const readyAt = await waitUntilReady(service.url);
    const readyMs = Math.round(readyAt - service.spawnedAt);
    const startupMs = service.lines().find((line) => line.msg?.startsWith('listening on'))?.startupMs;
    console.log(
      `service ready (GET /readyz 200) ${readyMs} ms after spawn (in-process start-up: ${startupMs} ms)`,
    );
    expect(readyMs).toBeLessThan(READY_WITHIN_MS);

    const tokenFile = join(dataDir, 'admin-token');
    expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
    const token = readFileSync(tokenFile, 'utf8').trim();
    expect(token).toMatch(/^intg_[A-Za-z0-9_-]{43}$/);
    const logs = service.logs();
    expect(logs).toContain(tokenFile);
    expect(logs).not.toContain(token);
    expect(logs).not.toContain(token.slice(5));
    // the file holds a working admin token
    expect((await api(service.url, token, 'GET', '/api/v1/integrations')).status).toBe(200);

    expect(await service.stop()).toEqual({ code: 0, signal: null });
    expect(service.logs()).not.toContain(token.slice(5));
  });

  it('keeps registrations across a restart on the same data directory', async () => {
    const dataDir = makeTempDir();
    const first = await startService({ INTEGRATIONS_DATA_DIR: dataDir });
    const token = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
    const created = await api(first.url, token, 'POST', '/api/v1/integrations', registration('survivor'));
    expect(created.status).toBe(201);
    expect(await first.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const second = await startService({ INTEGRATIONS_DATA_DIR: dataDir });
    // no second bootstrap: the token file and the token are the ones from the first start
    expect(second.logs()).not.toContain('created an admin token');
    expect(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim()).toBe(token);
    const fetched = await api(second.url, token, 'GET', `/api/v1/integrations/${created.body.id}`);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toMatchObject({ id: created.body.id, name: 'survivor', tags: ['e2e'] });
    expect(await second.stop()).toEqual({ code: 0, signal: null });
  });

  it('lets an in-flight request finish on SIGTERM, refuses new ones and exits 0', async () => {
    const dataDir = makeTempDir();
    const service = await startService({
      INTEGRATIONS_DATA_DIR: dataDir,
      INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    const body = JSON.stringify(registration('in-flight'));
    const half = Math.floor(body.length / 2);

    const request = http.request(`${service.url}/api/v1/integrations`, {
      method: 'POST',
      agent: false,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    const response = new Promise<{ status: number; body: any }>((done, fail) => {
      request.on('response', (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => {
          text += chunk;
        });
        incoming.on('end', () => done({ status: incoming.statusCode ?? 0, body: JSON.parse(text) }));
      });
      request.on('error', fail);
    });
    request.write(body.slice(0, half));
    // let the server read the headers and the first half before the signal
    await new Promise((done) => setTimeout(done, 200));

    service.child.kill('SIGTERM');
    await service.waitForLog((line) => line.msg === 'shutting down: finishing in-flight requests', 5_000);
    await new Promise((done) => setTimeout(done, 200));
    // a new connection while the old request is still open: refused (or 503 if it got in)
    expect(['ECONNREFUSED', 'ECONNRESET', 503]).toContain(await freshRequest(service.url, '/healthz'));
    expect(service.child.exitCode).toBeNull(); // still waiting for the in-flight request

    request.end(body.slice(half));
    const answer = await response;
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: 'in-flight' });

    const exit = await service.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(service.lines().map((line) => line.msg)).toContain('stopped');
  });

  describe('refuses to start with an invalid configuration (exit 78, naming the key)', () => {
    it('a value of the wrong type: INTEGRATIONS_PORT=abc', async () => {
      const result = await runCli(['serve'], {
        INTEGRATIONS_DATA_DIR: makeTempDir(),
        INTEGRATIONS_PORT: 'abc',
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain('INTEGRATIONS_PORT');
      expect(result.stderr).toMatch(/invalid configuration/);
    });

    it('an unknown variable: INTEGRATIONS_PROT=1', async () => {
      const result = await runCli(['serve'], {
        INTEGRATIONS_DATA_DIR: makeTempDir(),
        INTEGRATIONS_PORT: '0',
        INTEGRATIONS_PROT: '1',
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain('unknown environment variable INTEGRATIONS_PROT');
    });

    it('an unknown key in the config file named by INTEGRATIONS_CONFIG', async () => {
      const dir = makeTempDir();
      const file = join(dir, 'integrations.yaml');
      writeFileSync(file, 'port: 0\nlogLevel: info\nprot: 1\n');
      const result = await runCli(['serve'], {
        INTEGRATIONS_DATA_DIR: dir,
        INTEGRATIONS_PORT: '0',
        INTEGRATIONS_CONFIG: file,
      });
      expect(result.code).toBe(78);
      expect(result.stderr).toContain(file);
      expect(result.stderr).toContain("unknown key 'prot'");
    });
  });

  it('fails with a non-zero exit code when its port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done));
    try {
      const { port } = blocker.address() as { port: number };
      const result = await runCli(['serve'], {
        INTEGRATIONS_DATA_DIR: makeTempDir(),
        INTEGRATIONS_HOST: '127.0.0.1',
        INTEGRATIONS_PORT: String(port),
      });
      expect(result.code).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toContain('EADDRINUSE');
      expect(result.stdout).not.toContain('shutting down');
    } finally {
      await new Promise((done) => blocker.close(done));
    }
  });

  it.skipIf(!pgUp)('starts, serves and restarts the same way on PostgreSQL', async () => {
    const schema = await createPostgresSchema();
    try {
      const env = {
        INTEGRATIONS_DATA_DIR: makeTempDir(),
        DATABASE_URL: schema.url,
        INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN,
      };
      const first = await startService(env);
      const readyMs = Math.round((await waitUntilReady(first.url)) - first.spawnedAt);
      console.log(`service on PostgreSQL ready (GET /readyz 200) ${readyMs} ms after spawn`);
      expect(first.lines().find((line) => line.msg === 'catalog ready')).toMatchObject({
        database: 'postgres',
      });
      expect(first.logs()).not.toContain(ADMIN_TOKEN);
      const created = await api(first.url, ADMIN_TOKEN, 'POST', '/api/v1/integrations', registration('pg'));
      expect(created.status).toBe(201);
      expect(await first.stop()).toEqual({ code: 0, signal: null });

      const second = await startService(env);
      const fetched = await api(second.url, ADMIN_TOKEN, 'GET', `/api/v1/integrations/${created.body.id}`);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({ name: 'pg' });
      expect(await second.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await stopAllServices();
      await schema.drop();
    }
  });
});
