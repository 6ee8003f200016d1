// `rotor status es NAME`: one screen that answers "is it synced, from which AWS versions, what
// happened last, and what do I do now" — the Ready condition, the synced versions, the newest
// Event and the docs/troubleshooting.md section for the reason. Pure formatting here; the
// command (commands.ts) fetches.
import type { ExternalSecret } from '../api/types.js';
import type { KubeEvent } from '../kube/client/objects.js';
import { troubleshootingEntry } from './docs.js';

export interface StatusInput {
  es: ExternalSecret;
  events: KubeEvent[];
  /** docs/troubleshooting.md, when installed. */
  troubleshooting: string | undefined;
  now: Date;
}

/** The newest Event (by lastTimestamp, else eventTime / firstTimestamp / creation). */
export function latestEvent(events: KubeEvent[]): KubeEvent | undefined {
  const time = (e: KubeEvent) => Date.parse(e.lastTimestamp ?? (e as { eventTime?: string }).eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp ?? '') || 0;
  return [...events].sort((a, b) => time(b) - time(a))[0];
}

export function ago(iso: string | undefined, now: Date): string {
  const t = Date.parse(iso ?? '');
  if (!Number.isFinite(t)) return 'unknown';
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  const text = s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : s < 172800 ? `${Math.round(s / 3600)}h` : `${Math.round(s / 86400)}d`;
  return `${iso} (${text} ago)`;
}

export function isReady(es: ExternalSecret): boolean {
  return es.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
}

export function formatStatus({ es, events, troubleshooting, now }: StatusInput): string {
  const lines = [`ExternalSecret ${es.metadata.namespace}/${es.metadata.name}`];
  const ready = es.status?.conditions?.find((c) => c.type === 'Ready');
  if (!ready) {
    lines.push('  Ready:       (no status yet: is the operator running and watching this namespace?)');
  } else {
    lines.push(`  Ready:       ${ready.status}  ${ready.reason ?? ''}  since ${ago(ready.lastTransitionTime, now)}`);
    if (ready.message) lines.push(`  Message:     ${ready.message}`);
  }
  const status = es.status;
  if (status?.observedGeneration !== undefined && es.metadata.generation !== undefined && status.observedGeneration !== es.metadata.generation) {
    lines.push(`  Generation:  ${es.metadata.generation}, status is for ${status.observedGeneration} (the operator has not seen the latest spec yet)`);
  }
  lines.push(`  Target:      Secret ${es.metadata.namespace}/${es.spec.target?.name ?? es.metadata.name}`);
  lines.push(`  Last Sync:   ${status?.refreshTime ? ago(status.refreshTime, now) : 'never'} (moves on a change, else at most every --status-heartbeat)`);
  const versions = status?.syncedVersions ?? [];
  if (versions.length === 0) lines.push('  Synced:      nothing yet');
  else {
    lines.push('  Synced:');
    for (const v of versions) {
      const version = v.versionId !== undefined ? `versionId ${v.versionId}` : v.version !== undefined ? `version ${v.version}` : 'version unknown';
      lines.push(`    ${v.key} <- ${v.remoteKey} (${version})`);
    }
  }
  const event = latestEvent(events);
  if (event) {
    const count = event.count && event.count > 1 ? ` x${event.count}` : '';
    lines.push(`  Last event:  ${event.type ?? 'Normal'} ${event.reason ?? ''}${count}, ${ago(event.lastTimestamp ?? event.firstTimestamp, now)}: ${event.message ?? ''}`);
  } else lines.push('  Last event:  none (Events expire after an hour by default)');
  lines.push(...whatToDo(ready?.status, ready?.reason, troubleshooting));
  return `${lines.join('\n')}\n`;
}

function whatToDo(status: string | undefined, reason: string | undefined, troubleshooting: string | undefined): string[] {
  if (status === 'True') return ['  What to do:  nothing; `rotor refresh es NAME` re-reads AWS now'];
  if (!reason) return ['  What to do:  kubectl -n rotor-system logs deploy/rotor (is the operator running?)'];
  const entry = troubleshooting ? troubleshootingEntry(troubleshooting, reason) : undefined;
  if (!entry) return [`  What to do:  see docs/troubleshooting.md, reason ${reason}`];
  return [`  What to do (${entry.link}):`, ...entry.text.split('\n').map((l) => (l ? `    ${l}` : ''))];
}
