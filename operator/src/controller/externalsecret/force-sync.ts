// "Refresh now" requests: rotor.dev/force-sync, and ESO's external-secrets.io/force-sync so that
// manifests, scripts and Argo CD actions written for ESO keep working after `rotor migrate`
// (which copies annotations unchanged). Annotations do not bump the generation, so the
// reconciler remembers the request it last honoured; this module decides, purely, whether the
// current one is new.
import { ESO_ANNOTATION_FORCE_SYNC } from '../../api/eso.js';
import { ANNOTATION_FORCE_SYNC } from '../../api/types.js';

/** Both keys, Rotor's first. Setting either (to a new value) refreshes the ExternalSecret. */
export const FORCE_SYNC_ANNOTATIONS = [ANNOTATION_FORCE_SYNC, ESO_ANNOTATION_FORCE_SYNC] as const;

/**
 * The request as one comparable value: each set annotation as `key=value`, or undefined when
 * neither is set. A change of either annotation changes the token.
 */
export function forceSyncToken(annotations: Record<string, string> | undefined): string | undefined {
  const parts = FORCE_SYNC_ANNOTATIONS.filter((key) => annotations?.[key]).map((key) => `${key}=${annotations![key]}`);
  return parts.length > 0 ? parts.join('\n') : undefined;
}

/**
 * Whether the annotations ask for a refresh not yet honoured. With a remembered token, any
 * change asks. Without one (the first pass after a restart), only a value that names a time
 * after the last sync does (users set it to `date +%s` or a date), so a restart does not
 * refetch everything that ever was force-synced.
 */
export function forceSyncRequested(annotations: Record<string, string> | undefined, seenToken: string | undefined, lastSyncMs: number | undefined): boolean {
  const token = forceSyncToken(annotations);
  if (token === undefined) return false;
  if (seenToken !== undefined) return seenToken !== token;
  return FORCE_SYNC_ANNOTATIONS.some((key) => {
    const value = annotations?.[key];
    if (!value) return false;
    const asTime = /^\d+$/.test(value) ? Number(value) * (value.length <= 10 ? 1000 : 1) : Date.parse(value);
    return Number.isFinite(asTime) && (lastSyncMs === undefined || asTime > lastSyncMs);
  });
}
