import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.js';
import {
  generateMasterKey,
  loadMasterKeys,
  MASTER_KEY_FILE,
  masterKeyId,
  writeKeyFile,
} from './master-key.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'master-key-test-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const b64 = (bytes: Buffer) => bytes.toString('base64');

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loaded');
}

describe('master keys from INTEGRATIONS_MASTER_KEY', () => {
  it('takes one base64 key of 32 bytes', () => {
    const key = generateMasterKey();

    const keys = loadMasterKeys({ masterKey: b64(key), dataDir: tempDir() });

    expect(keys.source).toBe('env');
    expect(keys.active().id).toBe(masterKeyId(key));
    expect(keys.active().id).toMatch(/^[0-9a-f]{16}$/);
    expect(keys.active().secret.revealBytes().equals(key)).toBe(true);
  });

  it('takes new,old: the first is active, both unwrap', () => {
    const [next, previous] = [generateMasterKey(), generateMasterKey()];

    const keys = loadMasterKeys({ masterKey: `${b64(next)}, ${b64(previous)}`, dataDir: tempDir() });

    expect(keys.active().id).toBe(masterKeyId(next));
    expect(keys.get(masterKeyId(previous))?.id).toBe(masterKeyId(previous));
    expect(keys.all()).toHaveLength(2);
  });

  it('accepts the URL-safe alphabet and missing padding', () => {
    const key = generateMasterKey();

    const keys = loadMasterKeys({ masterKey: key.toString('base64url'), dataDir: tempDir() });

    expect(keys.active().id).toBe(masterKeyId(key));
  });

  it.each([
    [
      'not base64',
      'this is not base64!!',
      /INTEGRATIONS_MASTER_KEY: entry 1 is not base64 \(generate one with: openssl rand -base64 32\)/,
    ],
    ['16 bytes', b64(Buffer.alloc(16, 7)), /entry 1 decodes to 16 bytes; a master key is exactly 32 bytes/],
    ['33 bytes', b64(Buffer.alloc(33, 7)), /entry 1 decodes to 33 bytes/],
    ['an empty entry', `${b64(generateMasterKey())},`, /entry 2 is empty/],
    ['an empty value', '', /entry 1 is empty/],
    ['a repeated key', `${b64(Buffer.alloc(32, 1))},${b64(Buffer.alloc(32, 1))}`, /entry 2 repeats entry 1/],
  ])('refuses %s and says why', (_what, value, message) => {
    const error = configError(() => loadMasterKeys({ masterKey: value, dataDir: tempDir() }));

    expect(error.message).toMatch(message);
    if (value.length > 8) expect(error.message).not.toContain(value.split(',')[0]);
  });

  it('ignores (and warns about) a key file when the variable is set', () => {
    const dir = tempDir();
    loadMasterKeys({ masterKey: null, dataDir: dir });
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_: object, m?: string) => warnings.push(m ?? ''),
      child: () => logger,
    };
    const key = generateMasterKey();

    const keys = loadMasterKeys({ masterKey: b64(key), dataDir: dir, logger });

    expect(keys.active().id).toBe(masterKeyId(key));
    expect(warnings).toEqual(['INTEGRATIONS_MASTER_KEY is set, so the key file is not used']);
  });
});

describe('master keys from <dataDir>/master.key', () => {
  it('generates the file on first start with mode 0600, and reuses it', () => {
    const dir = join(tempDir(), 'nested');

    const first = loadMasterKeys({ masterKey: null, dataDir: dir });
    const second = loadMasterKeys({ masterKey: null, dataDir: dir });

    const path = join(dir, MASTER_KEY_FILE);
    expect(first.source).toBe('file');
    expect(first.path).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(second.active().id).toBe(first.active().id);
  });

  it('refuses a file that group or others can read, saying how to fix it', () => {
    const dir = tempDir();
    loadMasterKeys({ masterKey: null, dataDir: dir });
    const path = join(dir, MASTER_KEY_FILE);
    chmodSync(path, 0o644);

    const error = configError(() => loadMasterKeys({ masterKey: null, dataDir: dir }));

    expect(error.message).toBe(
      `the master key file ${path} is readable by group or others (mode 0644); run: chmod 600 ${path}`,
    );
  });

  it.each([
    ['a line that is not base64', 'ZZZ not base64\n', /line 1 is not base64/],
    ['a short key', `# comment\n\n${b64(Buffer.alloc(24, 1))}\n`, /line 3 decodes to 24 bytes/],
    ['no key at all', '# only a comment\n\n', /holds no key/],
  ])('refuses %s', (_what, text, message) => {
    const dir = tempDir();
    const path = join(dir, MASTER_KEY_FILE);
    writeFileSync(path, text, { mode: 0o600 });

    expect(configError(() => loadMasterKeys({ masterKey: null, dataDir: dir })).message).toMatch(message);
  });

  it('reads several keys, active first, and picks up a rotation written by another process', () => {
    const dir = tempDir();
    const path = join(dir, MASTER_KEY_FILE);
    const [a, b] = [generateMasterKey(), generateMasterKey()];
    writeKeyFile(path, [a]);
    let clock = 0;
    const keys = loadMasterKeys({ masterKey: null, dataDir: dir, now: () => clock });

    writeKeyFile(path, [b, a]);
    const tooSoon = keys.get(masterKeyId(b));
    clock += 1500;
    const later = keys.get(masterKeyId(b));

    expect(tooSoon).toBeUndefined();
    expect(later?.id).toBe(masterKeyId(b));
    expect(keys.active().id).toBe(masterKeyId(b));
    expect(keys.get(masterKeyId(a))).toBeDefined();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8')).toContain(b64(b));
  });
});
