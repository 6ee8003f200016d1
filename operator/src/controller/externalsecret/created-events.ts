// The Normal `Created` Event of a new ExternalSecret, with a burst folded into one Event per
// store. On an API server bound by writes, a new ExternalSecret costs three (its Secret, this
// Event, its status); when hundreds are applied at once, the Events are a third of the load
// and delay every ExternalSecret's Ready (issue #18: 1,000 new ExternalSecrets). So, like
// client-go's spam filter, the first `perWindow` Created Events of a store within `windowMs`
// are written per ExternalSecret as before, and the rest of that window become one Event on the
// SecretStore: "created 990 more Secrets ... (first app-00010, last app-00999)". Nothing is lost from
// `kubectl describe externalsecret`: its Ready condition says the Secret was synced and from
// what, and Warnings and the other reasons are never folded. A ClusterSecretStore's burst is
// not folded: its Event would live outside the tenants' namespaces and name their objects.
import type { EventRecorder, ObjectRef } from '../../kube/ports.js';

export const DEFAULT_CREATED_PER_WINDOW = 10;
export const DEFAULT_CREATED_WINDOW_MS = 10_000;

export interface CreatedEventsOptions {
  events: EventRecorder;
  /** Created Events written per ExternalSecret per store and window. Default 10. */
  perWindow?: number;
  /** Length of a window, from the first Created Event of the store in it. Default 10 s. */
  windowMs?: number;
  /** Timers (tests); the default does not keep the process alive. */
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

interface Window {
  store: ObjectRef;
  passed: number;
  folded: number;
  first?: string;
  last?: string;
  timer: { cancel(): void };
}

export class CreatedEvents {
  private readonly windows = new Map<string, Window>();
  private readonly perWindow: number;
  private readonly windowMs: number;
  private readonly setTimer: NonNullable<CreatedEventsOptions['setTimer']>;

  constructor(private readonly options: CreatedEventsOptions) {
    this.perWindow = Math.max(1, options.perWindow ?? DEFAULT_CREATED_PER_WINDOW);
    this.windowMs = options.windowMs ?? DEFAULT_CREATED_WINDOW_MS;
    this.setTimer =
      options.setTimer ??
      ((fn, ms) => {
        const t = setTimeout(fn, ms);
        t.unref();
        return { cancel: () => clearTimeout(t) };
      });
  }

  /** `object` (an ExternalSecret) created its Secret, reading through `store`. */
  created(object: ObjectRef, store: ObjectRef, message: string): Promise<void> {
    if (store.kind !== 'SecretStore' || !store.namespace) return this.options.events.record(object, 'Normal', 'Created', message);
    const key = `${store.namespace}/${store.name}`;
    let window = this.windows.get(key);
    if (!window) {
      window = { store, passed: 0, folded: 0, timer: this.setTimer(() => void this.close(key), this.windowMs) };
      this.windows.set(key, window);
    }
    if (window.passed < this.perWindow) {
      window.passed++;
      return this.options.events.record(object, 'Normal', 'Created', message);
    }
    window.folded++;
    window.first ??= object.name;
    window.last = object.name;
    return Promise.resolve();
  }

  /** Writes the summaries of every open window now (on shutdown, so none is lost). */
  async flush(): Promise<void> {
    await Promise.all([...this.windows.keys()].map((key) => this.close(key)));
  }

  private close(key: string): Promise<void> {
    const window = this.windows.get(key);
    if (!window) return Promise.resolve();
    this.windows.delete(key);
    window.timer.cancel();
    if (window.folded === 0) return Promise.resolve();
    const names = window.folded === 1 ? window.first : `first ${window.first}, last ${window.last}`;
    return this.options.events.record(window.store, 'Normal', 'Created', summaryMessage(window.folded, this.perWindow, this.windowMs, names!));
  }
}

export function summaryMessage(folded: number, perWindow: number, windowMs: number, names: string): string {
  return (
    `created ${folded} more Secret${folded === 1 ? '' : 's'} for ExternalSecrets using this store (${names}), ` +
    `beyond ${perWindow} Created Events per ${windowMs / 1000} s; each ExternalSecret's Ready condition records its sync`
  );
}
