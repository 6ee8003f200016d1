// Which ExternalSecrets read a remote secret (issue #16): the map an AWS change event is looked
// up in, so that a rotation queues exactly the ExternalSecrets that read it — any namespace,
// any store kind — without a scan of every ExternalSecret per event. Maintained incrementally:
// the manager calls setSpec on every ExternalSecret add/update (and store change), remove on
// delete, and learn after each successful sync (the names a `find` returned, the ARNs AWS
// returned: they tell the secret's account). Pure data structure; no I/O.
//
// Remote keys: (service, region, name) and (service, canonical ARN). A key in the spec may be a
// name or an ARN (full, or partial without the random suffix): an ARN is indexed under itself
// and under the name and region inside it, so an event carrying only a name or only an ARN
// finds it either way. Accounts: a change matches an ExternalSecret only in the event's region,
// and, once the account behind its reads is known (learned ARNs, or ARNs in its spec), only for
// that account — two accounts may hold secrets of one name in one region.
import type { AwsService } from '../../api/types.js';
import { accountOfArn, canonicalArn, parameterNameFromArn, secretNameFromArn, type SecretChange } from '../../aws/events/parse.js';

/** One remote key an ExternalSecret reads, with the request key the fetch cache knows it by. */
export interface IndexedRead {
  service: AwsService;
  region: string;
  /** The key as the fetcher requests it (store prefix applied): a name or an ARN. */
  key: string;
}

/** A value a sync read (from RemoteSecret): what `learn` needs. */
export interface LearnedRead {
  name: string;
  arn?: string;
  region: string;
}

export interface EventMatch {
  /** `namespace/name` of every ExternalSecret the change concerns. */
  externalSecrets: string[];
  /** The request keys (fetch cache keys) the matched ExternalSecrets use for the changed secret. */
  requestKeys: string[];
}

interface Entry {
  /** From the spec (data, dataFrom.extract). */
  specReads: IndexedRead[];
  /** From the last successful sync (find results, and the ARNs of every read). */
  learned: Array<{ service: AwsService; region: string; name: string; arn?: string }>;
  /** The accounts the last successful sync read from (from ARNs); empty = not known yet. */
  accounts: Set<string>;
  /** The remote keys this entry is filed under (to unfile it). */
  filed: Map<string, string>;
}

export interface EventIndexStats {
  /** ExternalSecret entries looked at by match() since creation: what "no scan" is measured by. */
  examined: number;
}

export class EventIndex {
  private readonly entries = new Map<string, Entry>();
  /** remote key -> (ExternalSecret key -> the request key it uses for that remote). */
  private readonly byRemote = new Map<string, Map<string, string>>();
  /** remote key -> start of the last successful read of it (ms), for indexed remotes only. */
  private readonly lastRead = new Map<string, number>();
  readonly stats: EventIndexStats = { examined: 0 };

  /** Files an ExternalSecret under the keys its spec reads (replacing what it had). */
  setSpec(esKey: string, reads: IndexedRead[]): void {
    const previous = this.entries.get(esKey);
    const entry: Entry = { specReads: reads, learned: previous?.learned ?? [], accounts: previous?.accounts ?? new Set(), filed: new Map() };
    // An ARN in the spec names the account outright.
    for (const read of reads) {
      const account = read.key.startsWith('arn:') ? accountOfArn(read.key) : undefined;
      if (account) entry.accounts.add(account);
    }
    this.refile(esKey, entry, previous);
  }

  /** After a successful sync: what it read (find results included) and from which accounts. */
  learn(esKey: string, service: AwsService, reads: LearnedRead[]): void {
    const previous = this.entries.get(esKey);
    if (!previous) return; // deleted meanwhile
    const accounts = new Set<string>();
    for (const read of previous.specReads) {
      const account = read.key.startsWith('arn:') ? accountOfArn(read.key) : undefined;
      if (account) accounts.add(account);
    }
    for (const read of reads) {
      const account = read.arn ? accountOfArn(read.arn) : undefined;
      if (account) accounts.add(account);
    }
    const learned = reads.map((r) => ({ service, region: r.region, name: r.name, ...(r.arn ? { arn: r.arn } : {}) }));
    this.refile(esKey, { specReads: previous.specReads, learned, accounts, filed: new Map() }, previous);
  }

  remove(esKey: string): void {
    const previous = this.entries.get(esKey);
    if (!previous) return;
    this.unfile(esKey, previous);
    this.entries.delete(esKey);
  }

  /** Records a successful read (fetcher hook): events older than it changed nothing it missed. */
  recordRead(service: AwsService, value: LearnedRead, startedAtMs: number): void {
    for (const remote of remoteKeysOfValue(service, value)) {
      if (!this.byRemote.has(remote)) continue; // nobody reads it: not worth remembering
      this.lastRead.set(remote, Math.max(this.lastRead.get(remote) ?? 0, startedAtMs));
    }
  }

  /**
   * When the changed secret was last read successfully (ms), if known. A change AWS timed
   * before that read began is already in what was read.
   */
  lastReadOf(change: SecretChange): number | undefined {
    // By ARN when both sides have one: a name is shared by the secrets of every account.
    const byArn = change.arn ? this.lastRead.get(arnKey(change.service, change.arn)) : undefined;
    if (byArn !== undefined) return byArn;
    let latest: number | undefined;
    for (const remote of remoteKeysOfChange(change)) {
      const at = this.lastRead.get(remote);
      if (at !== undefined) latest = Math.max(latest ?? 0, at);
    }
    return latest;
  }

  /** Every ExternalSecret that reads the changed secret; looks at those only. */
  match(change: SecretChange): EventMatch {
    const found = new Map<string, Set<string>>();
    for (const remote of remoteKeysOfChange(change)) {
      for (const [esKey, requestKey] of this.byRemote.get(remote) ?? []) {
        this.stats.examined++;
        const entry = this.entries.get(esKey);
        if (!entry || (entry.accounts.size > 0 && !entry.accounts.has(change.account))) continue;
        const keys = found.get(esKey) ?? new Set<string>();
        keys.add(requestKey);
        found.set(esKey, keys);
      }
    }
    return { externalSecrets: [...found.keys()], requestKeys: [...new Set([...found.values()].flatMap((k) => [...k]))] };
  }

  /** Number of ExternalSecrets indexed (tests, a debug gauge). */
  get size(): number {
    return this.entries.size;
  }

  private refile(esKey: string, entry: Entry, previous: Entry | undefined): void {
    if (previous) this.unfile(esKey, previous);
    for (const read of entry.specReads) for (const remote of remoteKeysOfKey(read.service, read.region, read.key)) entry.filed.set(remote, read.key);
    for (const read of entry.learned) {
      for (const remote of remoteKeysOfValue(read.service, read)) if (!entry.filed.has(remote)) entry.filed.set(remote, read.name);
    }
    for (const [remote, requestKey] of entry.filed) {
      let holders = this.byRemote.get(remote);
      if (!holders) this.byRemote.set(remote, (holders = new Map()));
      holders.set(esKey, requestKey);
    }
    this.entries.set(esKey, entry);
  }

  private unfile(esKey: string, entry: Entry): void {
    for (const remote of entry.filed.keys()) {
      const holders = this.byRemote.get(remote);
      holders?.delete(esKey);
      if (holders && holders.size === 0) {
        this.byRemote.delete(remote);
        this.lastRead.delete(remote);
      }
    }
  }
}

const nameKey = (service: AwsService, region: string, name: string) => `${service}|${region}|n|${name}`;
const arnKey = (service: AwsService, arn: string) => `${service}|a|${canonicalArn(arn)}`;

function nameInArn(service: AwsService, arn: string): string | undefined {
  return service === 'SecretsManager' ? secretNameFromArn(arn) : parameterNameFromArn(arn);
}

function regionOfArn(arn: string): string | undefined {
  return arn.split(':')[3]?.toLowerCase() || undefined;
}

/** A spec key: a name (in the store's region) or an ARN (its own region and name as well). */
function remoteKeysOfKey(service: AwsService, region: string, key: string): string[] {
  if (!key.startsWith('arn:')) return [nameKey(service, region, key)];
  const name = nameInArn(service, key);
  const arnRegion = regionOfArn(key);
  return [arnKey(service, key), ...(name && arnRegion ? [nameKey(service, arnRegion, name)] : [])];
}

function remoteKeysOfValue(service: AwsService, value: LearnedRead): string[] {
  return [nameKey(service, value.region, value.name), ...(value.arn ? [arnKey(service, value.arn)] : [])];
}

function remoteKeysOfChange(change: SecretChange): string[] {
  const keys = new Set<string>();
  if (change.name) keys.add(nameKey(change.service, change.region, change.name));
  if (change.arn) {
    keys.add(arnKey(change.service, change.arn));
    const name = nameInArn(change.service, change.arn);
    if (name) keys.add(nameKey(change.service, change.region, name));
  }
  return [...keys];
}
