import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, and the shipped CLI that `npm run build` (test/global-setup.ts) produces. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

export type Env = Record<string, string | undefined>;

/**
 * The environment of a child: this process's, without the service's own variables (a developer's
 * INTEGRATIONS_* or DATABASE_URL must not leak in), plus `env` (an undefined value removes a variable).
 */
export function childEnv(env: Env): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('INTEGRATIONS_') || name === 'DATABASE_URL') continue;
    result[name] = value;
  }
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) delete result[name];
    else result[name] = value;
  }
  return result;
}

const tempDirs = new Set<string>();

/** A fresh directory under the OS temp dir, removed by `removeTempDirs`. */
export function makeTempDir(prefix = 'integrations-e2e-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One JSON log line of the service. */
export type LogLine = { msg?: string; level?: string; [key: string]: unknown };

export interface ServiceProcess {
  /** `http://127.0.0.1:PORT`, from the 'listening on' log line. */
  readonly url: string;
  readonly child: ChildProcess;
  /** `performance.now()` just before the spawn, to time the start-up from outside. */
  readonly spawnedAt: number;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  /** The stdout lines that are JSON log entries. */
  lines(): LogLine[];
  /** Resolves with the first log line `match` accepts (seen already or later). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves when the process has exited and its output is read. */
  readonly exited: Promise<Exit>;
  /** Sends `signal` (SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

const running = new Set<ServiceProcess>();

/** Kills every service process still running (afterEach/afterAll), so no test leaves one behind. */
export async function stopAllServices(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop('SIGKILL')));
}

const delay = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Spawns `node dist/cli/main.js serve` on 127.0.0.1 and port 0 (unless `env` says otherwise) and
 * resolves once it logs 'listening on …'. Rejects, with its output, if it exits or stays silent first.
 */
export async function startService(env: Env, options: { timeoutMs?: number } = {}): Promise<ServiceProcess> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve'], {
    cwd: ROOT,
    env: childEnv({ INTEGRATIONS_HOST: '127.0.0.1', INTEGRATIONS_PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let pending = '';
  const parsed: LogLine[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of listeners) listener();
  };
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
    pending += chunk;
    const complete = pending.split('\n');
    pending = complete.pop() ?? '';
    for (const text of complete) {
      try {
        parsed.push(JSON.parse(text) as LogLine);
      } catch {
        // not a log line
      }
    }
    notify();
  });
  child.stderr.on('data', (chunk: string) => {
    output += chunk;
    notify();
  });
  let exit: Exit | undefined;
  const exited = new Promise<Exit>((done) => {
    child.on('close', (code, signal) => {
      exit = { code, signal };
      notify();
      done(exit);
    });
  });

  function waitForLog(match: (line: LogLine) => boolean, waitMs = timeoutMs): Promise<LogLine> {
    return new Promise((done, fail) => {
      const check = () => {
        const found = parsed.find(match);
        if (found) return finish(() => done(found));
        if (exit)
          return finish(() => fail(new Error(`the service exited (${describeExit(exit!)}):\n${output}`)));
      };
      const timer = setTimeout(
        () => finish(() => fail(new Error(`no such log line within ${waitMs} ms:\n${output}`))),
        waitMs,
      );
      const finish = (then: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        then();
      };
      listeners.add(check);
      check();
    });
  }

  let url = '';
  const service: ServiceProcess = {
    get url() {
      return url;
    },
    child,
    spawnedAt,
    logs: () => output,
    lines: () => [...parsed],
    waitForLog,
    exited,
    async stop(signal = 'SIGTERM', stopTimeoutMs = 15_000) {
      if (!exit) child.kill(signal);
      const result = await Promise.race([exited, delay(stopTimeoutMs).then(() => undefined)]);
      if (result) {
        running.delete(service);
        return result;
      }
      child.kill('SIGKILL');
      await exited;
      running.delete(service);
      throw new Error(`the service did not stop within ${stopTimeoutMs} ms of ${signal}:\n${output}`);
    },
  };
  running.add(service);
  try {
    const listening = await waitForLog(
      (line) => typeof line.msg === 'string' && line.msg.startsWith('listening on '),
    );
    const address = typeof listening.address === 'string' ? listening.address : '';
    if (!/^http:\/\/[^/]+:\d+$/.test(address))
      throw new Error(`unexpected address in ${JSON.stringify(listening)}`);
    url = address;
    return service;
  } catch (error) {
    await service.stop('SIGKILL');
    throw error;
  }
}

function describeExit(exit: Exit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${exit.code}`;
}

export interface CliResult {
  /** The exit code; null when the process was killed (by a signal or the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/cli/main.js …args` to the end and resolves with its exit code and output. */
export function runCli(args: readonly string[], env: Env = {}, options: { timeoutMs?: number } = {}) {
  return new Promise<CliResult>((done) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { cwd: ROOT, env: childEnv(env), timeout: options.timeoutMs ?? 15_000, killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** A port on 127.0.0.1 that nothing listens on any more (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}
