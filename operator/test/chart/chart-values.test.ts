// The chart's values as a user sets them: a schema that rejects typos, every operator flag
// reachable from values, HA placement defaults, the optional NetworkPolicy, PrometheusRule
// and Grafana dashboard, and `helm lint --strict` over a matrix of values.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { USAGE } from '../../src/config.js';
import { chartDir, deployment, find, helm, one, prometheusOperatorArgs, skipReason, template, templateError } from './helm.js';

/** Operator flags the chart sets another way, and why. */
const FLAGS_NOT_FROM_VALUES: Record<string, string> = {
  '--kubeconfig': 'in a pod the operator uses its in-cluster ServiceAccount',
  '--context': 'in a pod the operator uses its in-cluster ServiceAccount',
  '--namespace': 'POD_NAMESPACE from the downward API',
  '--help': 'not for a running operator',
  '--version': 'prints the version and exits',
};

/** Values that turn on every optional flag, so the rendered args can be compared with USAGE. */
const EVERY_FLAG: Record<string, string> = {
  watchNamespace: 'team-a',
  fetchCacheTtl: '20s',
  statusHeartbeat: '15m',
  storeConcurrency: '2',
  awsCallTimeout: '3s',
  storeRevalidateInterval: '1h',
  rolloutDebounce: '5s',
  watchStallTimeout: '10m',
  bindAddress: '127.0.0.1',
  'tenancy.allowedEndpoints[0]': 'https://*.corp.internal',
  'events.queues[0].url': 'https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events',
};

/** The values files of the lint/template matrix: each one a way users run the chart. */
const MATRIX: Record<string, object> = {
  defaults: {},
  ha: { replicaCount: 2, podDisruptionBudget: { minAvailable: 1 } },
  'single-namespace-no-leader': { watchNamespace: 'team-a', leaderElection: { enabled: false } },
  monitoring: { serviceMonitor: { enabled: true, labels: { release: 'kps' } }, prometheusRule: { enabled: true }, grafanaDashboard: { enabled: true, namespace: 'monitoring' } },
  'locked-down': {
    networkPolicy: { enabled: true, metricsFrom: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], awsCidrs: ['10.0.0.0/16'] },
    priorityClassName: 'system-cluster-critical',
    rbac: { argoRollouts: false },
  },
  extras: {
    extraArgs: ['--log-level=debug'],
    extraEnv: [{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }],
    extraVolumes: [{ name: 'ca', configMap: { name: 'corp-ca' } }],
    extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ssl/corp', readOnly: true }],
    env: { AWS_REGION: 'eu-west-1', NODE_EXTRA_CA_CERTS: '/etc/ssl/corp/ca.pem' },
    revisionHistoryLimit: 1,
    terminationGracePeriodSeconds: 60,
  },
  'irsa-tuned': {
    serviceAccount: { annotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/rotor' } },
    concurrency: 32,
    fetchCacheTtl: '30s',
    storeRevalidateInterval: '2h',
    rolloutDebounce: '3s',
    watchStallTimeout: '10m',
  },
};

function valuesFile(values: object): string {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-values-'));
  const file = join(dir, 'values.yaml');
  writeFileSync(file, stringify(values));
  return file;
}

describe.skipIf(!helm)(`chart values${helm ? '' : ` (SKIPPED: ${skipReason})`}`, () => {
  it.each(Object.keys(MATRIX))('%s: passes helm lint --strict and renders', (name) => {
    const file = valuesFile(MATRIX[name]!);
    const lint = spawnSync(helm!, ['lint', '--strict', chartDir, '-f', file], { encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
    expect(deployment(template({}, ['-f', file])).container.name).toBe('rotor');
  });

  it('rejects unknown keys, at the top level and nested', () => {
    expect(templateError({ replicas: '2' })).toMatch(/additional propert(y|ies).*replicas|replicas.*not allowed/i);
    expect(templateError({ 'metrics.prot': '9090' })).toMatch(/prot/);
    expect(templateError({ 'networkPolicy.egress': 'x' })).toMatch(/egress/);
  });

  it('rejects malformed durations before the operator would', () => {
    expect(templateError({ fetchCacheTtl: 'ten seconds' })).toMatch(/fetchCacheTtl/);
    expect(templateError({ statusHeartbeat: 'hourly' })).toMatch(/statusHeartbeat/);
  });

  it('exposes every operator flag as a value', () => {
    const flags = [...new Set(USAGE.match(/--[a-z][a-z-]*/g) ?? [])];
    expect(flags.length).toBeGreaterThan(10);
    const args = deployment(template(EVERY_FLAG)).container.args;
    const missing = flags.filter((flag) => !(flag in FLAGS_NOT_FROM_VALUES) && !args.some((a) => a === flag || a.startsWith(`${flag}=`)));
    expect(missing, 'operator flags without a chart value (add one to values.yaml, the schema and deployment.yaml)').toEqual([]);
    expect(args).toEqual(expect.arrayContaining(['--fetch-cache-ttl=20s', '--status-heartbeat=15m', '--store-concurrency=2', '--aws-call-timeout=3s', '--store-revalidate-interval=1h', '--rollout-debounce=5s', '--watch-stall-timeout=10m', '--bind-address=127.0.0.1']));
  });

  it('spreads 2+ replicas over nodes and zones by default, and lets the user replace either', () => {
    const ha = deployment(template({ replicaCount: '2' })).spec.template.spec;
    expect(ha.affinity).toMatchObject({
      podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'rotor' } } } }] },
    });
    expect(ha.topologySpreadConstraints).toEqual([expect.objectContaining({ topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway' })]);
    const single = deployment(template()).spec.template.spec;
    expect(single.affinity).toBeUndefined();
    expect(single.topologySpreadConstraints).toBeUndefined();
    const custom = deployment(template({ replicaCount: '2', 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key': 'pool', 'affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator': 'Exists' })).spec.template.spec;
    expect(custom.affinity).not.toHaveProperty('podAntiAffinity');
  });

  it('sets revisionHistoryLimit, terminationGracePeriodSeconds, priorityClassName, extra args, env and volumes', () => {
    const { spec, container } = deployment(template({}, ['-f', valuesFile({ ...MATRIX.extras, priorityClassName: 'high' })]));
    expect(spec.revisionHistoryLimit).toBe(1);
    expect(spec.template.spec.terminationGracePeriodSeconds).toBe(60);
    expect(spec.template.spec.priorityClassName).toBe('high');
    expect(container.args.at(-1)).toBe('--log-level=debug');
    expect(container.env).toEqual(expect.arrayContaining([{ name: 'HTTPS_PROXY', value: 'http://proxy:3128' }, { name: 'AWS_REGION', value: 'eu-west-1' }]));
    expect(container.volumeMounts).toEqual(expect.arrayContaining([{ name: 'tmp', mountPath: '/tmp' }, { name: 'ca', mountPath: '/etc/ssl/corp', readOnly: true }]));
    expect(spec.template.spec.volumes).toEqual(expect.arrayContaining([{ name: 'ca', configMap: { name: 'corp-ca' } }]));
    const defaults = deployment(template()).spec;
    expect(defaults.revisionHistoryLimit).toBe(3);
    expect(defaults.template.spec.terminationGracePeriodSeconds).toBe(30);
  });

  it('renders a NetworkPolicy only when asked: ingress to metrics/health, egress to DNS, the API server and AWS', () => {
    expect(find(template(), 'NetworkPolicy')).toEqual([]);
    const policy = one(template({}, ['-f', valuesFile(MATRIX['locked-down']!)]), 'NetworkPolicy').spec as {
      podSelector: object;
      policyTypes: string[];
      ingress: Array<{ ports: Array<{ port: number }>; from?: object[] }>;
      egress: Array<{ ports: Array<{ port: number; protocol: string }>; to?: Array<{ ipBlock: { cidr: string } }> }>;
    };
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'rotor', 'app.kubernetes.io/instance': 'rotor' } });
    expect(policy.ingress[0]!.ports.map((p) => p.port)).toEqual([8080, 8081]);
    expect(policy.ingress[0]!.from).toHaveLength(1);
    expect(policy.egress.map((rule) => rule.ports.map((p) => p.port))).toEqual([[53, 53], [443, 6443], [443]]);
    expect(policy.egress[2]!.to).toEqual([{ ipBlock: { cidr: '10.0.0.0/16' } }]);
  });

  it('renders the PrometheusRule and the Grafana dashboard ConfigMap only when asked', () => {
    expect(find(template(), 'PrometheusRule')).toEqual([]);
    expect(find(template(), 'ConfigMap')).toEqual([]);
    const objects = template({}, ['-f', valuesFile(MATRIX.monitoring!), ...prometheusOperatorArgs]);
    const rule = one(objects, 'PrometheusRule').spec as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
    expect(rule.groups[0]!.rules.map((r) => r.alert)).toEqual([
      'RotorExternalSecretNotReady',
      'RotorExternalSecretSyncStale',
      'RotorAwsThrottledOrUnavailable',
      'RotorRolloutFailures',
      'RotorWatchUnhealthy',
      'RotorAwsRotationFailed',
      'RotorLeaderAbsent',
    ]);
    // The events-queue alert only where there are queues to read.
    const withQueues = template({ 'events.queues[0].url': 'https://sqs.us-east-1.amazonaws.com/111122223333/rotor-events' }, ['-f', valuesFile(MATRIX.monitoring!), ...prometheusOperatorArgs]);
    const rules = (one(withQueues, 'PrometheusRule').spec as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> }).groups[0]!.rules;
    expect(rules.find((r) => r.alert === 'RotorEventQueueUnreadable')?.expr).toBe('rotor_events_queue_up == 0');
    const dashboard = one(objects, 'ConfigMap', 'rotor-dashboard');
    expect(dashboard.metadata.namespace).toBe('monitoring');
    expect(dashboard.metadata.labels).toMatchObject({ grafana_dashboard: '1' });
    const json = JSON.parse((dashboard.data as Record<string, string>)['rotor.json']!) as { uid: string; panels: unknown[] };
    expect(json.uid).toBe('rotor-overview');
    expect(json.panels.length).toBeGreaterThan(10);
    expect(one(objects, 'ServiceMonitor').spec).toMatchObject({ endpoints: [{ honorLabels: true }] });
  });
});
