// Applies a file from examples/ the way a user would, with only what the test bed needs
// changed: the namespace, the store endpoint (LocalStack instead of AWS) and, through plain
// text replacement, the remote names (so every test file uses its own AWS names and a
// re-run on a kept test bed does not collide with the previous run's secrets).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { apply } from './cli.js';
import { harness } from './context.js';

const examplesDir = resolve(import.meta.dirname, '../../examples');

const CLUSTER_SCOPED = new Set(['ClusterSecretStore', 'ClusterExternalSecret', 'ClusterPushSecret', 'Namespace']);

/** A Kubernetes object as parsed from YAML; `any` because tests poke at arbitrary fields. */
export type Manifest = Record<string, any>;

export interface ExampleOptions {
  /** Namespace for every namespaced object in the file. */
  namespace: string;
  /** Literal text replacements applied to the file before parsing (e.g. remote names, cluster-scoped names). */
  replace?: Record<string, string>;
  /** Last-minute edits (e.g. a failover endpoint); return nothing to keep the object. */
  edit?: (doc: Manifest) => void;
}

/** The documents of examples/<file>, adapted to the test bed (see ExampleOptions). */
export function loadExample(file: string, options: ExampleOptions): Manifest[] {
  let text = readFileSync(resolve(examplesDir, file), 'utf8');
  for (const [from, to] of Object.entries(options.replace ?? {})) text = text.split(from).join(to);
  const docs: Manifest[] = [];
  for (const parsed of parseAllDocuments(text)) {
    if (parsed.errors.length > 0) throw new Error(`examples/${file}: ${parsed.errors[0]!.message}`);
    const doc = parsed.toJS() as Manifest | null;
    if (!doc) continue;
    if (!CLUSTER_SCOPED.has(doc.kind)) doc.metadata = { ...doc.metadata, namespace: options.namespace };
    const aws = doc.spec?.provider?.aws;
    if ((doc.kind === 'SecretStore' || doc.kind === 'ClusterSecretStore') && aws) aws.endpoint = harness().awsEndpointForStores;
    options.edit?.(doc);
    docs.push(doc);
  }
  if (docs.length === 0) throw new Error(`examples/${file} holds no object`);
  return docs;
}

/** Loads (see loadExample) and `kubectl apply`s an example; returns the applied objects. */
export async function applyExample(file: string, options: ExampleOptions): Promise<Manifest[]> {
  const docs = loadExample(file, options);
  await apply(docs.map((d) => stringify(d)).join('---\n'));
  return docs;
}
