import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, InvalidInputError, NotFoundError, UnprocessableError } from '../../core/errors.js';
import { parseAuthRef } from '../authref.js';
import { type Secret, SecretBundle } from '../secret.js';
import { createEnvStore } from './env.js';
import { createFileStore } from './file.js';

const ctx = { tenantId: 'system' };
const reveal = (value: unknown) => (value as Secret).reveal();

describe('env store', () => {
  const env = {
    AUTHREF_GITLAB_TOKEN: 'glpat-env',
    AUTHREF_APP: '{"appId":"1","privateKey":"k"}',
    AUTHREF_B64: Buffer.from('bytes!').toString('base64'),
    AUTHREF_STORES: 'not a secret but a setting',
    INTEGRATIONS_ADMIN_TOKEN: 'intg_admin',
    HOME: '/root',
  };
  const store = createEnvStore({ name: 'env', env, deny: ['AUTHREF_STORES'] });
  const resolve = (ref: string) => store.resolve(parseAuthRef(ref), ctx);

  it('reads an allowed variable, JSON fields with #key, and base64 with ?encoding', async () => {
    expect(reveal((await resolve('authref://env/AUTHREF_GITLAB_TOKEN')).value)).toBe('glpat-env');
    expect(reveal((await resolve('authref://env/AUTHREF_APP#privateKey')).value)).toBe('k');
    expect(reveal((await resolve('authref://env/AUTHREF_B64?encoding=base64')).value)).toBe('bytes!');
    expect((await resolve('authref://env/AUTHREF_GITLAB_TOKEN')).version).toBeNull();
  });

  it.each([
    ['authref://env/HOME', /does not serve \(only AUTHREF_… variables\)/],
    ['authref://env/INTEGRATIONS_ADMIN_TOKEN', /does not serve/],
    ['authref://env/AUTHREF_', /does not serve/],
    ['authref://env/AUTHREF_STORES', /does not serve/],
    ['authref://env/integrations_secret_x', /in upper case/],
    ['authref://env/A/B', /one environment variable/],
  ])('refuses %s', async (ref, message) => {
    const error = await resolve(ref).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toMatch(message);
  });

  it('reports an unset or empty variable as not found', async () => {
    await expect(resolve('authref://env/AUTHREF_MISSING')).rejects.toBeInstanceOf(NotFoundError);
  });
});

describe('file store', () => {
  let root: string;
  let outside: string;
  beforeEach(() => {
    const base = mkdtempSync(join(tmpdir(), 'file-store-'));
    root = join(base, 'root');
    outside = join(base, 'outside');
    mkdirSync(join(root, 'github-app'), { recursive: true });
    mkdirSync(outside);
  });
  afterEach(() => rmSync(join(root, '..'), { recursive: true, force: true }));
  const resolve = (ref: string) => createFileStore({ name: 'files', root }).resolve(parseAuthRef(ref), ctx);

  it('reads a file under the root, dropping one trailing newline, and JSON fields with #key', async () => {
    writeFileSync(join(root, 'github-app', 'private-key.pem'), 'PEM\n');
    writeFileSync(join(root, 'app.json'), JSON.stringify({ appId: 7, privateKey: 'k' }));

    expect(reveal((await resolve('authref://files/github-app/private-key.pem')).value)).toBe('PEM');
    expect(reveal((await resolve('authref://files/app.json#appId')).value)).toBe('7');
    expect((await resolve('authref://files/app.json?encoding=utf8')).value).not.toBeInstanceOf(SecretBundle);
  });

  it('re-reads the file when its mtime changes, and reports the mtime as the version', async () => {
    const path = join(root, 'token');
    const store = createFileStore({ name: 'files', root });
    writeFileSync(path, 'one');
    utimesSync(path, 1_000, 1_000);
    const first = await store.resolve(parseAuthRef('authref://files/token'), ctx);

    writeFileSync(path, 'two');
    utimesSync(path, 2_000, 2_000);
    const second = await store.resolve(parseAuthRef('authref://files/token'), ctx);

    expect([reveal(first.value), first.version]).toEqual(['one', '1000000']);
    expect([reveal(second.value), second.version]).toEqual(['two', '2000000']);
  });

  it('follows links that stay under the root (Kubernetes ..data) and refuses those that leave it', async () => {
    mkdirSync(join(root, '..2026_01_01'));
    writeFileSync(join(root, '..2026_01_01', 'token'), 'rotated');
    symlinkSync('..2026_01_01', join(root, '..data'));
    symlinkSync(join('..data', 'token'), join(root, 'token'));
    writeFileSync(join(outside, 'passwd'), 'root:x:0:0');
    symlinkSync(join(outside, 'passwd'), join(root, 'escape'));

    expect(reveal((await resolve('authref://files/token')).value)).toBe('rotated');
    const escaped = await resolve('authref://files/escape').catch((e: unknown) => e);
    expect(escaped).toBeInstanceOf(InvalidInputError);
    expect((escaped as Error).message).toMatch(/outside the file store's root/);
  });

  it('refuses files over 64 KiB, directories and missing files', async () => {
    writeFileSync(join(root, 'big'), Buffer.alloc(64 * 1024 + 1, 97));

    await expect(resolve('authref://files/big')).rejects.toBeInstanceOf(UnprocessableError);
    await expect(resolve('authref://files/github-app')).rejects.toBeInstanceOf(NotFoundError);
    await expect(resolve('authref://files/nope')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses to start without its root', () => {
    expect(() => createFileStore({ name: 'files', root: join(root, 'missing') })).toThrow(ConfigError);
  });
});
