import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, Watch } from '@kubernetes/client-node';
import { loadKubeConfig, makeKubeClients } from '../../src/kube/client.js';

function kubeconfig(server: string, context = 'dev'): string {
  return `apiVersion: v1
kind: Config
clusters:
- name: dev
  cluster: {server: "${server}"}
- name: other
  cluster: {server: "https://other.example:6443"}
users:
- name: dev
  user: {token: abc}
contexts:
- name: dev
  context: {cluster: dev, user: dev}
- name: other
  context: {cluster: other, user: dev}
current-context: ${context}
`;
}

describe('loadKubeConfig', () => {
  let dir: string;
  const saved = { KUBECONFIG: process.env.KUBECONFIG, HOME: process.env.HOME };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-kc-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('loads an explicit --kubeconfig path', () => {
    const file = join(dir, 'config');
    writeFileSync(file, kubeconfig('https://127.0.0.1:6443'));
    const kc = loadKubeConfig({ kubeconfigPath: file });
    expect(kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
  });

  it('honours $KUBECONFIG and a --context override', () => {
    const file = join(dir, 'config');
    writeFileSync(file, kubeconfig('https://127.0.0.1:6443'));
    process.env.KUBECONFIG = file;
    expect(loadKubeConfig().getCurrentCluster()?.server).toBe('https://127.0.0.1:6443');
    expect(loadKubeConfig({ context: 'other' }).getCurrentCluster()?.server).toBe('https://other.example:6443');
  });

  it.skipIf(existsSync('/var/run/secrets/kubernetes.io/serviceaccount/token'))(
    'fails fast instead of falling back to localhost:8080 when nothing is configured',
    () => {
      delete process.env.KUBECONFIG;
      process.env.HOME = dir; // no ~/.kube/config
      expect(() => loadKubeConfig()).toThrow(/no Kubernetes configuration found/);
    },
  );

  it('makeKubeClients builds the typed APIs and a Watch', () => {
    const file = join(dir, 'config');
    writeFileSync(file, kubeconfig('https://127.0.0.1:6443'));
    const clients = makeKubeClients(loadKubeConfig({ kubeconfigPath: file }));
    expect(clients.core).toBeInstanceOf(CoreV1Api);
    expect(clients.customObjects).toBeInstanceOf(CustomObjectsApi);
    expect(clients.coordination).toBeInstanceOf(CoordinationV1Api);
    expect(clients.watch).toBeInstanceOf(Watch);
  });
});
