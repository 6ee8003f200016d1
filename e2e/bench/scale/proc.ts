// Memory and CPU of a process from /proc (Linux), the way `ps` and `top` see it.
import { readFileSync } from 'node:fs';

export interface ProcSample {
  /** Resident set size now, bytes. */
  rssBytes: number;
  /** Peak resident set size since the process started (VmHWM), bytes. */
  peakRssBytes: number;
  /** User + system CPU time consumed so far, seconds. */
  cpuSeconds: number;
}

/** Clock ticks per second of /proc/<pid>/stat times; 100 on every Linux we run on. */
export const CLOCK_TICKS = 100;

/** VmRSS and VmHWM from /proc/<pid>/status, in bytes. */
export function parseStatus(text: string): { rssBytes: number; peakRssBytes: number } {
  const kib = (field: string): number => {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    if (!m) throw new Error(`/proc status has no ${field}`);
    return Number(m[1]) * 1024;
  };
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM') };
}

/** utime + stime from /proc/<pid>/stat, in seconds. The command name may hold spaces: parse after its ')'. */
export function parseStatCpuSeconds(text: string, ticks = CLOCK_TICKS): number {
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // After the name: state(3) ppid ... utime is field 14, stime 15 (1-based over the whole line).
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unexpected /proc stat format');
  return (utime + stime) / ticks;
}

export function sampleProcess(pid: number): ProcSample {
  return {
    ...parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8')),
    cpuSeconds: parseStatCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8')),
  };
}

/** The 1-minute load average (/proc/loadavg): how busy the shared machine was. */
export function loadAverage(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}
