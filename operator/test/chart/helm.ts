// Shared by the chart tests: finds a real `helm` binary and renders charts/rotor with it.
// helm comes from ROTOR_HELM, the test-bed cache ($ROTOR_CACHE/helm-*/bin/helm, built by
// e2e/testbed/build.sh) or PATH; without one the suites skip and say so.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { expect } from 'vitest';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const chartDir = join(repoRoot, 'charts/rotor');
export const releaseNamespace = 'rotor-system';

export function findHelm(): string | undefined {
  if (process.env.ROTOR_HELM) return existsSync(process.env.ROTOR_HELM) ? process.env.ROTOR_HELM : undefined;
  const cache = process.env.ROTOR_CACHE ?? join(homedir(), '.cache/rotor');
  if (existsSync(cache)) {
    // Newest version first, so a bumped HELM_VERSION wins over a stale cache dir.
    const dirs = readdirSync(cache).filter((d) => d.startsWith('helm-')).sort().reverse();
    for (const d of dirs) {
      // .built is written only after a complete, working build (e2e/testbed/build.sh).
      const bin = join(cache, d, 'bin/helm');
      if (existsSync(join(cache, d, '.built')) && existsSync(bin)) return bin;
    }
  }
  const onPath = spawnSync('helm', ['version', '--short'], { encoding: 'utf8' });
  return onPath.status === 0 ? 'helm' : undefined;
}

export const helm = findHelm();
export const skipReason = 'no helm binary (set ROTOR_HELM, or run e2e/testbed/build.sh to fill ~/.cache/rotor/helm-*/bin/helm)';
if (!helm) console.warn(`[chart tests] SKIPPED: ${skipReason}`);

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface Container {
  name: string;
  image: string;
  args: string[];
  env: Array<{ name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }>;
  ports: Array<{ name: string; containerPort: number }>;
  securityContext: Record<string, unknown>;
  livenessProbe: { httpGet: { path: string; port: string | number } };
  readinessProbe: { httpGet: { path: string; port: string | number } };
  volumeMounts: Array<{ name: string; mountPath: string }>;
}

export interface DeploymentSpec {
  replicas: number;
  revisionHistoryLimit?: number;
  template: {
    spec: {
      serviceAccountName: string;
      securityContext: Record<string, unknown>;
      containers: Container[];
      volumes: Array<{ name: string; emptyDir?: object }>;
      affinity?: Record<string, unknown>;
      topologySpreadConstraints?: Array<Record<string, unknown>>;
      terminationGracePeriodSeconds?: number;
      priorityClassName?: string;
    };
  };
}

const setArgs = (setValues: Record<string, string>) => Object.entries(setValues).flatMap(([k, v]) => ['--set', `${k}=${v}`]);

/**
 * Chart.yaml's kubeVersion (>=1.25.0-0) is checked against --kube-version; without it a helm
 * built without release ldflags (the test bed's, from its Go module) assumes v1.20 and refuses.
 * Release binaries assume their client-go version; the bed's API server is 1.36.
 */
export const kubeVersionArgs = ['--kube-version', '1.36.0'];
/** Renders as if the Prometheus Operator's CRDs were installed (renderMode skipIfMissing checks them). */
export const prometheusOperatorArgs = ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor', '--api-versions', 'monitoring.coreos.com/v1/PrometheusRule'];

/** NOTES.txt rendered with these values: helm template skips NOTES, so a copy of the chart wraps it in a ConfigMap. */
export function notes(setValues: Record<string, string> = {}): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'rotor-notes-')), 'rotor');
  cpSync(chartDir, copy, { recursive: true });
  writeFileSync(join(copy, 'templates/_notes_probe.tpl'), `{{- define "probe.notes" }}${readFileSync(join(chartDir, 'templates/NOTES.txt'), 'utf8')}{{- end }}\n`);
  writeFileSync(join(copy, 'templates/notes-probe.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "probe.notes" . | toJson }}\n');
  const out = execFileSync(helm!, ['template', 'rotor', copy, '--namespace', releaseNamespace, ...kubeVersionArgs, '--show-only', 'templates/notes-probe.yaml', ...setArgs(setValues)], { encoding: 'utf8' });
  return (parseAllDocuments(out)[0]!.toJS() as { data: { notes: string } }).data.notes;
}

export function template(setValues: Record<string, string> = {}, extraArgs: string[] = []): K8sObject[] {
  const out = execFileSync(helm!, ['template', 'rotor', chartDir, '--namespace', releaseNamespace, ...kubeVersionArgs, ...setArgs(setValues), ...extraArgs], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return parseAllDocuments(out).map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

export function templateError(setValues: Record<string, string>, extraArgs: string[] = []): string {
  const result = spawnSync(helm!, ['template', 'rotor', chartDir, '--namespace', releaseNamespace, ...kubeVersionArgs, ...setArgs(setValues), ...extraArgs], { encoding: 'utf8' });
  expect(result.status, 'helm template should fail').not.toBe(0);
  return result.stderr;
}

export function find(objects: K8sObject[], kind: string, name?: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
}

export function one(objects: K8sObject[], kind: string, name?: string): K8sObject {
  const found = find(objects, kind, name);
  expect(found, `exactly one ${kind}${name ? ` ${name}` : ''}`).toHaveLength(1);
  return found[0]!;
}

export function deployment(objects: K8sObject[]): { spec: DeploymentSpec; container: Container } {
  const spec = one(objects, 'Deployment').spec as DeploymentSpec;
  const container = spec.template.spec.containers[0]!;
  return { spec, container };
}
