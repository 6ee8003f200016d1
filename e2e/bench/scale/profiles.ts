// Summaries of a V8 CPU profile and heap snapshot for docs/benchmarks.md: where the CPU time
// went (by package and by function) and what holds the live heap (by constructor, and by the
// operator's long-lived structures). Pure functions over the parsed JSON.
import type { CpuProfile } from './inspector.js';

export interface Share {
  name: string;
  /** CPU: milliseconds; heap: bytes. */
  amount: number;
  count?: number;
}

const SPECIAL = new Set(['(garbage collector)', '(program)', '(idle)', '(root)']);

/** Which package (or part of Rotor, or V8 itself) a profiled function belongs to. */
export function ownerOf(functionName: string, url: string): string {
  if (SPECIAL.has(functionName)) return functionName;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const dist = url.indexOf('/operator/dist/');
  if (dist >= 0) return `rotor ${url.slice(dist + '/operator/dist/'.length).split('/')[0]!.replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return `node ${url.slice(5).split('/')[0]}`;
  return url === '' ? '(native)' : '(other)';
}

/** Self time by owner and by function, largest first. */
export function summarizeCpuProfile(profile: CpuProfile): { totalMs: number; byOwner: Share[]; byFunction: Share[] } {
  const samples = profile.nodes.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const msPerSample = samples > 0 ? totalMs / samples : 0;
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (!hits) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const owner = ownerOf(functionName, url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + hits * msPerSample);
    const fn = `${functionName || '(anonymous)'} ${SPECIAL.has(functionName) ? '' : `[${owner}${url ? `:${lineNumber + 1}` : ''}]`}`.trim();
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + hits * msPerSample);
  }
  const sorted = (m: Map<string, number>): Share[] => [...m].map(([name, amount]) => ({ name, amount })).sort((a, b) => b.amount - a.amount);
  return { totalMs, byOwner: sorted(byOwner), byFunction: sorted(byFunction) };
}

// ------------------------------------------------------------------ heap snapshots

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]]; edge_fields: string[]; edge_types: [string[], ...unknown[]] }; node_count: number };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Edges to what is shared by everything: hidden classes, prototypes, constructors, scopes. */
const NOT_OWNED_EDGES = new Set(['map', '__proto__', 'constructor', 'prototype', 'context']);

/** A navigable view of a .heapsnapshot. */
export class HeapGraph {
  readonly nodeCount: number;
  private readonly nf: number;
  private readonly ef: number;
  private readonly firstEdge: Uint32Array;
  private readonly nodeTypes: string[];
  private readonly edgeTypes: string[];
  private readonly o: { type: number; name: number; size: number; edgeCount: number; eType: number; eName: number; eTo: number };
  private readonly s: SnapshotJson;

  constructor(s: SnapshotJson) {
    this.s = s;
    const meta = s.snapshot.meta;
    this.nf = meta.node_fields.length;
    this.ef = meta.edge_fields.length;
    this.nodeTypes = meta.node_types[0];
    this.edgeTypes = meta.edge_types[0];
    this.o = {
      type: meta.node_fields.indexOf('type'),
      name: meta.node_fields.indexOf('name'),
      size: meta.node_fields.indexOf('self_size'),
      edgeCount: meta.node_fields.indexOf('edge_count'),
      eType: meta.edge_fields.indexOf('type'),
      eName: meta.edge_fields.indexOf('name_or_index'),
      eTo: meta.edge_fields.indexOf('to_node'),
    };
    this.nodeCount = s.nodes.length / this.nf;
    this.firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let i = 0; i < this.nodeCount; i++) this.firstEdge[i + 1] = this.firstEdge[i]! + s.nodes[i * this.nf + this.o.edgeCount]!;
  }

  type(i: number): string {
    return this.nodeTypes[this.s.nodes[i * this.nf + this.o.type]!]!;
  }

  name(i: number): string {
    return this.s.strings[this.s.nodes[i * this.nf + this.o.name]!]!;
  }

  selfSize(i: number): number {
    return this.s.nodes[i * this.nf + this.o.size]!;
  }

  *edges(i: number): Generator<{ type: string; name: string; to: number }> {
    for (let e = this.firstEdge[i]!; e < this.firstEdge[i + 1]!; e++) {
      const base = e * this.ef;
      const type = this.edgeTypes[this.s.edges[base + this.o.eType]!]!;
      const raw = this.s.edges[base + this.o.eName]!;
      const name = type === 'element' || type === 'hidden' ? String(raw) : this.s.strings[raw]!;
      yield { type, name, to: this.s.edges[base + this.o.eTo]! / this.nf };
    }
  }

  totalSize(): number {
    let sum = 0;
    for (let i = 0; i < this.nodeCount; i++) sum += this.selfSize(i);
    return sum;
  }

  /**
   * Bytes reachable from `root` through strong edges, counting each node once across calls
   * that share `seen` (so structures reported in order do not count each other's memory).
   * Hidden classes ("map" edges) and code are shared by everything and not followed.
   */
  reachable(root: number, seen: Uint8Array, stopAt?: Uint8Array): number {
    let sum = 0;
    const stack = [root];
    while (stack.length) {
      const i = stack.pop()!;
      if (seen[i]) continue;
      seen[i] = 1;
      sum += this.selfSize(i);
      for (const e of this.edges(i)) {
        if (e.type === 'weak' || e.type === 'shortcut' || NOT_OWNED_EDGES.has(e.name) || seen[e.to] || stopAt?.[e.to]) continue;
        const t = this.type(e.to);
        // Functions and code belong to the program, not to the data that refers to them; through
        // a closure's context everything would be reachable from everything.
        if (t === 'code' || t === 'closure' || (t === 'hidden' && this.name(e.to).startsWith('system / Map'))) continue;
        stack.push(e.to);
      }
    }
    return sum;
  }
}

/** Self size by node type and constructor name (strings grouped), largest first. */
export function heapByConstructor(g: HeapGraph): Share[] {
  const sums = new Map<string, { amount: number; count: number }>();
  for (let i = 0; i < g.nodeCount; i++) {
    const type = g.type(i);
    const key = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '(strings)' : type === 'object' ? g.name(i) : `(${type}) ${type === 'closure' ? '' : g.name(i)}`.trim();
    const entry = sums.get(key) ?? { amount: 0, count: 0 };
    entry.amount += g.selfSize(i);
    entry.count++;
    sums.set(key, entry);
  }
  return [...sums].map(([name, v]) => ({ name, amount: v.amount, count: v.count })).sort((a, b) => b.amount - a.amount);
}

/** The operator's long-lived structures whose fields are measured one by one. */
export const OPERATOR_HOLDERS = [
  'ResilientInformer',
  'ExternalSecretReconciler',
  'WorkQueue',
  'SharedFetcher',
  'KubeEventRecorder',
  'Gauge',
  'Counter',
  'Histogram',
  'RolloutCoordinator',
  'AwsClientFactory',
];

/**
 * Bytes reachable from each field of the operator's long-lived objects (e.g.
 * "ResilientInformer(externalsecrets).cache"), plus, inside each informer cache, how much of it
 * is managedFields. Memory is counted once, for the first field that reaches it.
 */
export function heapByOperatorStructure(g: HeapGraph): Share[] {
  const seen = new Uint8Array(g.nodeCount);
  const out: Share[] = [];
  const holders: number[] = [];
  const isHolder = new Uint8Array(g.nodeCount);
  for (let i = 0; i < g.nodeCount; i++) {
    if (g.type(i) === 'object' && OPERATOR_HOLDERS.includes(g.name(i))) {
      holders.push(i);
      isHolder[i] = 1;
    }
  }
  // In the order of OPERATOR_HOLDERS: the caches first, so they own what they share with others.
  holders.sort((a, b) => OPERATOR_HOLDERS.indexOf(g.name(a)) - OPERATOR_HOLDERS.indexOf(g.name(b)));
  const label = (i: number): string => {
    const name = g.name(i);
    if (name !== 'ResilientInformer' && name !== 'Gauge' && name !== 'Counter' && name !== 'Histogram') return name;
    // The informer's resource / the metric's name tells instances apart.
    for (const e of g.edges(i)) {
      if (e.name === 'options' || e.name === 'name') {
        if (e.name === 'name' && g.type(e.to) === 'string') return `${name}(${g.name(e.to)})`;
        for (const f of g.edges(e.to)) if (f.name === 'resource' && g.type(f.to) === 'string') return `${name}(${g.name(f.to)})`;
      }
    }
    return name;
  };
  for (const h of holders) {
    const name = label(h);
    for (const e of g.edges(h)) {
      if (e.type !== 'property' || seen[e.to]) continue;
      if (name.startsWith('ResilientInformer') && e.name === 'cache') {
        // managedFields first, so the rest of the cache is what remains without it.
        const managed = reachableByEdgeName(g, e.to, 'managedFields', seen, isHolder);
        if (managed > 0) out.push({ name: `${name}.cache: managedFields`, amount: managed });
      }
      const amount = g.reachable(e.to, seen, isHolder);
      if (amount >= 64 * 1024) out.push({ name: `${name}.${e.name}`, amount });
    }
  }
  return out.sort((a, b) => b.amount - a.amount);
}

/** Bytes reachable through edges named `edgeName` anywhere below `root` (marks them seen). */
function reachableByEdgeName(g: HeapGraph, root: number, edgeName: string, seen: Uint8Array, stopAt: Uint8Array): number {
  const visited = new Uint8Array(g.nodeCount);
  const stack = [root];
  let sum = 0;
  while (stack.length) {
    const i = stack.pop()!;
    if (visited[i]) continue;
    visited[i] = 1;
    for (const e of g.edges(i)) {
      if (e.type === 'weak' || e.name === 'map' || visited[e.to]) continue;
      if (e.name === edgeName) sum += g.reachable(e.to, seen, stopAt);
      else if (g.type(e.to) === 'object' || g.type(e.to) === 'array' || g.type(e.to) === 'hidden') stack.push(e.to);
    }
  }
  return sum;
}
