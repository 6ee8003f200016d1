// spec.syncWindows with ESO 2.9's semantics (pkg/controllers/externalsecret:
// isPeriodicRefreshAllowedByWindows / isWithinSyncWindow): cron-scheduled windows, evaluated
// in UTC, that gate *periodic* refreshes only. kind allow: a periodic refresh may run only while
// at least one window is open; kind deny: not while any window is open. A window opened by a
// schedule activation at time P is open on [P, P + duration] (both ends included). A schedule
// that does not parse is ignored, as ESO does, so a typo cannot block syncs for good; the
// caller reports it. Spec changes, force-sync, a missing or edited target still sync at once.
// Pure, so the decision in refresh.ts stays testable without clocks.
import { nextActivation, parseCron, type CronSchedule } from '../../api/cron.js';
import { parseDuration } from '../../api/duration.js';
import type { SyncWindows } from '../../api/types.js';

export interface WindowVerdict {
  allowed: boolean;
  /**
   * When blocked: the earliest time the verdict may change (a window of kind allow opening, a
   * window of kind deny closing), for the next look; undefined when no schedule says.
   */
  changeAt?: number;
  /** windows[i].schedule fields ESO would ignore (they do not parse): for a warning. */
  ignored: Array<{ field: string; reason: string }>;
}

interface Parsed {
  schedule: CronSchedule;
  durationMs: number;
}

/**
 * ESO's isWithinSyncWindow: robfig's Next() from just before the longest window that could hold
 * `at`. ESO stops at that first activation, so for up to a second after it closes, a window that
 * the next activation keeps open (a schedule more frequent than the duration) reads as closed.
 * Rotor looks again exactly when a window closes (changeAt), so it would always land in that gap
 * and refresh inside a deny window: the next activation is checked too. Departure from ESO.
 */
function openedAt(w: Parsed, at: number): number | undefined {
  const first = nextActivation(w.schedule, at - w.durationMs - 1000);
  if (first === undefined || first > at) return undefined;
  if (at <= first + w.durationMs) return first;
  const second = nextActivation(w.schedule, first);
  return second !== undefined && second <= at && at <= second + w.durationMs ? second : undefined;
}

function parseWindows(sw: SyncWindows, fieldBase: string): { parsed: Parsed[]; ignored: WindowVerdict['ignored'] } {
  const parsed: Parsed[] = [];
  const ignored: WindowVerdict['ignored'] = [];
  sw.windows.forEach((w, i) => {
    try {
      parsed.push({ schedule: parseCron(w.schedule), durationMs: parseDuration(w.duration, `${fieldBase}.windows[${i}].duration`) });
    } catch (error) {
      if (!(error instanceof Error)) throw error;
      ignored.push({ field: `${fieldBase}.windows[${i}]`, reason: error.message });
    }
  });
  return { parsed, ignored };
}

export function periodicRefreshAllowed(sw: SyncWindows | undefined, now: number, fieldBase = 'spec.syncWindows'): WindowVerdict {
  if (!sw || sw.windows.length === 0) return { allowed: true, ignored: [] };
  const { parsed, ignored } = parseWindows(sw, fieldBase);
  const open = parsed.map((w) => ({ w, from: openedAt(w, now) })).filter((x) => x.from !== undefined);
  if (sw.kind === 'deny') {
    if (open.length === 0) return { allowed: true, ignored };
    // Look again when the first open window closes (another may still be open then: look again).
    const closes = open.map((x) => x.from! + x.w.durationMs + 1);
    return { allowed: false, changeAt: Math.min(...closes), ignored };
  }
  if (sw.kind === 'allow') {
    if (open.length > 0) return { allowed: true, ignored };
    const opens = parsed.flatMap((w) => (w.schedule.kind === 'spec' ? [nextActivation(w.schedule, now)] : [])).filter((t): t is number => t !== undefined);
    return { allowed: false, ...(opens.length > 0 ? { changeAt: Math.min(...opens) } : {}), ignored };
  }
  // ESO: an unknown kind permits (the CRD's enum keeps it from happening).
  return { allowed: true, ignored };
}
