import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { issueCertificate, makeCa } from '../../src/net/certificates.test-kit.js';
import { closedPort } from './process.js';
import { REGISTRY_USERS, type RegistryUser, TOKEN_ISSUER, TOKEN_SERVICE } from './registry/constants.js';
import {
  type AccountCheck,
  type StartedTokenServer,
  startTokenServer,
  type TokenServer,
} from './registry/token-server.js';
import { onExit, onPath, run, tempDir } from './registry/tools.js';
import { servicesRequired } from './services.js';

/*
 * A real CNCF distribution registry (Debian's `docker-registry`, distribution 2.8) for end-to-end tests of
 * registry providers: anonymous, htpasswd Basic auth, or Docker token auth served by a strict token
 * server of ours (`registry/token-server.ts`); and `pushImage` (`registry/images.ts`), which builds a
 * tiny valid image and pushes it with skopeo. This module is the one tests import: it starts the
 * registry and re-exports the token server's, the images' and the shared constants' public names.
 */

export {
  DOCKER_CONFIG,
  DOCKER_LAYER_GZIP,
  DOCKER_MANIFEST,
  DOCKER_MANIFEST_LIST,
  MANIFEST_ACCEPT,
  OCI_CONFIG,
  OCI_INDEX,
  OCI_LAYER_GZIP,
  OCI_MANIFEST,
  REGISTRY_USERS,
  type RegistryUser,
  TOKEN_ISSUER,
  TOKEN_SERVICE,
} from './registry/constants.js';
export {
  type Platform,
  type PushedImage,
  type PushedManifest,
  type PushImageOptions,
  pushImage,
  pushSampleImages,
} from './registry/images.js';
export {
  OCI_EMPTY,
  type PushedReferrer,
  type PushReferrerOptions,
  pushReferrer,
} from './registry/referrers.js';
export {
  type AccountCheck,
  decodeToken,
  type TokenAccess,
  type TokenClaims,
  type TokenRequestRecord,
  type TokenServer,
} from './registry/token-server.js';

const TOOLS = ['docker-registry', 'skopeo', 'htpasswd', 'openssl'] as const;

/**
 * Resolves to true when docker-registry, skopeo, htpasswd and openssl are on PATH and a registry
 * starts. Otherwise warns and resolves false (skip), or throws when services are required (CI).
 */
export async function registryToolsAvailable(): Promise<boolean> {
  let problem: string | undefined;
  const missing = TOOLS.filter((tool) => !onPath(tool));
  if (missing.length > 0) problem = `${missing.join(', ')} not on PATH`;
  else {
    try {
      await (await startRegistry({ auth: 'none' })).stop();
    } catch (error) {
      problem = (error as Error).message;
    }
  }
  if (!problem) return true;
  const message = `the registry tools do not work (${problem})`;
  if (servicesRequired) throw new Error(`${message}; CI requires them`);
  console.warn(
    `skipping registry tests: ${message}. Install the Debian packages docker-registry, skopeo, apache2-utils and openssl to run them.`,
  );
  return false;
}

export type RegistryAuth = 'none' | 'basic' | 'token';

export interface StartRegistryOptions {
  readonly auth: RegistryAuth;
  /**
   * Accounts besides `REGISTRY_USERS`, each with the rights of `reader` or `admin`: a fixed password
   * (htpasswd or token), or a check of any username and password (token only: a login a fake cloud
   * issued, known only at run time).
   */
  readonly accounts?: Readonly<Record<string, { readonly password: string; readonly role: RegistryUser }>>;
  readonly accountCheck?: AccountCheck;
  /**
   * Serve TLS (distribution's `http.tls`) with a certificate for 127.0.0.1 issued by a throwaway private
   * CA, made with openssl: `url` is then `https://127.0.0.1:PORT` and `ca` that CA's PEM. skopeo pushes
   * without verifying it. A token registry's token server stays plain http.
   */
  readonly tls?: boolean;
  /** How long to wait for `GET /v2/` to answer (10 s). */
  readonly timeoutMs?: number;
}

export interface TestRegistry {
  readonly auth: RegistryAuth;
  /** `http://127.0.0.1:PORT`, or `https://…` with `tls`. */
  readonly url: string;
  /** With `tls`: the PEM of the private CA that issued the registry's certificate. */
  readonly ca?: string;
  /** `127.0.0.1:PORT`, as image references name it. */
  readonly host: string;
  /** The accounts a `basic` or `token` registry knows (an anonymous one ignores them). */
  readonly users: typeof REGISTRY_USERS;
  /** The token server of a `token` registry. */
  readonly tokenServer?: TokenServer;
  /** The registry's output so far (its last 64 KiB). */
  logs(): string;
  /** Kills the registry, closes the token server and removes the directory. Twice is fine. */
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve` on 127.0.0.1 with filesystem storage in a fresh directory, and
 * resolves once `GET /v2/` answers.
 *
 * @example
 * const registry = await startRegistry({ auth: 'token' });
 * await pushImage(registry, { repository: 'acme/app', tag: 'v1', format: 'oci', user: 'admin' });
 * await registry.stop();
 */
export async function startRegistry(options: StartRegistryOptions): Promise<TestRegistry> {
  const dir = tempDir('test-registry-');
  let tokenServer: StartedTokenServer | undefined;
  try {
    let auth: Record<string, unknown> | undefined;
    if (options.auth === 'basic') {
      if (options.accountCheck) throw new Error('accountCheck needs a token registry (htpasswd is a file)');
      auth = { htpasswd: { realm: 'test-registry', path: await writeHtpasswd(dir.path, options.accounts) } };
    } else if (options.auth === 'token') {
      const keys = await makeCertificate(dir.path);
      const fixed = options.accounts ?? {};
      tokenServer = await startTokenServer(
        keys,
        (username, password) =>
          (Object.hasOwn(fixed, username) && fixed[username]?.password === password
            ? fixed[username]?.role
            : undefined) ?? options.accountCheck?.(username, password),
      );
      auth = {
        token: {
          realm: tokenServer.realm,
          service: TOKEN_SERVICE,
          issuer: TOKEN_ISSUER,
          rootcertbundle: keys.certificatePath,
        },
      };
    }
    const tls = options.tls ? writeTls(dir.path) : undefined;
    const registry = await spawnRegistry(dir.path, auth, tls, options.timeoutMs ?? 10_000);
    const server = tokenServer;
    let stopped = false;
    return {
      auth: options.auth,
      url: `${tls ? 'https' : 'http'}://${registry.host}`,
      ...(tls ? { ca: tls.ca } : {}),
      host: registry.host,
      users: REGISTRY_USERS,
      ...(server ? { tokenServer: server } : {}),
      logs: registry.output,
      async stop() {
        if (stopped) return;
        stopped = true;
        await registry.kill();
        await server?.close();
        dir.remove();
      },
    };
  } catch (error) {
    await tokenServer?.close();
    dir.remove();
    throw error;
  }
}

interface RegistryTls {
  readonly ca: string;
  readonly certificate: string;
  readonly key: string;
}

/** A private CA and the registry's certificate for 127.0.0.1 it issued, the files in `dir`. */
function writeTls(dir: string): RegistryTls {
  const ca = makeCa('Test Registry CA');
  const server = issueCertificate(ca, ['127.0.0.1']);
  const certificate = join(dir, 'registry-cert.pem');
  const key = join(dir, 'registry-key.pem');
  writeFileSync(certificate, server.cert);
  writeFileSync(key, server.key, { mode: 0o600 });
  return { ca: ca.cert, certificate, key };
}

async function writeHtpasswd(dir: string, accounts: StartRegistryOptions['accounts'] = {}): Promise<string> {
  const all = [
    ...Object.entries(REGISTRY_USERS),
    ...Object.entries(accounts).map(([user, account]) => [user, account.password] as const),
  ];
  // -B: distribution accepts only bcrypt entries.
  const lines = await Promise.all(all.map(([user, password]) => run('htpasswd', ['-Bbn', user, password])));
  const path = join(dir, 'htpasswd');
  writeFileSync(path, lines.map((line) => `${line.trim()}\n`).join(''));
  return path;
}

// openssl takes most of a second for an RSA key, so one key and certificate serve every token registry.
let issuerKeys: Promise<{ certificate: string; privateKey: string }> | undefined;

/** The issuer's certificate in `dir` (the registry's rootcertbundle), and the PEMs. */
async function makeCertificate(dir: string) {
  issuerKeys ??= generateIssuerKeys().catch((error: Error) => {
    issuerKeys = undefined;
    throw error;
  });
  const keys = await issuerKeys;
  const certificatePath = join(dir, 'token-cert.pem');
  writeFileSync(certificatePath, keys.certificate);
  return { certificatePath, ...keys };
}

async function generateIssuerKeys() {
  const dir = tempDir('test-token-issuer-');
  try {
    const keyPath = join(dir.path, 'key.pem');
    const certificatePath = join(dir.path, 'cert.pem');
    const subject = `/CN=${TOKEN_ISSUER}`;
    const args = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', subject];
    await run('openssl', [...args, '-keyout', keyPath, '-out', certificatePath]);
    return { certificate: readFileSync(certificatePath, 'utf8'), privateKey: readFileSync(keyPath, 'utf8') };
  } finally {
    dir.remove();
  }
}

/**
 * The registry runs under a shell that kills it (and removes its directory) when our end of the
 * shell's stdin closes: `stop()` closes it, and so does the death of this process by a signal, where no
 * 'exit' handler runs. The shell reaps the registry and the watcher, so no zombie is left to init.
 */
const WATCHDOG = [
  'exec 3<&0',
  'docker-registry serve "$1" </dev/null 3<&- & registry=$!',
  '{ read -r _ <&3; kill -KILL "$registry"; rm -rf "$2"; } >/dev/null 2>&1 & watcher=$!',
  'wait "$registry"; status=$?',
  'kill "$watcher" 2>/dev/null; wait; exit "$status"',
].join('\n');

const OUTPUT_LIMIT = 64 * 1024;

async function spawnRegistry(
  dir: string,
  auth: Record<string, unknown> | undefined,
  tls: RegistryTls | undefined,
  timeoutMs: number,
) {
  // The free port is released before the registry binds it; another process may take it meanwhile.
  for (let attempt = 1; ; attempt++) {
    const host = `127.0.0.1:${await closedPort()}`;
    const config = join(dir, 'config.yml');
    writeFileSync(config, stringify(registryConfig(dir, host, auth, tls)));
    const registry = startProcess(config, host, dir);
    try {
      await waitUntilAnswering(registry, tls?.ca, timeoutMs);
      return registry;
    } catch (error) {
      await registry.kill();
      if (attempt < 3 && registry.output().includes('address already in use')) continue;
      throw error;
    }
  }
}

function registryConfig(
  dir: string,
  host: string,
  auth: Record<string, unknown> | undefined,
  tls: RegistryTls | undefined,
) {
  return {
    version: '0.1',
    log: { level: 'warn', formatter: 'text', accesslog: { disabled: true } },
    storage: {
      filesystem: { rootdirectory: join(dir, 'storage') },
      delete: { enabled: true },
      maintenance: { uploadpurging: { enabled: false } },
    },
    // A fixed secret keeps distribution from warning that it made one up.
    http: {
      addr: host,
      secret: randomBytes(16).toString('hex'),
      ...(tls ? { tls: { certificate: tls.certificate, key: tls.key } } : {}),
    },
    ...(auth ? { auth } : {}),
  };
}

interface RegistryProcess {
  readonly host: string;
  readonly child: ChildProcess;
  output(): string;
  kill(): Promise<void>;
}

function startProcess(config: string, host: string, dir: string): RegistryProcess {
  // REGISTRY_* variables would override the config file.
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('REGISTRY_')),
  );
  const child = spawn('/bin/sh', ['-c', WATCHDOG, 'docker-registry-watchdog', config, dir], {
    env,
    detached: true, // a process group of its own, so one kill ends the shell and the registry
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: string) => {
    output = (output + chunk).slice(-OUTPUT_LIMIT);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  child.on('error', (error) => collect(`${error.message}\n`));
  child.stdin?.on('error', () => {}); // EPIPE when the shell is gone already
  const closed = new Promise<void>((done) => child.on('close', () => done()));
  const killGroup = () => {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  const forget = onExit(killGroup);
  return {
    host,
    child,
    output: () => output,
    async kill() {
      child.stdin?.end();
      const timer = setTimeout(killGroup, 5000);
      await closed;
      clearTimeout(timer);
      forget();
    },
  };
}

async function waitUntilAnswering(
  registry: RegistryProcess,
  ca: string | undefined,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const { child } = registry;
  const url = `${ca ? 'https' : 'http'}://${registry.host}/v2/`;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `docker-registry exited (${child.signalCode ?? `code ${child.exitCode}`}) before answering:\n${registry.output()}`,
      );
    }
    try {
      await answers(url, ca);
      return;
    } catch {
      await new Promise((done) => setTimeout(done, 25));
    }
  }
  throw new Error(
    `docker-registry did not answer GET ${url} within ${timeoutMs} ms; its output:\n${registry.output()}`,
  );
}

/** Resolves when `url` answers at all (any status), trusting `ca` for https; rejects otherwise. */
function answers(url: string, ca: string | undefined): Promise<void> {
  return new Promise((done, fail) => {
    const request = (ca ? httpsGet(url, { ca, timeout: 1000 }) : httpGet(url, { timeout: 1000 }))
      .on('response', (response) => {
        response.resume();
        done();
      })
      .on('timeout', () => request.destroy(new Error('timeout')))
      .on('error', fail);
  });
}
