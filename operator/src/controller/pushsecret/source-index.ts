// Which PushSecrets read which Secrets, so a change of a source Secret re-pushes exactly the
// PushSecrets that select it — looked up, never found by scanning every PushSecret (client-go's
// Indexers, DESIGN.md §7). By name: one map lookup. By label selector: only the selectors of
// the Secret's own namespace are tried (a PushSecret reads only its own namespace, §5).
// It also decides which Secrets the source informer keeps at all (admit): only selected ones.
import { matchesLabelSelector } from '../../api/label-selector.js';
import type { LabelSelector } from '../../api/types.js';
import type { PushSecret } from '../../api/push-types.js';

interface Entry {
  namespace: string;
  name?: string;
  selector?: LabelSelector;
}

export interface SecretView {
  namespace: string;
  name: string;
  labels?: Record<string, string>;
}

export class PushSourceIndex {
  /** "<ns>/<PushSecret>" -> what it selects. */
  private readonly entries = new Map<string, Entry>();
  /** "<ns>/<Secret name>" -> PushSecret keys naming it. */
  private readonly byName = new Map<string, Set<string>>();
  /** namespace -> PushSecret keys selecting by label there. */
  private readonly bySelector = new Map<string, Set<string>>();

  /** Files (or re-files) a PushSecret under what its spec selects now. */
  set(ps: PushSecret): void {
    const namespace = ps.metadata.namespace ?? '';
    const key = `${namespace}/${ps.metadata.name}`;
    this.remove(key);
    const secret = ps.spec?.selector?.secret;
    if (!secret) return; // a generator: no Secret to watch
    // ESO: name wins over selector when both are set.
    const entry: Entry = secret.name ? { namespace, name: secret.name } : secret.selector ? { namespace, selector: secret.selector } : { namespace };
    this.entries.set(key, entry);
    if (entry.name) add(this.byName, `${namespace}/${entry.name}`, key);
    else if (entry.selector) add(this.bySelector, namespace, key);
  }

  remove(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    if (entry.name) drop(this.byName, `${entry.namespace}/${entry.name}`, key);
    else if (entry.selector) drop(this.bySelector, entry.namespace, key);
  }

  /** PushSecret keys ("<ns>/<name>") that push this Secret. */
  pushSecretsFor(secret: SecretView): string[] {
    const out = new Set(this.byName.get(`${secret.namespace}/${secret.name}`) ?? []);
    for (const key of this.bySelector.get(secret.namespace) ?? []) {
      const selector = this.entries.get(key)?.selector;
      if (selector && matchesLabelSelector(selector, secret.labels)) out.add(key);
    }
    return [...out].sort();
  }

  /** Whether any PushSecret selects this Secret (the source informer keeps only those). */
  selects(secret: SecretView): boolean {
    return this.pushSecretsFor(secret).length > 0;
  }

  get size(): number {
    return this.entries.size;
  }
}

function add(map: Map<string, Set<string>>, key: string, value: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(value);
}

function drop(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) map.delete(key);
}
