import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/*
 * Process and file helpers of the test registry and `pushImage`: cleanups that also run when the
 * process exits, temporary directories removed then too, a PATH lookup, and `run`, which runs a tool to
 * the end and reports its failure without its arguments.
 */

// Undone on 'exit' too, so no registry or directory outlives a test run that never reached `stop()`.
const cleanups = new Set<() => void>();
process.on('exit', () => {
  for (const cleanup of cleanups) cleanup();
});

/** Runs `cleanup` when the process exits, unless the function returned is called first. */
export function onExit(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

/** A fresh directory under the OS temp dir, also removed when the process exits. */
export function tempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  const remove = () => rmSync(path, { recursive: true, force: true });
  const forget = onExit(remove);
  return {
    path,
    remove() {
      remove();
      forget();
    },
  };
}

/** Whether an executable `command` is in a directory on PATH. */
export function onPath(command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Runs a tool to the end. The error says `what` failed, how, and the tool's output, never the
 * arguments (they hold passwords).
 */
export function run(
  command: string,
  args: readonly string[],
  what = command,
  timeoutMs = 30_000,
): Promise<string> {
  return new Promise((done, fail) => {
    execFile(command, args, { timeout: timeoutMs, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (!error) return done(stdout);
      const how = error.killed ? `killed after ${timeoutMs} ms` : `exit code ${error.code}`;
      fail(new Error(`${what} failed (${how}):\n${stderr}${stdout}`));
    });
  });
}
