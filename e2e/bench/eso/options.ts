// How the ESO run of the scale bench (scripts/bench.sh eso) starts ESO's controller: its flags,
// its environment and the CRDs it needs, apart from the I/O in eso.bench.ts so it is unit-tested.
// The comparison in docs/benchmarks.md is "ESO 2.9 tuned to 16 workers and client QPS 500".

export interface EsoOptions {
  /** --client-qps and --client-burst of ESO's controller (its defaults are 50 and 100). */
  clientQps: number;
  clientBurst: number;
}

export function parseEsoOptions(env: Record<string, string | undefined>): EsoOptions {
  const positive = (name: string, fallback: string): number => {
    const text = env[name] || fallback;
    const n = Number(text);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: "${text}" is not a positive number`);
    return n;
  };
  return { clientQps: positive('ROTOR_BENCH_ESO_CLIENT_QPS', '500'), clientBurst: positive('ROTOR_BENCH_ESO_CLIENT_BURST', '500') };
}

/**
 * The controller's command line (ESO's cmd/controller/root.go): `workers` reconciles at once for
 * every controller, the client's rate limit, metrics and health on loopback ports of the bench
 * bed. Everything else stays at ESO's defaults, as its chart runs it: all reconcilers on, no
 * leader election, the managed-Secrets cache.
 */
export function esoArgs(workers: number, opts: EsoOptions, ports: { metrics: number; live: number }): string[] {
  return [
    '--concurrent', String(workers),
    '--client-qps', String(opts.clientQps),
    '--client-burst', String(opts.clientBurst),
    '--metrics-addr', `127.0.0.1:${ports.metrics}`,
    '--live-addr', `127.0.0.1:${ports.live}`,
    '--loglevel', 'info',
  ];
}

/**
 * The controller's environment: only what a pod would have. The bed's kubeconfig (ctrl.GetConfigOrDie
 * reads KUBECONFIG), LocalStack's test keys (the store has no auth: the SDK's default chain), and
 * LocalStack as the Secrets Manager and STS endpoint (ESO's aws provider takes no endpoint in the
 * store; it reads AWS_SECRETSMANAGER_ENDPOINT and AWS_STS_ENDPOINT, providers/v1/aws/.../resolver.go).
 */
export function esoEnv(bed: { kubeconfig: string; awsEndpoint: string; path: string; home: string }): Record<string, string> {
  return {
    PATH: bed.path,
    HOME: bed.home,
    KUBECONFIG: bed.kubeconfig,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: 'us-east-1',
    AWS_SECRETSMANAGER_ENDPOINT: bed.awsEndpoint,
    AWS_STS_ENDPOINT: bed.awsEndpoint,
  };
}

/**
 * The CRDs (files of ESO's config/crds/bases) the controller watches with its default reconcilers:
 * ExternalSecret, SecretStore, ClusterSecretStore, ClusterExternalSecret, PushSecret,
 * ClusterPushSecret and GeneratorState. Tried on the bed: without PushSecret's CRD the controller
 * exits at setup ("unable to create controller ... no matches for kind"); without GeneratorState's
 * its controller logs "if kind is a CRD, it should be installed before calling Start" every 10 s
 * until the manager's cache-sync timeout. The generator kinds are only read when an ExternalSecret
 * names one, so they are left out.
 */
export const ESO_CRDS = [
  'external-secrets.io_externalsecrets.yaml',
  'external-secrets.io_secretstores.yaml',
  'external-secrets.io_clustersecretstores.yaml',
  'external-secrets.io_clusterexternalsecrets.yaml',
  'external-secrets.io_pushsecrets.yaml',
  'external-secrets.io_clusterpushsecrets.yaml',
  'generators.external-secrets.io_generatorstates.yaml',
];

/**
 * Whether the controller's (zap JSON) log says the named controller started its workers, i.e. its
 * informers are synced and it reconciles (controller-runtime's "Starting workers").
 */
export function workersStarted(log: string, controller: string): boolean {
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { msg?: string; controller?: string };
    try {
      entry = JSON.parse(line) as typeof entry;
    } catch {
      continue;
    }
    if (entry.msg === 'Starting workers' && entry.controller === controller) return true;
  }
  return false;
}
