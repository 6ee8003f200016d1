import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeKubeClients } from '../../../src/kube/client/clients.js';
import { AppsApi, CoordinationApi, CoreApi, CustomObjectsApi } from '../../../src/kube/client/api.js';
import { loadKubeConfig, NO_CONFIG_MESSAGE, type LoadKubeConfigOptions } from '../../../src/kube/client/kube-config.js';
import { KubeRestClient } from '../../../src/kube/client/rest.js';

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
  context: {cluster: dev, user: dev, namespace: team-a}
- name: other
  context: {cluster: other, user: dev}
current-context: ${context}
`;
}

describe('loadKubeConfig', () => {
  let dir: string;
  /** Nothing from the machine running the tests: no KUBECONFIG, an empty home, no ServiceAccount. */
  let isolated: LoadKubeConfigOptions;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rotor-kc-'));
    isolated = { env: {}, home: join(dir, 'home'), serviceAccountDir: join(dir, 'no-sa') };
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, text);
    return file;
  };

  it('loads an explicit --kubeconfig path: server, token, context namespace', () => {
    const file = write('config', kubeconfig('https://127.0.0.1:6443/'));
    const kc = loadKubeConfig({ ...isolated, kubeconfigPath: file });
    expect(kc.cluster.server).toBe('https://127.0.0.1:6443');
    expect(kc.user.token).toBe('abc');
    expect(kc.context).toBe('dev');
    expect(kc.namespace).toBe('team-a');
  });

  it('honours $KUBECONFIG and a --context override', () => {
    const file = write('config', kubeconfig('https://127.0.0.1:6443'));
    expect(loadKubeConfig({ ...isolated, env: { KUBECONFIG: file } }).cluster.server).toBe('https://127.0.0.1:6443');
    expect(loadKubeConfig({ ...isolated, env: { KUBECONFIG: file }, context: 'other' }).cluster.server).toBe('https://other.example:6443');
  });

  it('merges a $KUBECONFIG list like kubectl: the first file that sets a value wins, missing files are skipped', () => {
    const first = write('a/config', `
clusters:
- name: dev
  cluster: {server: "https://first:6443"}
current-context: ""
`);
    const second = write('b/config', kubeconfig('https://second:6443', 'dev'));
    const third = write('c/config', 'current-context: other\n');
    const kc = loadKubeConfig({ ...isolated, env: { KUBECONFIG: [first, join(dir, 'missing'), second, third].join(delimiter) } });
    expect(kc.context).toBe('dev'); // the first non-empty current-context
    expect(kc.cluster.server).toBe('https://first:6443'); // cluster "dev" from the first file
    expect(kc.user.token).toBe('abc'); // user "dev" only in the second
    expect(() => loadKubeConfig({ ...isolated, env: { KUBECONFIG: join(dir, 'missing') } })).toThrow(/KUBECONFIG names no existing file/);
  });

  it('falls back to ~/.kube/config, then to the in-cluster ServiceAccount', () => {
    write('home/.kube/config', kubeconfig('https://home:6443'));
    expect(loadKubeConfig(isolated).cluster.server).toBe('https://home:6443');

    rmSync(join(dir, 'home'), { recursive: true });
    write('sa/token', 'sa-token\n');
    write('sa/ca.crt', 'CA PEM');
    write('sa/namespace', 'rotor-system');
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const kc = loadKubeConfig({ ...isolated, env, serviceAccountDir: join(dir, 'sa') });
    expect(kc.source).toBe('in-cluster');
    expect(kc.cluster.server).toBe('https://10.0.0.1:443');
    expect(kc.cluster.certificateAuthority?.toString()).toBe('CA PEM');
    expect(kc.user.tokenFile).toBe(join(dir, 'sa/token')); // read by the client, so rotation is seen
    expect(kc.namespace).toBe('rotor-system');
    const v6 = loadKubeConfig({ ...isolated, env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, serviceAccountDir: join(dir, 'sa') });
    expect(v6.cluster.server).toBe('https://[fd00::1]:443');
  });

  it('fails closed when the in-cluster CA is missing instead of trusting the public roots', () => {
    write('sa/token', 'sa-token\n');
    const env = { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' };
    const caFile = join(dir, 'sa', 'ca.crt');
    expect(() => loadKubeConfig({ ...isolated, env, serviceAccountDir: join(dir, 'sa') })).toThrow(
      `in-cluster config: the cluster CA ${caFile} is missing (the token is there): mount the ServiceAccount token volume with its ca.crt`,
    );
  });

  it('fails fast when nothing is configured', () => {
    expect(() => loadKubeConfig(isolated)).toThrow(NO_CONFIG_MESSAGE);
    // The service address alone is not enough: there must be a token.
    expect(() => loadKubeConfig({ ...isolated, env: { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443' } })).toThrow(NO_CONFIG_MESSAGE);
  });

  it('says what is wrong with the context', () => {
    const file = write('config', kubeconfig('https://x:6443'));
    expect(() => loadKubeConfig({ ...isolated, kubeconfigPath: file, context: 'nope' })).toThrow(/has no context "nope": fix the file or pass --context/);
    const noCluster = write('nocluster', 'contexts:\n- name: c\n  context: {cluster: gone, user: u}\ncurrent-context: c\n');
    expect(() => loadKubeConfig({ ...isolated, kubeconfigPath: noCluster })).toThrow('kubeconfig has no cluster for context "c": fix the file or pass --context');
    const noCurrent = write('nocurrent', 'clusters: []\n');
    expect(() => loadKubeConfig({ ...isolated, kubeconfigPath: noCurrent })).toThrow(/no current-context/);
    expect(() => loadKubeConfig({ ...isolated, kubeconfigPath: join(dir, 'absent') })).toThrow(/cannot read kubeconfig .*absent \(ENOENT\): fix --kubeconfig/);
  });

  it('reads certificate files relative to the kubeconfig, and -data fields (base64) before files', () => {
    write('certs/ca.pem', 'CA FROM FILE');
    write('certs/client.pem', 'CERT');
    write('certs/client.key', 'KEY');
    write('certs/token', 'file-token');
    const file = write('kc/config', `
clusters:
- name: c
  cluster:
    server: https://x:6443
    certificate-authority: ../certs/ca.pem
    tls-server-name: kube.internal
users:
- name: u
  user:
    client-certificate: ../certs/client.pem
    client-key: ../certs/client.key
    tokenFile: ../certs/token
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`);
    const kc = loadKubeConfig({ ...isolated, kubeconfigPath: file });
    expect(kc.cluster.certificateAuthority?.toString()).toBe('CA FROM FILE');
    expect(kc.cluster.tlsServerName).toBe('kube.internal');
    expect(kc.cluster.insecureSkipTlsVerify).toBe(false);
    expect(kc.user.clientCertificate?.toString()).toBe('CERT');
    expect(kc.user.clientKey?.toString()).toBe('KEY');
    expect(kc.user.tokenFile).toBe(join(dir, 'certs/token'));

    const data = write('data', `
clusters:
- name: c
  cluster: {server: "https://x:6443", certificate-authority: /nonexistent, certificate-authority-data: ${Buffer.from('CA DATA').toString('base64')}, insecure-skip-tls-verify: true}
users:
- name: u
  user: {username: admin, password: pw}
contexts:
- name: c
  context: {cluster: c, user: u}
current-context: c
`);
    const fromData = loadKubeConfig({ ...isolated, kubeconfigPath: data });
    expect(fromData.cluster.certificateAuthority?.toString()).toBe('CA DATA');
    expect(fromData.cluster.insecureSkipTlsVerify).toBe(true);
    expect(fromData.user).toMatchObject({ username: 'admin', password: 'pw' });
  });

  it('reads exec plugins (v1 and v1beta1); a path-like command is relative to the kubeconfig', () => {
    const file = write('kc/config', `
clusters:
- name: eks
  cluster: {server: "https://eks.example"}
users:
- name: eks
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod]
      env: [{name: AWS_PROFILE, value: prod}]
      installHint: install the AWS CLI
      provideClusterInfo: true
- name: local
  user:
    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./bin/creds}
contexts:
- name: eks
  context: {cluster: eks, user: eks}
- name: local
  context: {cluster: eks, user: local}
current-context: eks
`);
    const eks = loadKubeConfig({ ...isolated, kubeconfigPath: file });
    expect(eks.user.exec).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      command: 'aws',
      args: ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod'],
      env: [{ name: 'AWS_PROFILE', value: 'prod' }],
      installHint: 'install the AWS CLI',
      provideClusterInfo: true,
    });
    expect(loadKubeConfig({ ...isolated, kubeconfigPath: file, context: 'local' }).user.exec?.command).toBe(join(dir, 'kc/bin/creds'));
  });

  it('refuses what it does not implement, naming the field and the alternative', () => {
    const withUser = (user: string, cluster = '{server: "https://x:6443"}') =>
      write('refused', `clusters:\n- name: c\n  cluster: ${cluster}\nusers:\n- name: u\n  user: ${user}\ncontexts:\n- name: c\n  context: {cluster: c, user: u}\ncurrent-context: c\n`);
    const load = () => loadKubeConfig({ ...isolated, kubeconfigPath: join(dir, 'refused') });
    withUser('{auth-provider: {name: oidc, config: {idp-issuer-url: "https://issuer"}}}');
    expect(load).toThrow('kubeconfig users "u".user.auth-provider (oidc) is not supported: use an exec credential plugin (client.authentication.k8s.io), e.g. kubelogin for OIDC or gke-gcloud-auth-plugin for GKE');
    withUser('{token: t, as: admin}');
    expect(load).toThrow(/users "u".user.as \(impersonation\) is not supported/);
    withUser('{exec: {apiVersion: client.authentication.k8s.io/v1alpha1, command: x}}');
    expect(load).toThrow(/users "u".user.exec.apiVersion "client.authentication.k8s.io\/v1alpha1" is not supported: use client.authentication.k8s.io\/v1 or client.authentication.k8s.io\/v1beta1/);
    withUser('{client-certificate-data: Q0VSVA==}');
    expect(load).toThrow(/client-certificate and client-key go together/);
    withUser('{token: t}', '{server: "https://x:6443", proxy-url: "http://proxy:3128"}');
    expect(load).toThrow(/clusters "c".cluster.proxy-url is not supported/);
    withUser('{token: t}', '{server: "x:6443"}');
    expect(load).toThrow(/clusters "c".cluster.server "x:6443" is not an http\(s\) URL/);
    write('refused', 'clusters: [{name: c, cluster: {server: "https://x"}}]\ncontexts: [{name: c, context: {cluster: c, user: ghost}}]\ncurrent-context: c\n');
    expect(load).toThrow(/has no user "ghost"/);
    write('refused', '- just\n- a list\n');
    expect(load).toThrow(/is not a kubeconfig/);
  });

  it('makeKubeClients builds the API objects on one REST client', () => {
    const clients = makeKubeClients(loadKubeConfig({ ...isolated, kubeconfigPath: write('config', kubeconfig('https://127.0.0.1:6443')) }));
    expect(clients.rest).toBeInstanceOf(KubeRestClient);
    expect(clients.core).toBeInstanceOf(CoreApi);
    expect(clients.apps).toBeInstanceOf(AppsApi);
    expect(clients.customObjects).toBeInstanceOf(CustomObjectsApi);
    expect(clients.coordination).toBeInstanceOf(CoordinationApi);
  });
});
