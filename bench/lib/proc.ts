/** CPU time from Linux's /proc: of one process, and of the whole machine. */
import { readFileSync } from 'node:fs';

/** Linux reports /proc CPU times in USER_HZ, which is 100 on every architecture Node runs on. */
const USER_HZ = 100;

/** User + system CPU of a process in ms; null once it has exited (or on another OS). */
export function processCpuMs(pid: number): number | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  } catch {
    return null;
  }
  // Fields after "pid (comm) ": the command name may hold spaces, so cut at its last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

export interface MachineCpu {
  readonly busyMs: number;
  readonly totalMs: number;
}

/** CPU time of every core since boot: busy (anything but idle and iowait) and in total. */
export function machineCpu(): MachineCpu {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const ticks = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = ticks.reduce((sum, t) => sum + t, 0);
  const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
  return { busyMs: ((total - idle) * 1000) / USER_HZ, totalMs: (total * 1000) / USER_HZ };
}

/** Share of all cores' time that was busy between two readings (every process, not only ours). */
export function busyShare(before: MachineCpu, after: MachineCpu): number {
  const total = after.totalMs - before.totalMs;
  return total <= 0 ? 0 : (after.busyMs - before.busyMs) / total;
}

/**
 * User + system CPU in ms of this process' children that have exited and been waited for
 * (cutime + cstime): a spawned process' whole CPU, read before it starts and after it exits.
 */
export function exitedChildrenCpuMs(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / USER_HZ;
}
