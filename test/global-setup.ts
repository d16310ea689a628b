import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Builds the package once before any test file runs, so the end-to-end tests start the shipped
 * `dist/` rather than the sources. A failed build stops the run with the compiler's output.
 */
export default async function setup(): Promise<void> {
  const started = performance.now();
  const output = await new Promise<{ error: Error | null; stdout: string; stderr: string }>((done) => {
    execFile(
      process.platform === 'win32' ? 'npm.cmd' : 'npm',
      ['run', 'build'],
      { cwd: ROOT, timeout: 120_000, maxBuffer: 16 * 1024 * 1024, shell: process.platform === 'win32' },
      (error, stdout, stderr) => done({ error, stdout, stderr }),
    );
  });
  if (output.error) {
    throw new Error(
      `npm run build failed (${output.error.message.split('\n')[0]}); the end-to-end tests need dist/:\n` +
        `${output.stdout}${output.stderr}`,
    );
  }
  console.log(`global setup: npm run build took ${Math.round(performance.now() - started)} ms`);
}
