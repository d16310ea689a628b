import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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

/**
 * CPU time (user + system) the calling process's main thread has used, in milliseconds, or undefined
 * where /proc does not tell (not Linux). Unlike wall-clock busy time it leaves out the time the
 * machine gave to other work, so it holds steady on a shared or virtual machine.
 */
export function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may hold spaces: utime and stime
    // are the 14th and 15th fields of the line, in clock ticks.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond();
  } catch {
    return undefined;
  }
}

let ticksPerSecond: number | undefined;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}
