// `rotor migrate`: flags, input and output, exit codes. The conversion itself is convert.ts;
// the live handover is handover.ts. I/O is injected so the whole command is unit-tested.
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { convertDocuments, describeObject, hasLosses, markForAdoption } from './convert.js';
import { InputError, readInputs, toYamlStream } from './inputs.js';
import { parseDuration } from '../api/duration.js';
import { EXIT, loadKinds, writeReport, type MigrateFlags, type MigrateIO } from './io.js';

export { EXIT, type MigrateFlags, type MigrateIO };

export const MIGRATE_USAGE = `rotor migrate — move External Secrets Operator (ESO) manifests and Secrets to Rotor

Usage:
  rotor migrate [flags] FILE|DIR|- ...      convert ESO YAML to Rotor YAML
  rotor migrate --live [flags]              hand a live cluster over from ESO to Rotor

Also: kubectl rotor migrate ... (kubectl plugin), npx rotor migrate ... (from a checkout, after npm run build).

Converting files:
  Reads ESO's ExternalSecret, SecretStore, ClusterSecretStore and ClusterExternalSecret
  (external-secrets.io/v1 and v1beta1), PushSecret and ClusterPushSecret
  (external-secrets.io/v1alpha1) and its ECRAuthorizationToken, STSSessionToken, Password
  and ClusterGenerator (generators.external-secrets.io/v1alpha1) from files, directories (their
  .yaml, .yml and .json files) or stdin ("-"), documents separated by ---, and kubectl's List
  objects. Writes them as rotor.dev/v1alpha1 (generators: generators.rotor.dev/v1alpha1)
  objects: Rotor keeps ESO's field names, so mostly apiVersion changes (also in
  dataFrom[].sourceRef.generatorRef and a PushSecret's selector.generatorRef). Each object is checked against Rotor's CRD schemas:
    - a field Rotor does not have is removed (the API server would drop it silently) and reported;
    - an object Rotor would refuse, or cannot serve (non-AWS providers and generators,
      CertificateManager stores, data[].sourceRef.generatorRef,
      ESO's deprecated template engine v1, ...), is left out of the
      output and reported with what to do instead;
    - a template without engineVersion gets engineVersion: v2, ESO's engine (reported as CHANGED).
  Other objects (Deployments, ConfigMaps, ...) are passed through unchanged, so a whole
  directory of manifests can be converted at once.
  With --adopt, each ExternalSecret (and each one a ClusterExternalSecret stamps) carries
  rotor.dev/adopt-eso=<its name>: applied by a GitOps tool, it takes over the Secret of ESO's
  ExternalSecret of the same name in place, as --live does (stop ESO's controller first).

Live handover (--live):
  Reads ESO's objects from the cluster (kubeconfig), creates the Rotor stores and
  ExternalSecrets, and has Rotor take over each Secret ESO wrote, in place: the Rotor
  ExternalSecret carries the annotation rotor.dev/adopt-eso=<ESO ExternalSecret>, and the
  operator then replaces ESO's owner reference, labels and annotations on the Secret with
  Rotor's in one update. The Secret is never deleted and its data changes only if the value in
  AWS differs. The command waits until every Secret is Rotor's and its ExternalSecret Ready.
  Scale ESO's controller to 0 first (kubectl -n external-secrets scale deploy/external-secrets
  --replicas=0; keep its webhook running until ESO's objects are deleted): a running ESO
  keeps rewriting Orphan/Merge Secrets. Running it again is harmless: existing Rotor objects
  with the same spec and Secrets Rotor already owns are left alone.
  Afterwards delete ESO's objects (--delete-eso, or the kubectl commands it prints):
  the Secrets are no longer theirs, so the garbage collector leaves them.
  A ClusterExternalSecret moves as a whole: Rotor's stamps ExternalSecrets carrying the
  annotation. --delete-eso also removes the finalizers ESO's stopped controller would never
  remove: on ExternalSecrets, on ClusterExternalSecrets and on the namespaces they provisioned.
  With --namespace, ClusterExternalSecrets (and what they stamped) are left for a run without it.
  Generators are created first; PushSecrets and ClusterPushSecrets move too (same for
  ClusterPushSecrets and --namespace): Rotor's pushes the same remote secrets (ESO's managed-by
  tag counts as managed), and once it is Ready, ESO's is set to deletionPolicy None and loses
  its finalizer before it is deleted, so ESO never deletes what Rotor now pushes.

Flags:
  -o, --output FILE         write the Rotor YAML here (default: stdout)
      --report FILE         write the report here (default: stderr)
  -R, --recursive           read directories recursively
      --adopt               files: mark ExternalSecrets to take ESO's Secrets over (rotor.dev/adopt-eso)
      --crds DIR            Rotor CRDs to check against (default: the ones shipped with this rotor)
      --live                migrate the cluster's ESO objects (no FILE arguments)
  -n, --namespace NS        --live: only this namespace (cluster-scoped stores still count)
  -A, --all-namespaces      --live: every namespace (default)
      --dry-run             --live: print the Rotor YAML and the plan, change nothing
      --delete-eso          --live: after the handover, delete the ESO objects whose Secrets Rotor now owns
      --timeout DURATION    --live: how long to wait for the handover (default 2m)
      --kubeconfig PATH     --live: kubeconfig (default: $KUBECONFIG, ~/.kube/config, in-cluster)
      --context NAME        --live: kubeconfig context
  -h, --help                this text

Exit codes:
  0  everything was converted (and, with --live, handed over)
  1  something could not be carried over; the report lists each object or field, why, and what to do
  2  usage or input error (bad flag, unreadable file, invalid YAML); nothing was written
  3  --live: the handover did not finish (timeout or API error); the report says where it stopped
  4  unexpected error (a bug: please report the printed stack)
`;

export const processIO: MigrateIO = {
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  writeFile: (path, text) => writeFileSync(path, text),
};

export class UsageError extends Error {}

export function parseMigrateFlags(argv: string[]): MigrateFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        output: { type: 'string', short: 'o' },
        report: { type: 'string' },
        recursive: { type: 'boolean', short: 'R', default: false },
        adopt: { type: 'boolean', default: false },
        crds: { type: 'string' },
        live: { type: 'boolean', default: false },
        namespace: { type: 'string', short: 'n' },
        'all-namespaces': { type: 'boolean', short: 'A', default: false },
        'dry-run': { type: 'boolean', default: false },
        'delete-eso': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '2m' },
        kubeconfig: { type: 'string' },
        context: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const v = parsed.values;
  const flags: MigrateFlags = {
    inputs: parsed.positionals,
    recursive: v.recursive,
    adopt: v.adopt,
    live: v.live,
    dryRun: v['dry-run'],
    deleteEso: v['delete-eso'],
    timeoutMs: parseTimeout(v.timeout),
    help: v.help,
    ...(v.output !== undefined ? { output: v.output } : {}),
    ...(v.report !== undefined ? { report: v.report } : {}),
    ...(v.crds !== undefined ? { crds: v.crds } : {}),
    ...(v.namespace !== undefined ? { namespace: v.namespace } : {}),
    ...(v.kubeconfig !== undefined ? { kubeconfig: v.kubeconfig } : {}),
    ...(v.context !== undefined ? { context: v.context } : {}),
  };
  if (flags.help) return flags;
  if (flags.live) {
    if (flags.inputs.length > 0) throw new UsageError('--live reads ESO objects from the cluster: give no FILE arguments');
    if (flags.namespace !== undefined && v['all-namespaces']) throw new UsageError('--namespace and --all-namespaces exclude each other');
    if (flags.adopt) throw new UsageError('--adopt is for files; --live always marks the ExternalSecrets it creates');
  } else {
    if (flags.inputs.length === 0) throw new UsageError('give FILE, DIR or - (stdin) to convert, or --live to migrate the cluster');
    const liveOnly = (['namespace', 'all-namespaces', 'dry-run', 'delete-eso', 'kubeconfig', 'context'] as const).filter((k) => v[k] !== undefined && v[k] !== false);
    if (liveOnly.length > 0) throw new UsageError(`--${liveOnly[0]} needs --live`);
  }
  return flags;
}

/** --timeout in the one duration grammar of Rotor (api/duration.ts: Go's, e.g. 90s, 5m, 1m30s). */
function parseTimeout(text: string): number {
  let ms: number;
  try {
    ms = parseDuration(text, '--timeout');
  } catch {
    throw new UsageError(`--timeout ${JSON.stringify(text)}: give a duration such as 90s or 5m`);
  }
  if (ms <= 0) throw new UsageError(`--timeout ${JSON.stringify(text)}: give a duration such as 90s or 5m`);
  return ms;
}

/** Live handover, loaded only with --live (it brings the Kubernetes client). */
export type LiveRunner = (flags: MigrateFlags, io: MigrateIO) => Promise<number>;

export async function runMigrate(argv: string[], io: MigrateIO = processIO, live?: LiveRunner): Promise<number> {
  let flags: MigrateFlags;
  try {
    flags = parseMigrateFlags(argv);
  } catch (error) {
    io.stderr(`rotor migrate: ${(error as Error).message}\nRun rotor migrate --help for usage.\n`);
    return EXIT.usage;
  }
  if (flags.help) {
    io.stdout(MIGRATE_USAGE);
    return EXIT.ok;
  }
  try {
    if (flags.live) {
      const runLive = live ?? (await import('./live.js')).runLive;
      return await runLive(flags, io);
    }
    const kinds = loadKinds(flags.crds);
    const inputs = await readInputs(flags.inputs, { recursive: flags.recursive, readStdin: io.readStdin });
    const result = convertDocuments(inputs, kinds);
    if (flags.adopt) {
      for (const doc of result.documents) {
        if (doc.status !== 'converted' || markForAdoption(doc.object, kinds)) continue;
        result.findings.push({
          object: describeObject(doc.object),
          source: doc.source,
          level: 'note',
          message: "not marked for adoption: this Rotor's ClusterExternalSecret has no spec.externalSecretMetadata.annotations",
          action: 'upgrade Rotor, or annotate the ExternalSecrets it creates with rotor.dev/adopt-eso',
        });
      }
    }
    const yaml = toYamlStream(result.documents.map((d) => d.object));
    if (flags.output) io.writeFile(flags.output, yaml);
    else io.stdout(yaml);
    writeReport(flags, io, result.findings, {
      converted: result.documents.filter((d) => d.status === 'converted').length,
      passedThrough: result.documents.filter((d) => d.status === 'passed-through').length,
    });
    return hasLosses(result.findings) ? EXIT.incomplete : EXIT.ok;
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError) {
      io.stderr(`rotor migrate: ${error.message}\n`);
      return EXIT.usage;
    }
    throw error;
  }
}
