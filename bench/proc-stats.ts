/**
 * CPU and memory figures from Linux's /proc for the benchmarks: a process's CPU time (all its
 * threads), its peak resident memory, and the whole machine's busy time, so that a run also
 * shows how much of the machine other processes took meanwhile. Without /proc: undefined.
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';

/** /proc counts CPU time in USER_HZ ticks, 100 per second on Linux. */
const TICK_MS = 10;

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** User + system CPU time of a process and all its threads (or only its main thread), ms. */
export function cpuMsOf(pid: number, mainThreadOnly = false): number | undefined {
  const stat = readProc(mainThreadOnly ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Fields after the command name, which may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_MS;
}

/** The process's peak resident set size so far (VmHWM), MiB. */
export function peakRssMbOf(pid: number): number | undefined {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readProc(`/proc/${pid}/status`) ?? '')?.[1];
  return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
}

/** The machine's busy (not idle or iowait) CPU time over all cores, ms. */
export function machineBusyMs(): number | undefined {
  const line = readProc('/proc/stat')?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal
  const t = line.split(/\s+/).slice(1, 9).map(Number);
  return (t[0]! + t[1]! + t[2]! + t[5]! + t[6]! + t[7]!) * TICK_MS;
}

export interface CpuFigures {
  /** CPU used by each measured process, in cores (1 = one core busy all the time). */
  cores: Record<string, number>;
  /** The part of it on each process's main thread (its JavaScript and, single-threaded, wasm). */
  mainThreadCores: Record<string, number>;
  /** The whole machine's busy cores, and the part no measured process used (other load). */
  machineBusyCores: number;
  otherCores: number;
  /** Cores of this machine. */
  machineCores: number;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Measures the CPU of named processes (and this one, as `self`) from now until `stop()`.
 * Undefined figures where /proc is missing.
 */
export function startCpuMeter(pids: Record<string, number>): { stop(): CpuFigures | undefined } {
  const started = performance.now();
  const self = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuMsOf(pid)]));
  const mainBefore = Object.fromEntries(
    Object.entries(pids).map(([k, pid]) => [k, cpuMsOf(pid, true)]),
  );
  const machineBefore = machineBusyMs();
  return {
    stop() {
      const wallMs = performance.now() - started;
      const machine = machineBusyMs();
      if (machine === undefined || machineBefore === undefined) return undefined;
      const used = process.cpuUsage(self);
      const cores: Record<string, number> = { self: (used.user + used.system) / 1000 / wallMs };
      const mainThreadCores: Record<string, number> = {};
      for (const [k, pid] of Object.entries(pids)) {
        const [now, then] = [cpuMsOf(pid), before[k]];
        if (now !== undefined && then !== undefined) cores[k] = (now - then) / wallMs;
        const [mainNow, mainThen] = [cpuMsOf(pid, true), mainBefore[k]];
        if (mainNow !== undefined && mainThen !== undefined) {
          mainThreadCores[k] = round2((mainNow - mainThen) / wallMs);
        }
      }
      const busy = (machine - machineBefore) / wallMs;
      const measured = Object.values(cores).reduce((a, b) => a + b, 0);
      return {
        cores: Object.fromEntries(Object.entries(cores).map(([k, v]) => [k, round2(v)])),
        mainThreadCores,
        machineBusyCores: round2(busy),
        otherCores: round2(Math.max(0, busy - measured)),
        machineCores: cpus().length,
      };
    },
  };
}
