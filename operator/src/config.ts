// Flags and environment -> a typed, validated configuration. Pure, so every flag's
// parsing and its error message are unit-tested.
import { parseArgs } from 'node:util';
import { parseDuration } from './api/duration.js';
import { EndpointPatternError, parseEndpointPattern } from './aws/endpoint-policy.js';
import { OPERATOR_IDENTITY_SCOPES, type OperatorIdentityScope } from './aws/tenancy.js';
import { distinctQueues, parseEventQueue, type EventQueueSpec } from './aws/events/queue-spec.js';
import { DEFAULT_ALLOWED_KINDS, allowedKindProblem } from './controller/manifest/target-kind.js';

export interface OperatorConfig {
  kubeconfig?: string;
  /** kubeconfig context; default its current-context. */
  context?: string;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  concurrency: number;
  /** At most this many ExternalSecrets of one store are reconciled at once (fair share). */
  storeConcurrency: number;
  /** Deadline of one AWS call, all SDK attempts included. */
  awsCallTimeoutMs: number;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  /** Identity in the Lease; the pod name in a cluster. */
  identity: string;
  bindAddress: string;
  metricsPort: number;
  healthPort: number;
  /** Empty = all namespaces. */
  watchNamespace?: string;
  /** Namespace of the operator itself (HMAC key Secret, Lease). */
  namespace: string;
  hmacSecretName: string;
  fetchCacheTtlMs: number;
  statusHeartbeatMs: number;
  storeRevalidateMs: number;
  rolloutDebounceMs: number;
  watchStallMs: number;
  /** Endpoint patterns a namespaced SecretStore may name besides AWS's and the operator's own. */
  allowedEndpoints: string[];
  /** Which stores may read with the operator's own AWS identity. */
  operatorIdentityScope: OperatorIdentityScope;
  /** Audiences a store may request a ServiceAccount token for. */
  tokenAudiences: string[];
  /** SQS queues of AWS change events (issue #16), read by the leader with the operator's own identity; empty = polling only. */
  eventQueues: EventQueueSpec[];
  /** Kinds spec.target.manifest may write besides Secrets ("ConfigMap", "<Kind>.<group>"); empty = none. */
  targetAllowedKinds: string[];
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;

export const USAGE = `rotor [flags]
  --help                            print this text and exit
  --version                         print the version and exit
  --kubeconfig PATH                 kubeconfig (default: the $KUBECONFIG list, else ~/.kube/config,
                                    else the in-cluster ServiceAccount)
  --context NAME                    kubeconfig context (default: its current-context)
  --log-level LEVEL                 trace|debug|info|warn|error (default: $LOG_LEVEL or info)
  --concurrency N                   ExternalSecrets reconciled in parallel (default 32)
  --store-concurrency N             at most N of them from one store, so a slow store cannot
                                    hold every worker (default: half of --concurrency, at least 1)
  --aws-call-timeout DURATION       deadline of one AWS call, retries included (default 5s)
  --leader-elect                    elect a leader through a Lease (run 2+ replicas)
  --leader-election-namespace NS    namespace of the Lease (default: the operator namespace)
  --leader-election-id NAME         Lease name (default rotor-leader)
  --bind-address ADDR               address of the metrics/health servers (default 0.0.0.0)
  --metrics-port N                  /metrics port (default 8080; 0 = any free port)
  --health-port N                   /healthz and /readyz port (default 8081; 0 = any free port)
  --watch-namespace NS              only watch this namespace (default: all)
  --namespace NS                    operator namespace (default: $POD_NAMESPACE or rotor-system)
  --hmac-secret-name NAME           Secret holding the change-detection HMAC key (default rotor-hmac-key)
  --fetch-cache-ttl DURATION        how long an unused AWS read is kept for identical requests; a periodic
                                    refresh only shares reads made since its wave began (default 10s)
  --status-heartbeat DURATION       rewrite status.refreshTime ("Last Sync") of an ExternalSecret whose
                                    refreshes change nothing at most this often; 0 = only on changes (default 5m)
  --store-revalidate-interval DUR   how often a Valid store is re-checked (default 30m)
  --rollout-debounce DURATION       window that coalesces restarts of one workload (default 2s)
  --watch-stall-timeout DURATION    restart a watch silent for this long (default 5m)
  --allowed-endpoint PATTERN        an endpoint namespaced SecretStores may name besides AWS's own and the
                                    operator's AWS_ENDPOINT_URL*: https://host[:port], https://*.domain,
                                    http://host:* (repeatable or comma-separated; default none)
  --operator-identity-scope SCOPE   AllStores|ClusterSecretStoresOnly: which stores may read with the
                                    operator's own AWS identity (default AllStores)
  --token-audience AUDIENCE         an audience stores may request ServiceAccount tokens for
                                    (repeatable or comma-separated; default sts.amazonaws.com)
  --events-queue URL[,region=R]     an SQS queue of AWS change events (EventBridge) to refresh from at once,
                                    read by the leader with the operator's own AWS identity; region is read
                                    from sqs.<region>.amazonaws.com URLs, required otherwise (LocalStack).
                                    Repeatable, one queue per flag (default none: polling only)
  --target-allowed-kind KIND        a kind ExternalSecrets may write with spec.target.manifest: ConfigMap or
                                    <Kind>.<group> (the operator needs RBAC for it; never Secrets, RBAC or
                                    cluster-scoped kinds). Repeatable or comma-separated; "none" allows no
                                    kind (default ConfigMap)`;

export class ConfigError extends Error {}

/** `--version`: main prints the version and exits 0. */
export class VersionRequested extends Error {}

/** `--help`: main prints USAGE on stdout and exits 0 (asked for, so not an error). */
export class HelpRequested extends Error {}

/**
 * What main does with an error of parseConfig: the text, where it goes and the exit code; undefined
 * for anything else (a bug: main rethrows it). Help and version are answers (stdout, 0); bad flags
 * are errors (stderr, 2).
 */
export function configExit(error: unknown, version: string): { stream: 'stdout' | 'stderr'; text: string; code: number } | undefined {
  if (error instanceof HelpRequested) return { stream: 'stdout', text: `${USAGE}\n`, code: 0 };
  if (error instanceof VersionRequested) return { stream: 'stdout', text: `rotor ${version}\n`, code: 0 };
  if (error instanceof ConfigError || (error as { code?: string } | undefined)?.code?.startsWith('ERR_PARSE_ARGS')) {
    return { stream: 'stderr', text: `${(error as Error).message}\n`, code: 2 };
  }
  return undefined;
}

export function parseConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      kubeconfig: { type: 'string' },
      context: { type: 'string' },
      'log-level': { type: 'string' },
      concurrency: { type: 'string' },
      'store-concurrency': { type: 'string' },
      'aws-call-timeout': { type: 'string' },
      'leader-elect': { type: 'boolean' },
      'leader-election-namespace': { type: 'string' },
      'leader-election-id': { type: 'string' },
      'bind-address': { type: 'string' },
      'metrics-port': { type: 'string' },
      'health-port': { type: 'string' },
      'watch-namespace': { type: 'string' },
      namespace: { type: 'string' },
      'hmac-secret-name': { type: 'string' },
      'fetch-cache-ttl': { type: 'string' },
      'status-heartbeat': { type: 'string' },
      'store-revalidate-interval': { type: 'string' },
      'rollout-debounce': { type: 'string' },
      'watch-stall-timeout': { type: 'string' },
      'allowed-endpoint': { type: 'string', multiple: true },
      'operator-identity-scope': { type: 'string' },
      'token-audience': { type: 'string', multiple: true },
      'events-queue': { type: 'string', multiple: true },
      'target-allowed-kind': { type: 'string', multiple: true },
      help: { type: 'boolean' },
      version: { type: 'boolean' },
    },
  });
  if (values.help) throw new HelpRequested();
  if (values.version) throw new VersionRequested();
  const logLevel = (values['log-level'] ?? env.LOG_LEVEL ?? 'info') as OperatorConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  const namespace = values.namespace ?? env.POD_NAMESPACE ?? 'rotor-system';
  const concurrency = integer('--concurrency', values.concurrency ?? '32', 1, 256);
  const awsCallTimeoutMs = duration('--aws-call-timeout', values['aws-call-timeout'] ?? '5s');
  if (awsCallTimeoutMs < 100) throw new ConfigError(`--aws-call-timeout must be at least 100ms, got "${values['aws-call-timeout']}"`);
  const allowedEndpoints = listFlag(values['allowed-endpoint']);
  for (const pattern of allowedEndpoints) {
    try {
      parseEndpointPattern(pattern);
    } catch (error) {
      if (error instanceof EndpointPatternError) throw new ConfigError(`--allowed-endpoint: ${error.message}`);
      throw error;
    }
  }
  const operatorIdentityScope = (values['operator-identity-scope'] ?? 'AllStores') as OperatorIdentityScope;
  if (!OPERATOR_IDENTITY_SCOPES.includes(operatorIdentityScope)) {
    throw new ConfigError(`--operator-identity-scope must be one of ${OPERATOR_IDENTITY_SCOPES.join(', ')}, got "${operatorIdentityScope}"`);
  }
  const tokenAudiences = listFlag(values['token-audience']);
  let eventQueues: EventQueueSpec[];
  try {
    // Not comma-split: a comma separates a queue's options (region=...).
    eventQueues = distinctQueues((values['events-queue'] ?? []).filter((v) => v.trim() !== '').map(parseEventQueue));
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  const kindValues = listFlag(values['target-allowed-kind']);
  if (kindValues.includes('none') && kindValues.length > 1) throw new ConfigError('--target-allowed-kind: "none" cannot be combined with kinds');
  const targetAllowedKinds = kindValues.length === 0 ? [...DEFAULT_ALLOWED_KINDS] : kindValues.filter((k) => k !== 'none');
  for (const kind of targetAllowedKinds) {
    const problem = allowedKindProblem(kind);
    if (problem) throw new ConfigError(`--target-allowed-kind ${problem}`);
  }
  return {
    // $KUBECONFIG (a list of files) is read by kube/client/kube-config.ts, like kubectl does.
    kubeconfig: values.kubeconfig,
    context: values.context,
    logLevel,
    concurrency,
    storeConcurrency: integer('--store-concurrency', values['store-concurrency'] ?? String(Math.max(1, Math.ceil(concurrency / 2))), 1, concurrency),
    awsCallTimeoutMs,
    leaderElect: values['leader-elect'] ?? false,
    leaderElectionNamespace: values['leader-election-namespace'] ?? namespace,
    leaderElectionId: values['leader-election-id'] ?? 'rotor-leader',
    identity: env.POD_NAME ?? `${env.HOSTNAME ?? 'rotor'}-${process.pid}`,
    bindAddress: values['bind-address'] ?? '0.0.0.0',
    metricsPort: integer('--metrics-port', values['metrics-port'] ?? '8080', 0, 65535),
    healthPort: integer('--health-port', values['health-port'] ?? '8081', 0, 65535),
    watchNamespace: values['watch-namespace'] || undefined,
    namespace,
    hmacSecretName: values['hmac-secret-name'] ?? 'rotor-hmac-key',
    fetchCacheTtlMs: duration('--fetch-cache-ttl', values['fetch-cache-ttl'] ?? '10s'),
    statusHeartbeatMs: duration('--status-heartbeat', values['status-heartbeat'] ?? '5m'),
    storeRevalidateMs: duration('--store-revalidate-interval', values['store-revalidate-interval'] ?? '30m'),
    rolloutDebounceMs: duration('--rollout-debounce', values['rollout-debounce'] ?? '2s'),
    watchStallMs: duration('--watch-stall-timeout', values['watch-stall-timeout'] ?? '5m'),
    allowedEndpoints,
    operatorIdentityScope,
    tokenAudiences: tokenAudiences.length > 0 ? tokenAudiences : ['sts.amazonaws.com'],
    eventQueues,
    targetAllowedKinds: [...new Set(targetAllowedKinds)],
  };
}

/** A repeatable flag whose values may also be comma-separated; blanks dropped. */
function listFlag(values: string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');
}

function integer(flag: string, text: string, min: number, max: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${flag} must be a whole number from ${min} to ${max}, got "${text}"`);
  return n;
}

function duration(flag: string, text: string): number {
  try {
    return parseDuration(text);
  } catch {
    throw new ConfigError(`${flag} must be a duration such as 10s, 5m or 1h, got "${text}"`);
  }
}
