import { availableParallelism, cpus, loadavg, platform, release, totalmem } from 'node:os';

/** One line naming the machine a benchmark ran on: figures mean nothing without it. */
export function machineLine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return (
    `  machine: node ${process.version}, ${platform()} ${release()}, ${cpus().length} cpus ` +
    `(available parallelism ${availableParallelism()}), ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB`
  );
}

/** The load average at the start: other work on the machine slows every figure. */
export function loadLine(): string {
  const load = loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
  return `  load average before the run: ${load} (1 / 5 / 15 min); anything else running skews the figures`;
}
