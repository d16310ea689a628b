import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  removeTempDirs,
  runCli,
  type ServiceProcess,
  startService,
  stopAllServices,
} from './support/process.js';

const ADMIN_TOKEN = `intg_${'c'.repeat(43)}`;
const SHA = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const GOSEC = 'test/fixtures/sarif/gosec-cwe-taxonomy-fixes.sarif';

let service: ServiceProcess;
const cli = (args: string[], url = service.url) => runCli(['--url', url, '--token', ADMIN_TOKEN, ...args]);
const annotate = (extra: string[], url?: string) =>
  cli(['annotate', '--integration', 'demo', '--repo', 'acme/shop', '--sha', SHA, ...extra], url);
const recorded = async (url?: string) => JSON.parse((await cli(['--json', 'recorded', 'demo'], url)).stdout);

beforeAll(async () => {
  service = await startService({
    INTEGRATIONS_DATA_DIR: makeTempDir(),
    INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN,
  });
  const created = await cli([
    'create',
    '--name',
    'demo',
    '--type',
    'scm',
    '--provider',
    'in_memory',
    '--endpoint',
    'https://scm.example.com',
  ]);
  if (created.code !== 0) throw new Error(created.stderr);
});

afterAll(async () => {
  await stopAllServices();
  removeTempDirs();
});

describe('integrations annotate', () => {
  it('posts a SARIF file, prints what was posted, and exits 8 when the policy fails', async () => {
    const result = await annotate(['--sarif', GOSEC, '--pr', '7']);

    expect(result.code, result.stderr).toBe(8);
    expect(result.stdout).toContain('acme/shop#7 at 4b825dc642cb: FAIL (2 findings at critical or high)');
    expect(result.stdout).toMatch(/comment\s+created\s+comment 1/);
    expect(result.stdout).toMatch(/status\s+created\s+failure security\/scan: Failed: 2 high, 5 medium/);
    expect(result.stdout).toMatch(/checkRun\s+created\s+check run 1: failure, 7 annotations/);
    expect((await recorded()).writes).toBe(3);
  });

  it('with --no-fail exits 0; the same findings again change nothing', async () => {
    const result = await annotate(['--sarif', GOSEC, '--pr', '7', '--no-fail']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/comment\s+unchanged/);
    expect((await recorded()).writes).toBe(3);
  });

  it('--dry-run prints the payloads and posts nothing', async () => {
    const result = await annotate(['--sarif', GOSEC, '--pr', '8', '--dry-run', '--ascii']);

    expect(result.code).toBe(8);
    expect(result.stdout).toContain('dry run: nothing was posted');
    expect(result.stdout).toContain('--- comment on pull request #8 ---');
    expect(result.stdout).toContain('<!-- integrations-catalog:annotation key=security/scan -->');
    expect(result.stdout).toContain('--- check run ---');
    expect(result.stdout).toMatch(/failure\s+pkg\/config\/extension.go:37/);
    expect((await recorded()).writes).toBe(3);
  });

  it('--fail-on never passes; native findings and a commit without a pull request work', async () => {
    const dir = makeTempDir();
    const file = join(dir, 'findings.json');
    writeFileSync(
      file,
      JSON.stringify({
        findings: [
          { ruleId: 'R', severity: 'critical', title: 'T', message: 'M', path: 'a.ts', startLine: 1 },
        ],
      }),
    );

    const result = await cli([
      'annotate',
      '--integration',
      'demo',
      '--repo',
      'acme/shop',
      '--sha',
      'f'.repeat(64),
      '--findings',
      file,
      '--fail-on',
      'never',
      '--json',
    ]);

    expect(result.code, result.stderr).toBe(0);
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({ outcome: 'pass', pullRequestNumber: null, counts: { critical: 1 } });
    expect(body.operations.map((o: { operation: string }) => o.operation)).toEqual(['status', 'checkRun']);
  });

  it('recorded shows the comment, status and check run', async () => {
    const result = await cli(['recorded', 'demo']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('--- comment 1 on acme/shop#7 (updated 0 times) ---');
    expect(result.stdout).toMatch(/4b825dc642cb\s+security\/scan\s+failure\s+Failed: 2 high, 5 medium/);
    expect(result.stdout).toMatch(/1\s+4b825dc642cb\s+Security scan\s+failure\s+7/);
  });

  it('refuses bad arguments with exit 2 and a message', async () => {
    const results = await Promise.all([
      annotate(['--pr', '7']),
      annotate(['--sarif', GOSEC, '--findings', GOSEC]),
      cli(['annotate', '--integration', 'demo', '--repo', 'shop', '--sha', SHA, '--sarif', GOSEC]),
      annotate(['--sarif', GOSEC, '--pr', 'seven']),
      cli(['annotate', '--integration', 'demo', '--repo', 'a/b', '--sha', 'xyz', '--sarif', GOSEC]),
      annotate(['--sarif', 'no/such/file.sarif']),
      annotate(['--sarif', GOSEC, '--operations', 'deploy']),
    ]);

    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect(results[2]!.stderr).toContain('--repo must be OWNER/NAME');
    expect(results[4]!.stderr).toContain('/body/commitSha');
    const unknown = await cli([
      'annotate',
      '--integration',
      'nope',
      '--repo',
      'a/b',
      '--sha',
      SHA,
      '--sarif',
      GOSEC,
    ]);
    expect(unknown.code).toBe(4);
  });
});

describe('integrations offline', () => {
  it('keeps payloads while offline, exports them, and replays them once when back online', {
    timeout: 60_000,
  }, async () => {
    const dataDir = makeTempDir();
    const env = { INTEGRATIONS_DATA_DIR: dataDir, INTEGRATIONS_ADMIN_TOKEN: ADMIN_TOKEN };
    const offline = await startService({ ...env, INTEGRATIONS_OFFLINE: 'true' });
    await cli(
      [
        'create',
        '--name',
        'demo',
        '--type',
        'scm',
        '--provider',
        'in_memory',
        '--endpoint',
        'https://scm.example.com',
      ],
      offline.url,
    );

    const annotated = await annotate(['--sarif', GOSEC, '--pr', '3', '--fail-on', 'never'], offline.url);
    const listed = await cli(['offline', 'list', '--status', 'pending'], offline.url);
    const exportDir = join(makeTempDir(), 'out');
    const exported = await cli(['offline', 'export', '--dir', exportDir], offline.url);
    await offline.stop();

    expect(annotated.code, annotated.stderr).toBe(0);
    expect(annotated.stdout).toMatch(/comment\s+queued\s+kept as [0-9a-f-]{36}: offline/);
    expect(annotated.stderr).toContain('4 payloads were not posted and are kept in the offline queue');
    expect(listed.stdout.trim().split('\n')).toHaveLength(5);
    expect(exported.code, exported.stderr).toBe(0);
    const files = readdirSync(exportDir).sort();
    expect(files).toHaveLength(4);
    const comment = JSON.parse(
      readFileSync(join(exportDir, files.find((f) => f.endsWith('-comment.json'))!), 'utf8'),
    );
    expect(comment).toMatchObject({
      operation: 'comment',
      target: { owner: 'acme', repository: 'shop', pullRequestNumber: 3, commitSha: SHA },
      reason: 'offline',
      payload: { pullRequestNumber: 3, updateExisting: true },
    });
    expect(comment.instructions).toContain('POST /repos/acme/shop/issues/3/comments');
    expect(comment.payload.body).toMatch(/^<!-- integrations-catalog:annotation key=security\/scan -->/);

    const online = await startService(env);
    const replayed = await cli(['offline', 'replay', '--all'], online.url);
    const again = await cli(['offline', 'replay', comment.id], online.url);
    const state = await recorded(online.url);
    const nothing = await cli(['offline', 'replay', '--all'], online.url);

    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout.match(/posted/g)).toHaveLength(4);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already replayed at');
    expect(state.writes).toBe(3);
    expect(state.comments).toHaveLength(1);
    expect(nothing.stdout).toBe('nothing pending\n');
    const usage = await cli(['offline', 'replay'], online.url);
    expect(usage.code).toBe(2);
  });
});
