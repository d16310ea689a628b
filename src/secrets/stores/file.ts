import { constants, realpathSync } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ConfigError, InvalidInputError, NotFoundError, UnprocessableError } from '../../core/errors.js';
import { Secret } from '../secret.js';
import type { SecretStore } from './contract.js';
import { selectValue } from './select-value.js';

/** Largest file served (§1.3: ≤ 64 KiB). */
export const MAX_FILE_SECRET_BYTES = 64 * 1024;

export interface FileStoreOptions {
  readonly name: string;
  /** The directory references are resolved under; must exist. */
  readonly root: string;
  /** Default and upper bound 64 KiB. */
  readonly maxBytes?: number;
}

interface Cached {
  readonly mtimeMs: number;
  readonly size: number;
  readonly ino: number;
  readonly content: Secret;
}

/**
 * `authref://<store>/<path under the root>[#key]`: a file under a configured root, such as a mounted
 * Kubernetes secret. One trailing newline is dropped. The real path (links resolved) must stay under the root's real path; the file
 * is at most 64 KiB and is re-read when its mtime, size or inode changes (Kubernetes swaps the
 * `..data` link on update). A `#key` reads the file as JSON. Admin-only, like `env`.
 *
 * @example
 * createFileStore({ name: 'files', root: '/var/run/secrets/integrations' });
 */
export function createFileStore(options: FileStoreOptions): SecretStore {
  const maxBytes = Math.min(options.maxBytes ?? MAX_FILE_SECRET_BYTES, MAX_FILE_SECRET_BYTES);
  let root: string;
  try {
    root = realpathSync(options.root);
  } catch (cause) {
    throw new ConfigError(
      `secret store '${options.name}': the root ${options.root} cannot be read: ${(cause as Error).message}`,
      { cause },
    );
  }
  const cache = new Map<string, Cached>();

  return {
    name: options.name,
    type: 'file',
    params: [],
    async resolve(ref) {
      let real: string;
      try {
        real = await realpath(join(root, ...ref.path));
      } catch (error) {
        if (['ENOENT', 'ENOTDIR', 'ELOOP'].includes((error as NodeJS.ErrnoException).code ?? '')) {
          throw new NotFoundError('secret', ref.canonical);
        }
        throw error;
      }
      if (!real.startsWith(root + sep)) {
        throw InvalidInputError.field('/authRef', "leads outside the file store's root (through a link)");
      }
      // O_NOFOLLOW: the real path has no link left, so a link swapped in now is refused, not followed.
      let handle: Awaited<ReturnType<typeof open>>;
      try {
        handle = await open(real, constants.O_RDONLY | constants.O_NOFOLLOW);
      } catch (error) {
        if (['ENOENT', 'ELOOP'].includes((error as NodeJS.ErrnoException).code ?? '')) {
          throw new NotFoundError('secret', ref.canonical);
        }
        throw error;
      }
      try {
        const stat = await handle.stat();
        if (!stat.isFile()) throw new NotFoundError('secret', ref.canonical);
        if (stat.size > maxBytes) {
          throw new UnprocessableError(
            'secret_too_large',
            `the file behind ${ref.canonical} is larger than ${maxBytes} bytes`,
          );
        }
        let entry = cache.get(real);
        if (!entry || entry.mtimeMs !== stat.mtimeMs || entry.size !== stat.size || entry.ino !== stat.ino) {
          const buffer = Buffer.alloc(maxBytes + 1);
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
          if (bytesRead > maxBytes) {
            buffer.fill(0);
            throw new UnprocessableError(
              'secret_too_large',
              `the file behind ${ref.canonical} is larger than ${maxBytes} bytes`,
            );
          }
          // One trailing newline is dropped: `echo token > file` must give `token`.
          let end = bytesRead;
          if (buffer[end - 1] === 0x0a) end -= buffer[end - 2] === 0x0d ? 2 : 1;
          const content = Secret.from(buffer.subarray(0, end));
          buffer.fill(0);
          entry?.content.dispose();
          entry = { mtimeMs: stat.mtimeMs, size: stat.size, ino: stat.ino, content };
          cache.set(real, entry);
        }
        return {
          value: selectValue({ content: entry.content.clone(), format: 'text' }, ref),
          version: String(Math.trunc(entry.mtimeMs)),
        };
      } finally {
        await handle.close();
      }
    },
  };
}
