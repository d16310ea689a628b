import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';
import { type Logger, silentLogger } from '../core/logger.js';
import { KEY_BYTES } from './crypto/envelope.js';
import { Secret } from './secret.js';

/**
 * The master keys that wrap every tenant's data key. They come from `INTEGRATIONS_MASTER_KEY` (base64
 * of 32 bytes; `new,old` for several) or, when that is unset, from `<dataDir>/master.key`, which is
 * made on first start with mode 0600 and holds one base64 key per line. In both, the first key is
 * the active one (it wraps new data keys); the others only unwrap, so a rotation never strands a
 * ciphertext. See README.md § Key rotation.
 */

export const MASTER_KEY_FILE = 'master.key';
export const MASTER_KEY_ENV = 'INTEGRATIONS_MASTER_KEY';
const GENERATE_HINT = 'generate one with: openssl rand -base64 32';

/** One master key: its id (stored with every wrapped data key) and its bytes, wrapped. */
export interface MasterKey {
  readonly id: string;
  readonly secret: Secret;
}

export interface MasterKeyring {
  /** Where the keys come from: the environment variable, or the key file (which rotation may rewrite). */
  readonly source: 'env' | 'file';
  /** The key file, for the `file` source. */
  readonly path: string | null;
  /**
   * The key that wraps new data keys. For the `file` source the file is looked at every 10 s, so a
   * rotation made by another process (the CLI) becomes active here too.
   */
  active(): MasterKey;
  /**
   * The key with this id. For the `file` source an unknown id re-reads the file first (at most once a
   * second), so a rotation made by another process is picked up without a restart.
   */
  get(id: string): MasterKey | undefined;
  /** Every key, active first. */
  all(): readonly MasterKey[];
  /** Re-reads the key file (file source); false when nothing changed or the source is the environment. */
  reload(): boolean;
}

/**
 * A key's id: the first 8 bytes of SHA-256 over a fixed label and the key, in hex. It names the key
 * in `data_keys.master_key_id` and blobs without revealing anything usable about it.
 */
export function masterKeyId(key: Buffer): string {
  return createHash('sha256').update('authref/v1/master-key-id\0').update(key).digest('hex').slice(0, 16);
}

export function generateMasterKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Loads the keyring at start-up; throws `ConfigError` saying what is wrong (never the key).
 *
 * @example
 * const keys = loadMasterKeys({ masterKey: config.masterKey, dataDir: config.dataDir, logger });
 */
export function loadMasterKeys(options: {
  masterKey: string | null;
  dataDir: string;
  logger?: Logger;
  now?: () => number;
}): MasterKeyring {
  const logger = options.logger ?? silentLogger;
  const path = join(options.dataDir, MASTER_KEY_FILE);
  if (options.masterKey !== null && options.masterKey !== undefined) {
    const keys = parseKeyList(options.masterKey.split(','), (n) => `${MASTER_KEY_ENV}: entry ${n}`);
    if (existsSync(path)) {
      logger.warn({ path }, `${MASTER_KEY_ENV} is set, so the key file is not used`);
    }
    return keyring('env', null, keys, () => keys);
  }
  if (!existsSync(path)) createKeyFile(path, options.dataDir, logger);
  return keyring('file', path, readKeyFile(path), () => readKeyFile(path), options.now);
}

/** Reads and checks `<dataDir>/master.key`: a regular file, mode 0600 or stricter, base64 keys. */
export function readKeyFile(path: string): MasterKey[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch (cause) {
    throw new ConfigError(`cannot read the master key file ${path}: ${(cause as Error).message}`, { cause });
  }
  if (!stat.isFile()) throw new ConfigError(`the master key file ${path} is not a regular file`);
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    const mode = (stat.mode & 0o777).toString(8).padStart(4, '0');
    throw new ConfigError(
      `the master key file ${path} is readable by group or others (mode ${mode}); run: chmod 600 ${path}`,
    );
  }
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .map((line, index) => ({ text: line.trim(), number: index + 1 }))
    .filter((line) => line.text !== '' && !line.text.startsWith('#'));
  if (lines.length === 0) {
    throw new ConfigError(
      `the master key file ${path} holds no key (one base64 key per line; ${GENERATE_HINT})`,
    );
  }
  const byLine = new Map(lines.map((line, index) => [index + 1, line.number]));
  return parseKeyList(
    lines.map((line) => line.text),
    (n) => `the master key file ${path}: line ${byLine.get(n)}`,
  );
}

/**
 * Writes the key file atomically (a temporary file with mode 0600, then a rename), active key first.
 * Used by the first start and by `rotateMasterKey`.
 */
export function writeKeyFile(path: string, keys: readonly Buffer[]): void {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    const header =
      '# Master keys of the integrations catalog: the first wraps new data keys, the rest only unwrap.\n';
    writeSync(fd, header + keys.map((key) => `${key.toString('base64')}\n`).join(''));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

function createKeyFile(path: string, dataDir: string, logger: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = generateMasterKey();
  let fd: number;
  try {
    // 'wx': when several instances share the directory and start at once, exactly one creates it.
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new ConfigError(`cannot create the master key file ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
    key.fill(0);
  }
  chmodSync(path, 0o600);
  logger.warn(
    { path },
    `generated a master key; back it up: without it no stored secret can be decrypted (or set ${MASTER_KEY_ENV})`,
  );
}

/** Parses base64 keys; `where(n)` names entry n (1-based) in messages. */
function parseKeyList(entries: readonly string[], where: (n: number) => string): MasterKey[] {
  const keys = entries.map((entry, index) => {
    const text = entry.trim();
    if (text === '') throw new ConfigError(`${where(index + 1)} is empty (${GENERATE_HINT})`);
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text) || text.replace(/=+$/, '').length % 4 === 1) {
      throw new ConfigError(`${where(index + 1)} is not base64 (${GENERATE_HINT})`);
    }
    const bytes = Buffer.from(text, 'base64'); // Node reads both alphabets
    if (bytes.length !== KEY_BYTES) {
      const length = bytes.length;
      bytes.fill(0);
      throw new ConfigError(
        `${where(index + 1)} decodes to ${length} bytes; a master key is exactly ${KEY_BYTES} bytes (${GENERATE_HINT})`,
      );
    }
    return { id: masterKeyId(bytes), secret: Secret.adopt(bytes) };
  });
  const seen = new Map<string, number>();
  for (const [index, key] of keys.entries()) {
    const earlier = seen.get(key.id);
    if (earlier !== undefined) throw new ConfigError(`${where(index + 1)} repeats entry ${earlier}`);
    seen.set(key.id, index + 1);
  }
  return keys;
}

function keyring(
  source: 'env' | 'file',
  path: string | null,
  initial: MasterKey[],
  read: () => MasterKey[],
  now: () => number = Date.now,
): MasterKeyring {
  let keys = initial;
  let byId = new Map(keys.map((key) => [key.id, key]));
  let lastReload = now();
  let lastCheck = now();
  let mtime = path ? mtimeOf(path) : 0;
  const reload = (): boolean => {
    if (source !== 'file') return false;
    lastReload = now();
    mtime = mtimeOf(path!);
    const next = read();
    const changed = next.length !== keys.length || next.some((key, index) => key.id !== keys[index]?.id);
    if (changed) {
      keys = next;
      byId = new Map(keys.map((key) => [key.id, key]));
    }
    return changed;
  };
  const tryReload = () => {
    try {
      reload();
    } catch {
      // A broken file mid-edit: keep the keys we have; a missing key is reported by the caller.
    }
  };
  return {
    source,
    path,
    active() {
      // Another process (the CLI's rotation) may have put a new key first: look at most every 10 s.
      if (source === 'file' && now() - lastCheck >= FILE_CHECK_MS) {
        lastCheck = now();
        if (mtimeOf(path!) !== mtime) tryReload();
      }
      return keys[0]!;
    },
    all: () => keys,
    reload,
    get(id) {
      const found = byId.get(id);
      if (found || source !== 'file' || now() - lastReload < 1000) return found;
      tryReload();
      return byId.get(id);
    },
  };
}

/** How often the key file's mtime is looked at for a rotation made elsewhere. */
const FILE_CHECK_MS = 10_000;

function mtimeOf(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}
