// Helpers for the in-cluster tier (harness().inCluster): the operator's pods and Lease, a
// workload whose pods read a synced Secret, reading values from inside a pod, and the
// kubelet's resource figures for a pod.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { savedPodLogsDir } from '../harness/pod-logs.js';
import { kubectl, kubectlJson, run } from './cli.js';
import { harness } from './context.js';

export const OPERATOR_LABEL = 'app.kubernetes.io/name=rotor';

export interface Pod {
  metadata: { name: string; uid: string; deletionTimestamp?: string; labels?: Record<string, string> };
  spec: { nodeName?: string; containers: { name: string; resources?: { limits?: Record<string, string>; requests?: Record<string, string> } }[] };
  status: { phase: string; conditions?: { type: string; status: string }[]; containerStatuses?: { restartCount: number; ready: boolean }[] };
}

export const isReady = (p: Pod) => !p.metadata.deletionTimestamp && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export async function pods(namespace: string, selector: string): Promise<Pod[]> {
  return (await kubectlJson<{ items: Pod[] }>('get', 'pods', '-n', namespace, '-l', selector)).items;
}

export async function operatorPods(): Promise<Pod[]> {
  return pods(harness().operatorNamespace, OPERATOR_LABEL);
}

/** holderIdentity of the operator's leader-election Lease ('' when released). */
export async function leaseHolder(): Promise<string> {
  const lease = await kubectlJson<{ spec: { holderIdentity?: string } }>('get', 'lease', 'rotor-leader', '-n', harness().operatorNamespace);
  return lease.spec.holderIdentity ?? '';
}

/** Keeps the logs of operator pods about to be deleted, for the suite's secret-leak scan. */
export async function saveOperatorLogs(tag: string): Promise<void> {
  mkdirSync(savedPodLogsDir, { recursive: true });
  for (const p of await operatorPods()) {
    const log = await kubectl('logs', '-n', harness().operatorNamespace, p.metadata.name, '--tail=-1').catch(() => '');
    writeFileSync(join(savedPodLogsDir, `${tag}-${p.metadata.name}.log`), log);
  }
}

/** Runs a Node.js snippet inside the pod (the workload image is the operator image: it has node). */
export async function nodeEval(namespace: string, pod: string, script: string): Promise<string> {
  return (await run('kubectl', ['exec', '-n', namespace, pod, '--', 'node', '-e', script])).stdout;
}

/**
 * A Deployment whose pods read Secret `secret` key `key` both ways apps do: as env DB_PASSWORD
 * and as the file /etc/db/<key>. It exits on SIGTERM so a rollout does not wait out the grace
 * period; non-root with a read-only root filesystem like the operator.
 */
export function secretReaderDeployment(name: string, namespace: string, secret: string, key: string) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          terminationGracePeriodSeconds: 5,
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532 },
          containers: [
            {
              name: 'app',
              image: harness().workloadImage,
              imagePullPolicy: 'Never',
              command: ['node', '-e', "process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1 << 30);"],
              env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key } } }],
              volumeMounts: [{ name: 'db', mountPath: '/etc/db', readOnly: true }],
              securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
              resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '96Mi' } },
            },
          ],
          volumes: [{ name: 'db', secret: { secretName: secret } }],
        },
      },
    },
  };
}

/** What a pod of secretReaderDeployment sees, read from inside it. */
export async function valuesSeenBy(namespace: string, pod: string, key: string): Promise<{ env: string; file: string }> {
  const out = await nodeEval(
    namespace,
    pod,
    `process.stdout.write(JSON.stringify({ env: process.env.DB_PASSWORD, file: require('fs').readFileSync('/etc/db/${key}', 'utf8') }))`,
  );
  return JSON.parse(out) as { env: string; file: string };
}

export interface PodUsage {
  memoryWorkingSetBytes: number;
  cpuNanoCores: number;
}

/** The kubelet's own figures for a pod (its Summary API, through the API server's node proxy). */
export async function podUsage(namespace: string, pod: string, nodeName: string): Promise<PodUsage | undefined> {
  type Summary = { pods: { podRef: { name: string; namespace: string }; memory?: { workingSetBytes?: number }; cpu?: { usageNanoCores?: number } }[] };
  const summary = JSON.parse(await kubectl('get', '--raw', `/api/v1/nodes/${nodeName}/proxy/stats/summary`)) as Summary;
  const p = summary.pods.find((x) => x.podRef.name === pod && x.podRef.namespace === namespace);
  if (!p?.memory?.workingSetBytes || p.cpu?.usageNanoCores === undefined) return undefined;
  return { memoryWorkingSetBytes: p.memory.workingSetBytes, cpuNanoCores: p.cpu.usageNanoCores };
}
