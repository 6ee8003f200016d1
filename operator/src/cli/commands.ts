// The `rotor` subcommands besides migrate: status, refresh, iam, completion and version. Flags,
// output and exit codes here; the cluster is behind the ToolsCluster port and the docs are read
// from DOCS_DIR, both injectable, so every command is unit-tested end to end with fakes.
import { parseArgs } from 'node:util';
import { ESO_ANNOTATION_FORCE_SYNC } from '../api/eso.js';
import { ANNOTATION_FORCE_SYNC } from '../api/types.js';
import type { RefreshKind, ToolsCluster } from './cluster.js';
import { completionScript, SHELLS, type Shell } from './completion.js';
import { readDoc } from './docs.js';
import { IAM_USAGE, IamInputError, POLICY_KINDS, policyFor, type PolicyKindName } from './iam.js';
import { formatStatus, isReady } from './status.js';

export const EXIT = { ok: 0, notReady: 1, usage: 2, failed: 3 } as const;

export interface ToolsIO {
  stdout(text: string): void;
  stderr(text: string): void;
  /** The cluster for the kubeconfig flags given; called only by commands that need one. */
  connect(options: { kubeconfig?: string; context?: string }): ToolsCluster;
  now(): Date;
  /** Where docs/ is (tests point it elsewhere); default DOCS_DIR. */
  docsDir?: string;
}

export const STATUS_USAGE = `rotor status es NAME [-n NAMESPACE] [--kubeconfig FILE] [--context NAME]
  The ExternalSecret's Ready condition, the Secret it writes, the AWS versions synced, the last
  Event, and what to do for its reason (the docs/troubleshooting.md section).
  Exit code: 0 Ready, 1 not Ready (or not found), 2 usage, 3 the API server could not be asked.
`;

export const REFRESH_USAGE = `rotor refresh es|ces|ss|css NAME [-n NAMESPACE] [--kubeconfig FILE] [--context NAME]
  Refresh now: sets ${ANNOTATION_FORCE_SYNC} to the current time. An ExternalSecret reads AWS
  afresh; a ClusterExternalSecret passes it on to every ExternalSecret it made; a SecretStore or
  ClusterSecretStore is validated again. Same as
  kubectl annotate es NAME ${ANNOTATION_FORCE_SYNC}=$(date +%s) --overwrite
  (ESO's ${ESO_ANNOTATION_FORCE_SYNC} works too).
`;

const KIND_ALIASES: Record<string, RefreshKind> = {
  es: 'ExternalSecret',
  externalsecret: 'ExternalSecret',
  externalsecrets: 'ExternalSecret',
  ces: 'ClusterExternalSecret',
  clusterexternalsecret: 'ClusterExternalSecret',
  clusterexternalsecrets: 'ClusterExternalSecret',
  ss: 'SecretStore',
  secretstore: 'SecretStore',
  secretstores: 'SecretStore',
  css: 'ClusterSecretStore',
  clustersecretstore: 'ClusterSecretStore',
  clustersecretstores: 'ClusterSecretStore',
};
const CLUSTER_SCOPED: ReadonlySet<RefreshKind> = new Set(['ClusterExternalSecret', 'ClusterSecretStore']);

const KUBE_OPTIONS = {
  namespace: { type: 'string', short: 'n' },
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(args: string[]) {
  return parseArgs({ args, options: KUBE_OPTIONS, allowPositionals: true, strict: true });
}

function kubeOptions(values: { kubeconfig?: string; context?: string }) {
  return { ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}), ...(values.context !== undefined ? { context: values.context } : {}) };
}

/** Runs `fn`, turning a flag error into usage (2) and an API failure into 3, with the message. */
async function guarded(command: string, usage: string, io: ToolsIO, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') || error instanceof IamInputError) {
      io.stderr(`rotor ${command}: ${(error as Error).message}\n\n${usage}`);
      return EXIT.usage;
    }
    io.stderr(`rotor ${command}: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}

export function runStatus(args: string[], io: ToolsIO): Promise<number> {
  return guarded('status', STATUS_USAGE, io, async () => {
    const { values, positionals } = parse(args);
    if (values.help) {
      io.stdout(STATUS_USAGE);
      return EXIT.ok;
    }
    const [kind, name, ...extra] = positionals;
    if (KIND_ALIASES[kind ?? ''] !== 'ExternalSecret' || !name || extra.length > 0) {
      io.stderr(`rotor status: expected "es NAME"\n\n${STATUS_USAGE}`);
      return EXIT.usage;
    }
    const cluster = io.connect(kubeOptions(values));
    const namespace = values.namespace ?? cluster.defaultNamespace;
    const es = await cluster.getExternalSecret(namespace, name);
    if (!es) {
      io.stderr(`rotor status: ExternalSecret ${namespace}/${name} (rotor.dev) not found; kubectl get externalsecrets.rotor.dev -n ${namespace}\n`);
      return EXIT.notReady;
    }
    const events = await cluster.events(namespace, 'ExternalSecret', name);
    io.stdout(formatStatus({ es, events, troubleshooting: readDoc('troubleshooting.md', io.docsDir), now: io.now() }));
    return isReady(es) ? EXIT.ok : EXIT.notReady;
  });
}

export function runRefresh(args: string[], io: ToolsIO): Promise<number> {
  return guarded('refresh', REFRESH_USAGE, io, async () => {
    const { values, positionals } = parse(args);
    if (values.help) {
      io.stdout(REFRESH_USAGE);
      return EXIT.ok;
    }
    const [alias, name, ...extra] = positionals;
    const kind = KIND_ALIASES[alias ?? ''];
    if (!kind || !name || extra.length > 0) {
      io.stderr(`rotor refresh: expected "es|ces|ss|css NAME"\n\n${REFRESH_USAGE}`);
      return EXIT.usage;
    }
    const cluster = io.connect(kubeOptions(values));
    const namespace = CLUSTER_SCOPED.has(kind) ? undefined : (values.namespace ?? cluster.defaultNamespace);
    // Unix seconds: after a restart the operator honours a value that is a time after the last sync.
    const value = String(Math.floor(io.now().getTime() / 1000));
    const where = namespace === undefined ? name : `${namespace}/${name}`;
    if (!(await cluster.annotate(kind, namespace, name, { [ANNOTATION_FORCE_SYNC]: value }))) {
      io.stderr(`rotor refresh: ${kind} ${where} (rotor.dev) not found\n`);
      return EXIT.notReady;
    }
    io.stdout(`${kind} ${where}: ${ANNOTATION_FORCE_SYNC}=${value}; the operator ${kind.endsWith('Store') ? 'validates' : 'refreshes'} it now${kind === 'ExternalSecret' ? ` (rotor status es ${name}${namespace !== cluster.defaultNamespace ? ` -n ${namespace}` : ''})` : ''}\n`);
    return EXIT.ok;
  });
}

export function runIam(args: string[], io: ToolsIO): Promise<number> {
  return guarded('iam', IAM_USAGE, io, async () => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        kind: { type: 'string', default: 'read' },
        account: { type: 'string' },
        region: { type: 'string' },
        prefix: { type: 'string', default: 'prod/' },
        path: { type: 'string', default: '/production' },
        queue: { type: 'string', default: 'rotor-events' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      io.stdout(IAM_USAGE);
      return EXIT.ok;
    }
    if (positionals.length !== 1 || positionals[0] !== 'policy') throw new IamInputError('expected the subcommand "policy"');
    if (!(values.kind in POLICY_KINDS)) throw new IamInputError(`--kind must be one of ${Object.keys(POLICY_KINDS).join(', ')}, got ${JSON.stringify(values.kind)}`);
    // renderPolicy says which of --account and --region the kind requires.
    const policy = policyFor({ kind: values.kind as PolicyKindName, account: values.account, region: values.region, prefix: values.prefix, path: values.path, queue: values.queue }, io.docsDir);
    io.stdout(policy);
    return EXIT.ok;
  });
}

export function runCompletion(args: string[], io: ToolsIO): number {
  const [shell, ...extra] = args;
  if (!SHELLS.includes(shell as Shell) || extra.length > 0) {
    io.stderr(`rotor completion: expected one of ${SHELLS.join(', ')}\n  source <(rotor completion bash)   # in ~/.bashrc\n  source <(rotor completion zsh)    # in ~/.zshrc\n`);
    return EXIT.usage;
  }
  io.stdout(completionScript(shell as Shell));
  return EXIT.ok;
}

/** `rotor --version [-o json]`: the text line, or JSON for scripts (like kubectl version -o json). */
export function runVersion(args: string[], io: ToolsIO, version: string): number {
  const output = args[0] === '-o' || args[0] === '--output' ? args[1] : args[0]?.startsWith('-o') ? args[0].slice(2).replace(/^=/, '') : args[0]?.startsWith('--output=') ? args[0].slice(9) : undefined;
  const consumed = args[0] === '-o' || args[0] === '--output' ? 2 : args.length > 0 ? 1 : 0;
  if (args.length > consumed || (args.length > 0 && output !== 'json')) {
    io.stderr('rotor --version: the only output format is json (rotor --version -o json)\n');
    return EXIT.usage;
  }
  if (output === 'json') io.stdout(`${JSON.stringify({ name: 'rotor', version, node: process.versions.node, platform: process.platform, arch: process.arch }, null, 2)}\n`);
  else io.stdout(`rotor ${version}\n`);
  return EXIT.ok;
}
