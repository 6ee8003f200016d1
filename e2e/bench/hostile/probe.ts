// What the operator looked like to its kubelet while a hostile object was active
// (scripts/hostile-tenant.sh): /healthz answer time, polled every 200 ms without waiting for
// the previous answer (a blocked event loop shows as one long answer, not as missing samples),
// and resident memory — VmHWM after resetting it at the start (clear_refs 5, root only) and
// VmRSS polled as a fallback.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { parseStatus } from '../scale/proc.js';

export interface ProbeResult {
  healthzMaxMs: number | null;
  /** Answers that were not 200 within the timeout (counted, and their time counts as the timeout). */
  healthzFailures: number;
  healthzSamples: number;
  peakRssMiB: number | null;
  /** false when the operator process was gone at some point of the window. */
  alive: boolean;
}

const MiB = 1024 * 1024;
const INTERVAL_MS = 200;
const MAX_IN_FLIGHT = 300;

function healthzOnce(url: string, timeoutMs: number): Promise<{ ms: number; ok: boolean }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const done = (ok: boolean) => resolve({ ms: performance.now() - start, ok });
    const req = request(url, { timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      res.on('end', () => done(res.statusCode === 200));
      res.on('error', () => done(false));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => done(false));
    req.end();
  });
}

function rssNow(pid: number): { rss: number; hwm: number } | undefined {
  try {
    const s = parseStatus(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { rss: s.rssBytes, hwm: s.peakRssBytes };
  } catch {
    return undefined;
  }
}

export async function probe(options: { pid: number; healthUrl: string; seconds: number; timeoutMs: number }): Promise<ProbeResult> {
  const { pid } = options;
  // Reset the peak so the window's own peak is read (the previous scenario's does not count).
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not root or no such process: the polled VmRSS still gives a (lower) peak
  }
  let alive = existsSync(`/proc/${pid}`);
  let peak = 0;
  let max: number | null = null;
  let failures = 0;
  let samples = 0;
  const pending = new Set<Promise<void>>();
  const end = Date.now() + options.seconds * 1000;
  while (Date.now() < end) {
    const mem = rssNow(pid);
    if (!mem) alive = false;
    else peak = Math.max(peak, mem.rss, mem.hwm);
    if (pending.size < MAX_IN_FLIGHT) {
      const p = healthzOnce(options.healthUrl, options.timeoutMs).then(({ ms, ok }) => {
        samples++;
        if (!ok) failures++;
        max = Math.max(max ?? 0, ok ? ms : Math.max(ms, options.timeoutMs));
      });
      pending.add(p);
      void p.finally(() => pending.delete(p));
    }
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
  }
  // The last requests may still be waiting for a blocked event loop: bounded by their timeout.
  await Promise.all(pending);
  const mem = rssNow(pid);
  if (!mem) alive = false;
  else peak = Math.max(peak, mem.rss, mem.hwm);
  return { healthzMaxMs: max === null ? null : Math.round(max), healthzFailures: failures, healthzSamples: samples, peakRssMiB: peak ? Math.round(peak / MiB) : null, alive };
}
