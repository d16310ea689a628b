/**
 * GitHub App provider benchmark: a check run with 5,000 annotations and the pull request's comment, posted
 * through the real provider and outbound client to the fake GitHub (every request held to GitHub's OpenAPI
 * description) answering each request after a fixed latency. Prints the requests made against the least
 * possible, and the wall time against the fake's own floor (requests × latency), with `minWriteIntervalMs`
 * at 0 and at its default (1 s). Run with `npm run bench:github`; see bench/README.md.
 *
 * The fake runs in a child process (this same file, started with `--fake-github`): in this process its
 * request validation would share the event loop being measured.
 */

import { fileURLToPath } from 'node:url';
import { commentMarker } from '../src/annotations/markdown.js';
import { silentLogger } from '../src/core/logger.js';
import { createEgressPolicy, createHttpClient } from '../src/net/index.js';
import { asConnectorPlugin, type PluginContext } from '../src/plugins/contracts.js';
import { loadPlugins } from '../src/plugins/loader.js';
import type { GitHubAppConfig } from '../src/providers/github-app/config.js';
import {
  createGitHubAppPlugin,
  type GitHubCheckRunAnnotation,
  type GitHubScmClient,
} from '../src/providers/github-app/index.js';
import { createInlineCredentialsAccessor } from '../src/secrets/index.js';
import { startFakeGitHub } from '../test/fakes/github/fake-github.js';
import { forkChild } from './support/child-channel.js';
import { loadLine, machineLine } from './support/machine.js';

// ---------------------------------------------------------------------------------------------------
// Settings (environment)

const ANNOTATIONS = wholeNumber('BENCH_GITHUB_ANNOTATIONS', 5_000);
const LATENCY_MS = wholeNumber('BENCH_GITHUB_LATENCY_MS', 20);
/** `default` is the plugin's own default (no option given): 1,000 ms. */
const INTERVALS = (process.env.BENCH_GITHUB_INTERVALS ?? '0,default').split(',').map((raw) => raw.trim());
const DEFAULT_INTERVAL_MS = 1_000;
/** A first run at 0 ms, not shown: JIT, the fake's schemas compiled on first use, connections. */
const WARM_UP = process.env.BENCH_GITHUB_WARMUP !== '0';
/** GitHub takes at most 50 annotations per check-run request. */
const PER_REQUEST = 50;
const HEAD_SHA = 'b'.repeat(40);
const PULL = 7;

function wholeNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`${name} must be a whole number, not '${raw}'`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// The fake, in a child process

type ToFake = { type: 'start'; latencyMs: number } | { type: 'report' } | { type: 'close' };

interface FakeReport {
  /** operationId (or `METHOD path` when none matched) of each request, in order, with its status. */
  readonly requests: readonly {
    readonly operationId: string;
    readonly method: string;
    readonly status: number;
  }[];
  readonly violations: readonly string[];
  readonly rejections: readonly string[];
  readonly checkRuns: readonly { readonly annotations: number; readonly status: string }[];
  readonly comments: number;
}

type FromFake =
  | { type: 'started'; origin: string; appId: number; privateKeyPem: string }
  | ({ type: 'report' } & FakeReport);

async function runFakeChild(): Promise<void> {
  let fake: Awaited<ReturnType<typeof startFakeGitHub>> | undefined;
  const send = (message: FromFake) => process.send!(message);
  process.on('message', async (message: ToFake) => {
    if (message.type === 'start') {
      await fake?.close();
      fake = await startFakeGitHub({
        latencyMs: message.latencyMs,
        pulls: [{ repository: 'acme/app', number: PULL, headSha: HEAD_SHA }],
      });
      send({
        type: 'started',
        origin: fake.origin,
        appId: fake.state.app.id,
        privateKeyPem: fake.state.keys.privateKeyPem,
      });
    } else if (message.type === 'report' && fake) {
      send({
        type: 'report',
        requests: fake.exchanges.map((e) => ({
          operationId: e.operationId ?? `${e.method} ${e.path}`,
          method: e.method,
          status: e.status,
        })),
        violations: fake.violations.map((v) => `${v.kind} ${v.method} ${v.path}: ${v.problems.join('; ')}`),
        rejections: [...fake.state.rejections],
        checkRuns: fake.state.checkRuns.map((run) => ({
          annotations: run.annotations.length,
          status: run.status,
        })),
        comments: fake.state.comments.length,
      });
    } else {
      await fake?.close();
      process.exit(0);
    }
  });
  process.on('disconnect', () => process.exit(0));
}

interface FakeHandle {
  start(latencyMs: number): Promise<Extract<FromFake, { type: 'started' }>>;
  report(): Promise<FakeReport>;
  close(): Promise<void>;
}

function startFakeProcess(): FakeHandle {
  const channel = forkChild<ToFake, FromFake>(
    fileURLToPath(import.meta.url),
    ['--fake-github'],
    'the fake GitHub',
  );
  return {
    start: (latencyMs) => channel.ask({ type: 'start', latencyMs }, 'started'),
    async report() {
      const { type: _, ...report } = await channel.ask({ type: 'report' }, 'report');
      return report;
    },
    close: () => channel.close(),
  };
}

// ---------------------------------------------------------------------------------------------------
// One configuration: the operations twice (first, then the same again)

const annotation = (i: number): GitHubCheckRunAnnotation => ({
  path: `src/module-${i % 40}/file-${i % 311}.ts`,
  startLine: (i % 2_000) + 1,
  endLine: (i % 2_000) + 1,
  annotationLevel: i % 4 === 0 ? 'failure' : 'warning',
  title: `rule ${i % 57}`,
  message: `Finding ${i}: value flows from a request parameter into a shell command.`,
});

/**
 * The least requests, on a fresh plugin instance whose integration names only its repository (as most
 * will): the App (its slug tells our comment and run apart), the repository's installation, a token;
 * per `ensure` one read (is it there already?) and the writes: ceil(n / 50) for the check run (the create
 * carries the first 50, the last update the conclusion; one when n ≤ 50), one for the comment.
 */
function minimum(first: boolean): { requests: number; writes: number } {
  const setup = first ? 3 : 0;
  const writes = first ? Math.max(1, Math.ceil(ANNOTATIONS / PER_REQUEST)) + 1 : 0;
  return { requests: setup + 2 + writes, writes };
}

interface Row {
  readonly label: string;
  readonly intervalMs: number;
  readonly requests: number;
  readonly writes: number;
  readonly minimum: { requests: number; writes: number };
  readonly wallMs: number;
  readonly floorMs: number;
  /** Least time the write spacing adds: (writes − 1) × interval. */
  readonly spacingMs: number;
  readonly ok: boolean;
  readonly problems: string[];
}

async function runConfiguration(fake: FakeHandle, interval: string): Promise<Row[]> {
  const started = await fake.start(LATENCY_MS);
  const intervalMs = interval === 'default' ? DEFAULT_INTERVAL_MS : Number(interval);
  if (!Number.isFinite(intervalMs) || intervalMs < 0)
    throw new Error(`BENCH_GITHUB_INTERVALS: '${interval}' is not a number of ms or 'default'`);
  const plugin = createGitHubAppPlugin(interval === 'default' ? {} : { minWriteIntervalMs: intervalMs });
  const registry = await loadPlugins([asConnectorPlugin(plugin)], [], silentLogger);
  const http = createHttpClient({
    policy: createEgressPolicy({ allowPrivateNetworks: true, allowlist: [], allowAnyPort: true }),
  });
  const config = registry.validateConfig('github_app', 'scm', {
    repositories: ['acme/app'],
  }) as GitHubAppConfig;
  const context = (): PluginContext<GitHubAppConfig> => ({
    integration: {
      id: 'bench',
      tenantId: 'default',
      name: 'github',
      type: 'scm',
      endpoint: started.origin,
      authRef: 'authref://local/bench',
      config,
    },
    http,
    credentials: createInlineCredentialsAccessor({
      appId: String(started.appId),
      privateKey: started.privateKeyPem,
    }),
    logger: silentLogger,
    signal: AbortSignal.timeout(600_000),
    now: () => new Date(),
  });
  const annotations = Array.from({ length: ANNOTATIONS }, (_, i) => annotation(i));
  const label = interval === 'default' ? `default (${DEFAULT_INTERVAL_MS} ms)` : `${intervalMs} ms`;
  const rows: Row[] = [];
  let seen = 0;
  try {
    for (const pass of ['first', 'again'] as const) {
      const client: GitHubScmClient = plugin.scm(context());
      const t0 = performance.now();
      const run = await client.createCheckRun({
        owner: 'acme',
        repository: 'app',
        headSha: HEAD_SHA,
        name: 'Security scan',
        conclusion: 'failure',
        summary: `${ANNOTATIONS} findings`,
        annotations,
      });
      const comment = await client.postComment({
        owner: 'acme',
        repository: 'app',
        pullRequestNumber: PULL,
        body: `${commentMarker('bench')}\n## Security scan\n${ANNOTATIONS} findings`,
      });
      const wallMs = performance.now() - t0;
      const report = await fake.report();
      const requests = report.requests.slice(seen);
      seen = report.requests.length;
      const writes = requests.filter((r) => r.method !== 'GET' && !r.operationId.startsWith('apps/'));
      const least = minimum(pass === 'first');
      const problems: string[] = [];
      const expected = pass === 'first' ? 'created' : 'unchanged';
      if (!run.success) problems.push(`check run failed: ${run.errorMessage}`);
      else if (run.result?.action !== expected)
        problems.push(`check run ${run.result?.action}, not ${expected}`);
      if (!comment.success) problems.push(`comment failed: ${comment.errorMessage}`);
      else if (comment.result?.action !== expected)
        problems.push(`comment ${comment.result?.action}, not ${expected}`);
      if (requests.length !== least.requests)
        problems.push(`${requests.length} requests, the least is ${least.requests}`);
      if (writes.length !== least.writes)
        problems.push(`${writes.length} writes, the least is ${least.writes}`);
      if (report.checkRuns.length !== 1 || report.checkRuns[0]?.annotations !== ANNOTATIONS)
        problems.push(`the fake holds ${report.checkRuns.map((r) => r.annotations).join(', ')} annotations`);
      if (report.comments !== 1) problems.push(`the fake holds ${report.comments} comments`);
      problems.push(...report.violations.slice(0, 3), ...report.rejections.slice(0, 3));
      rows.push({
        label: `${label}, ${pass}`,
        intervalMs,
        requests: requests.length,
        writes: writes.length,
        minimum: least,
        wallMs,
        floorMs: requests.length * LATENCY_MS,
        spacingMs: Math.max(0, writes.length - 1) * intervalMs,
        ok: problems.length === 0,
        problems,
      });
    }
  } finally {
    await http.close();
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------
// Output

function printMachine(): void {
  console.log('GitHub App provider benchmark');
  console.log(machineLine());
  console.log(
    `  work: a check run with ${ANNOTATIONS} annotations, then the pull request's comment, posted twice ` +
      `(first, then the same again) through the fake GitHub (api.github.com description, child process), ` +
      `which answers every request after ${LATENCY_MS} ms`,
  );
  console.log(
    `  ${WARM_UP ? 'after one warm-up run at 0 ms (not shown; BENCH_GITHUB_WARMUP=0 skips it)' : 'no warm-up run'}, ` +
      'each configuration on a fresh fake and a fresh plugin instance',
  );
  console.log(loadLine());
}

function printRows(rows: readonly Row[]): void {
  const header = [
    'minWriteIntervalMs, pass',
    'requests',
    'minimum',
    'writes',
    'min writes',
    'wall s',
    'floor s',
    'wall/floor',
    'spacing s',
    'wall/(floor+spacing)',
  ];
  const cells = rows.map((row) => [
    row.label,
    String(row.requests),
    String(row.minimum.requests),
    String(row.writes),
    String(row.minimum.writes),
    (row.wallMs / 1000).toFixed(2),
    (row.floorMs / 1000).toFixed(2),
    row.floorMs === 0 ? '-' : (row.wallMs / row.floorMs).toFixed(2),
    (row.spacingMs / 1000).toFixed(2),
    row.floorMs + row.spacingMs === 0 ? '-' : (row.wallMs / (row.floorMs + row.spacingMs)).toFixed(2),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...cells.map((row) => row[i]?.length ?? 0)));
  const line = (values: readonly string[]) =>
    `  ${values.map((value, i) => (i === 0 ? value.padEnd(widths[i] ?? 0) : value.padStart(widths[i] ?? 0))).join('  ')}`;
  console.log('');
  console.log(line(header));
  console.log(line(widths.map((width) => '-'.repeat(width))));
  for (const row of cells) console.log(line(row));
  console.log('');
  console.log('Targets');
  for (const row of rows) {
    const verdict = row.ok ? 'PASS' : 'FAIL';
    console.log(
      `  ${row.label}: requests ${row.requests} vs minimum ${row.minimum.requests}, writes ${row.writes} vs ` +
        `${row.minimum.writes} → ${verdict}${row.ok ? '' : ` (${row.problems.join('; ')})`}`,
    );
  }
  const spaced = rows.find((row) => row.intervalMs > 0 && row.writes > 1);
  if (spaced) {
    console.log(
      `  (for information: at ${spaced.intervalMs} ms between writes of one installation, GitHub's advice for ` +
        `content-creating requests, the ${spaced.writes} writes wait at least ${(spaced.spacingMs / 1000).toFixed(0)} s: ` +
        `${((100 * spaced.spacingMs) / spaced.wallMs).toFixed(0)}% of the wall time)`,
    );
  }
}

async function main(): Promise<number> {
  printMachine();
  const fake = startFakeProcess();
  const rows: Row[] = [];
  try {
    if (WARM_UP) {
      const warm = await runConfiguration(fake, '0');
      const failed = warm.filter((row) => !row.ok);
      if (failed.length > 0) rows.push(...failed.map((row) => ({ ...row, label: `warm-up: ${row.label}` })));
    }
    for (const interval of INTERVALS) rows.push(...(await runConfiguration(fake, interval)));
  } finally {
    await fake.close();
  }
  printRows(rows);
  return rows.every((row) => row.ok) ? 0 : 1;
}

// Entry point: the parent runs the benchmark; the child (this same file with --fake-github) is the fake.
if (process.argv.includes('--fake-github')) {
  await runFakeChild();
} else {
  try {
    process.exitCode = await main();
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}
