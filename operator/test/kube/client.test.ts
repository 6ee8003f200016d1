import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi, HttpMethod, KubeConfig, RequestContext, Watch } from '@kubernetes/client-node';
import { loadKubeConfig, makeKubeClients, shareConnections } from '../../src/kube/client.js';

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

describe('shareConnections', () => {
  const withCa = (ca: string) => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from(ca).toString('base64') }],
      users: [{ name: 'u', token: 'abc' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    return kc;
  };
  const dispatcherOf = async (kc: KubeConfig) => {
    const ctx = new RequestContext('https://127.0.0.1:6443/api', HttpMethod.GET);
    await kc.applySecurityAuthentication(ctx);
    return { dispatcher: ctx.getDispatcher(), auth: ctx.getHeaders().Authorization };
  };

  it('gives every request the same connection pool, and still sets the token per request', async () => {
    const kc = withCa('ca-one');
    shareConnections(kc);
    const first = await dispatcherOf(kc);
    const second = await dispatcherOf(kc);
    expect(first.dispatcher).toBeDefined();
    expect(second.dispatcher).toBe(first.dispatcher);
    expect(second.auth).toBe('Bearer abc');
  });

  it('opens a new pool (and closes the old one) when the TLS settings change', async () => {
    const kc = withCa('ca-one');
    shareConnections(kc);
    const first = (await dispatcherOf(kc)).dispatcher as unknown as { closed: boolean; close(): Promise<void> };
    kc.clusters[0] = { ...kc.clusters[0]!, caData: Buffer.from('ca-two').toString('base64') };
    const second = (await dispatcherOf(kc)).dispatcher;
    expect(second).not.toBe(first);
    await new Promise((r) => setTimeout(r, 10));
    expect(first.closed).toBe(true);
  });

  it('loadKubeConfig applies it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rotor-kc-'));
    try {
      const file = join(dir, 'config');
      writeFileSync(file, kubeconfig('https://127.0.0.1:6443').replace('{server: "https://127.0.0.1:6443"}', `{server: "https://127.0.0.1:6443", certificate-authority-data: ${Buffer.from('ca').toString('base64')}}`));
      const kc = loadKubeConfig({ kubeconfigPath: file });
      expect((await dispatcherOf(kc)).dispatcher).toBe((await dispatcherOf(kc)).dispatcher);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
