/**
 * Annotation benchmark: reads a generated 50,000-result SARIF log and builds the comment, status and check
 * run, against `JSON.parse` of the same text in the same process. Run with `npm run bench:annotate`; see
 * bench/README.md for the knobs and how to read the figures.
 *
 * Peak RSS is sampled by a worker thread every millisecond while the main thread works (the work is
 * synchronous, so a timer on the main thread would never fire); heapUsed is read on the main thread
 * after each phase, with the result still referenced, after a forced garbage collection before the run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { buildAnnotations, readFindings } from '../src/annotations/index.js';

const RESULTS = positiveInteger('BENCH_RESULTS', 50_000);
const RUNS = positiveInteger('BENCH_RUNS', 5);
const TARGET_RATIO = 5;

function positiveInteger(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`${name} must be a positive integer, not '${raw}'`);
  return value;
}

// ---------------------------------------------------------------------------------------------------
// A realistic log: two tools' worth of rules (driver and an extension), nested paths, base ids, some
// percent-encoded and absolute URIs, messages with numbers, snippets, partial fingerprints on a third.

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function generateSarif(count: number): string {
  const next = random(20_260_213);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const levels = ['error', 'warning', 'note', 'none'] as const;
  const rule = (id: string, index: number) => ({
    id,
    name: `Rule${index}`,
    shortDescription: {
      text: `Rule ${index}: ${pick(['Injection', 'Unsafe call', 'Weak crypto', 'Secret'])}`,
    },
    fullDescription: { text: `Long description of rule ${index}.` },
    helpUri: `https://rules.example/${id}`,
    defaultConfiguration: { level: pick(levels) },
    properties: index % 3 === 0 ? { 'security-severity': (next() * 10).toFixed(1) } : { tags: ['security'] },
    messageStrings: { default: { text: `Value {0} flows into sink {1} (rule ${index}).` } },
  });
  const driverRules = Array.from({ length: 30 }, (_, i) => rule(`app/rule-${i}`, i));
  const extensionRules = Array.from({ length: 15 }, (_, i) => rule(`pack/rule-${i}`, 100 + i));
  const dirs = [
    'src',
    'src/api',
    'src/core',
    'lib/util',
    'packages/web/src',
    'packages/web/src/components',
    'test',
  ];
  const files = Array.from(
    { length: 2500 },
    (_, i) => `${pick(dirs)}/file ${i}.${pick(['ts', 'js', 'py', 'go'])}`,
  );

  const results = [];
  for (let i = 0; i < count; i++) {
    const inExtension = next() < 0.3;
    const ruleIndex = Math.floor(next() * (inExtension ? extensionRules.length : driverRules.length));
    const ruleId = (inExtension ? extensionRules : driverRules)[ruleIndex]?.id;
    const file = pick(files);
    const line = 1 + Math.floor(next() * 2000);
    const style = next();
    const artifactLocation =
      style < 0.6
        ? { uri: encodeURI(file), uriBaseId: '%SRCROOT%' }
        : style < 0.9
          ? { uri: encodeURI(file) }
          : { uri: `file:///home/runner/work/app/app/${encodeURI(file)}` };
    results.push({
      ruleId,
      ...(inExtension
        ? { rule: { id: ruleId, index: ruleIndex, toolComponent: { index: 0 } } }
        : { ruleIndex }),
      ...(next() < 0.5 ? { level: pick(levels) } : {}),
      message:
        next() < 0.5
          ? {
              text: `Tainted value from line ${line - 3} reaches a sink at column ${1 + (i % 80)} in ${file}.`,
            }
          : { id: 'default', arguments: [`input${i % 97}`, `sink${i % 13}()`] },
      locations: [
        {
          physicalLocation: {
            artifactLocation,
            region: {
              startLine: line,
              endLine: line + (i % 4 === 0 ? 2 : 0),
              startColumn: 1 + (i % 40),
              endColumn: 10 + (i % 40),
              ...(i % 2 === 0
                ? { snippet: { text: `const value${i % 50} = request.query.q${i % 7};` } }
                : {}),
            },
          },
        },
      ],
      ...(i % 3 === 0
        ? { partialFingerprints: { primaryLocationLineHash: `${(i * 2_654_435_761) >>> 0}:1` } }
        : {}),
    });
  }
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'BenchScanner', version: '1.0.0', rules: driverRules },
          extensions: [{ name: 'bench-pack', rules: extensionRules }],
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: 'file:///home/runner/work/app/app/' } },
        results,
      },
    ],
  });
}

// ---------------------------------------------------------------------------------------------------
// Measurement.

const SAMPLER = `
const { parentPort } = require('node:worker_threads');
let peak = 0;
let running = false;
const tick = () => {
  if (!running) return;
  peak = Math.max(peak, process.memoryUsage.rss());
  setTimeout(tick, 1);
};
parentPort.on('message', (message) => {
  if (message === 'start') {
    peak = process.memoryUsage.rss();
    running = true;
    tick();
    parentPort.postMessage('started');
  } else if (message === 'stop') {
    running = false;
    peak = Math.max(peak, process.memoryUsage.rss());
    parentPort.postMessage(peak);
  }
});
`;

interface Sample {
  readonly ms: number;
  readonly peakRss: number;
  readonly heapUsed: number;
}

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function measure(sampler: Worker, gc: () => void, work: () => unknown): Promise<Sample> {
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const started = new Promise((resolve) => sampler.once('message', resolve));
  sampler.postMessage('start');
  await started;
  const begin = performance.now();
  const kept = work();
  const ms = performance.now() - begin;
  const heapUsed = process.memoryUsage().heapUsed - heapBefore;
  const peak = new Promise<number>((resolve) => sampler.once('message', resolve));
  sampler.postMessage('stop');
  const peakRss = await peak;
  if (kept === undefined) throw new Error('the measured work returned nothing');
  return { ms, peakRss, heapUsed };
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-annotate-'));
  try {
    const file = join(dir, 'results.sarif');
    writeFileSync(file, generateSarif(RESULTS));
    const text = readFileSync(file, 'utf8');
    const gc = collectGarbage();
    const sampler = new Worker(SAMPLER, { eval: true });
    const options = {
      markerKey: 'bench',
      platform: 'github' as const,
      fileUrl: (path: string, line?: number) =>
        `https://github.example/acme/app/blob/0123abc/${encodeURI(path)}${line === undefined ? '' : `#L${line}`}`,
    };

    // One warm-up of each, so that the runs compare compiled code with compiled code.
    JSON.parse(text);
    buildAnnotations(readFindings(text), options);

    const parse: Sample[] = [];
    const read: Sample[] = [];
    const build: Sample[] = [];
    const total: Sample[] = [];
    let findings = 0;
    let commentLength = 0;
    for (let run = 0; run < RUNS; run++) {
      parse.push(await measure(sampler, gc, () => JSON.parse(text)));
      let report: ReturnType<typeof readFindings> | undefined;
      read.push(await measure(sampler, gc, () => (report = readFindings(text))));
      build.push(
        await measure(sampler, gc, () =>
          buildAnnotations(report as ReturnType<typeof readFindings>, options),
        ),
      );
      total.push(
        await measure(sampler, gc, () => {
          const both = readFindings(text);
          const out = buildAnnotations(both, options);
          findings = both.findings.length + both.outsideRepository.length;
          commentLength = out.comment.length;
          return out;
        }),
      );
    }
    await sampler.terminate();

    const row = (name: string, samples: readonly Sample[]) =>
      `${name.padEnd(32)}${median(samples.map((s) => s.ms))
        .toFixed(1)
        .padStart(10)}` +
      `${Math.min(...samples.map((s) => s.ms))
        .toFixed(1)
        .padStart(10)}` +
      `${mb(median(samples.map((s) => s.peakRss))).padStart(14)}${mb(median(samples.map((s) => s.heapUsed))).padStart(14)}`;
    const ratio = median(total.map((s) => s.ms)) / median(parse.map((s) => s.ms));
    const cpu = cpus()[0]?.model ?? 'unknown cpu';
    console.log(
      `annotate benchmark: ${RESULTS.toLocaleString('en')} SARIF results, ${mb(Buffer.byteLength(text))} MB of JSON; ` +
        `${RUNS} runs, medians\nnode ${process.version}, ${platform()} ${release()} ${arch()}, ${cpu}\n`,
    );
    console.log(
      `${'phase'.padEnd(32)}${'median ms'.padStart(10)}${'min ms'.padStart(10)}${'peak RSS MB'.padStart(14)}${'heapUsed MB'.padStart(14)}`,
    );
    console.log(row('JSON.parse (baseline)', parse));
    console.log(row('readFindings', read));
    console.log(row('buildAnnotations', build));
    console.log(row('readFindings + buildAnnotations', total));
    console.log(`\nfindings read: ${findings}; comment: ${commentLength} characters`);
    const verdict = ratio <= TARGET_RATIO ? 'PASS' : 'FAIL';
    console.log(`ratio to JSON.parse: ${ratio.toFixed(2)} (target at most ${TARGET_RATIO}): ${verdict}`);
    if (verdict === 'FAIL') process.exitCode = 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
