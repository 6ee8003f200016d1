// The chart's RBAC, as the API server enforces it (kubectl auth can-i impersonating the
// operator's ServiceAccount): what the code calls is allowed, what it never calls is not,
// and ServiceAccount tokens are an explicit chart choice (rbac.perStoreIRSA).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectl, run } from '../lib/cli.js';
import { freshNamespace, harness } from '../lib/context.js';

const chart = new URL('../../charts/rotor', import.meta.url).pathname;

async function canI(serviceAccount: string, namespace: string, ...args: string[]): Promise<boolean> {
  const { stdout } = await run('kubectl', ['auth', 'can-i', ...args, '-n', namespace, `--as=system:serviceaccount:${serviceAccount}`], { allowFail: true });
  return stdout.trim() === 'yes';
}

/** The can-i questions whose answer is not `expected`. */
async function answeredOtherwise(serviceAccount: string, namespace: string, questions: string[][], expected: boolean): Promise<string[]> {
  const wrong: string[] = [];
  for (const args of questions) if ((await canI(serviceAccount, namespace, ...args)) !== expected) wrong.push(args.join(' '));
  return wrong;
}

/**
 * Installs only the chart's RBAC (no pod) under another release name, with these values. The
 * CRDs are chart templates owned by the bed's release, so a second release must leave them out
 * (crds.enabled=false), as a second install in a real cluster would.
 */
async function installProbe(release: string, namespace: string, values: string[]): Promise<void> {
  await run('helm', ['upgrade', '--install', release, chart, '-n', namespace, '--set', 'replicaCount=0', '--set', 'crds.enabled=false', '--set', 'metrics.service.enabled=false', ...values.flatMap((v) => ['--set', v]), '--wait', '--timeout', '1m']);
}

let tenant: string;
let probeNs: string;
const probes: string[] = [];

beforeAll(async () => {
  tenant = await freshNamespace('e2e-rbac');
  probeNs = await freshNamespace('e2e-rbac-probe');
});

afterAll(async () => {
  for (const release of probes) await run('helm', ['uninstall', release, '-n', probeNs], { allowFail: true });
  for (const ns of [tenant, probeNs]) if (ns) await kubectl('delete', 'namespace', ns, '--wait=false');
});

describe('RBAC of the chart', () => {
  const operator = () => `${harness().operatorNamespace}:${harness().operatorServiceAccount}`;

  it('allows every call the operator makes', async () => {
    const allowed: string[][] = [
      ['list', 'externalsecrets.rotor.dev'],
      ['watch', 'externalsecrets.rotor.dev'],
      ['list', 'secretstores.rotor.dev'],
      ['watch', 'clustersecretstores.rotor.dev'],
      ['patch', 'externalsecrets.rotor.dev', '--subresource=status'],
      ['patch', 'secretstores.rotor.dev', '--subresource=status'],
      ['patch', 'clustersecretstores.rotor.dev', '--subresource=status'],
      ['update', 'externalsecrets.rotor.dev', '--subresource=finalizers'],
      ['create', 'externalsecrets.rotor.dev'],
      ['update', 'externalsecrets.rotor.dev'],
      ['delete', 'externalsecrets.rotor.dev'],
      ['list', 'clusterexternalsecrets.rotor.dev'],
      ['watch', 'clusterexternalsecrets.rotor.dev'],
      ['patch', 'clusterexternalsecrets.rotor.dev', '--subresource=status'],
      ['update', 'clusterexternalsecrets.rotor.dev', '--subresource=finalizers'],
      ['list', 'pushsecrets.rotor.dev'],
      ['watch', 'pushsecrets.rotor.dev'],
      ['create', 'pushsecrets.rotor.dev'],
      ['update', 'pushsecrets.rotor.dev'],
      ['patch', 'pushsecrets.rotor.dev'],
      ['delete', 'pushsecrets.rotor.dev'],
      ['patch', 'pushsecrets.rotor.dev', '--subresource=status'],
      ['list', 'clusterpushsecrets.rotor.dev'],
      ['watch', 'clusterpushsecrets.rotor.dev'],
      ['patch', 'clusterpushsecrets.rotor.dev', '--subresource=status'],
      ['update', 'clusterpushsecrets.rotor.dev', '--subresource=finalizers'],
      ['get', 'secrets'],
      ['list', 'secrets'],
      ['watch', 'secrets'],
      ['create', 'secrets'],
      ['update', 'secrets'],
      ['delete', 'secrets'],
      ['create', 'events'],
      ['patch', 'events'],
      ['list', 'deployments.apps'],
      ['patch', 'deployments.apps'],
      ['list', 'statefulsets.apps'],
      ['patch', 'daemonsets.apps'],
      ['get', 'namespaces'],
      ['watch', 'namespaces'],
    ];
    expect(await answeredOtherwise(operator(), tenant, allowed, true), 'calls the operator makes but may not').toEqual([]);
    const own = harness().operatorNamespace;
    expect(await canI(operator(), own, 'create', 'leases.coordination.k8s.io')).toBe(true);
    expect(await canI(operator(), own, 'update', 'leases.coordination.k8s.io/rotor-leader')).toBe(true);
    expect(await canI(operator(), own, 'get', 'secrets/rotor-hmac-key')).toBe(true);
  });

  it('refuses the verbs the code never uses', async () => {
    const neverUsed: string[][] = [
      ['get', 'deployments.apps'],
      ['watch', 'deployments.apps'],
      ['get', 'statefulsets.apps'],
      ['watch', 'daemonsets.apps'],
      ['get', 'rollouts.argoproj.io'],
      ['watch', 'rollouts.argoproj.io'],
      // Argo Rollouts: only with the chart value rbac.argoRollouts=true (off by default).
      ['list', 'rollouts.argoproj.io'],
      ['patch', 'rollouts.argoproj.io'],
      ['patch', 'secrets'],
      ['update', 'externalsecrets.rotor.dev', '--subresource=status'],
      ['update', 'secretstores.rotor.dev', '--subresource=status'],
      ['update', 'clustersecretstores.rotor.dev', '--subresource=status'],
      ['get', 'externalsecrets.rotor.dev'],
      ['patch', 'externalsecrets.rotor.dev'],
      ['get', 'clusterexternalsecrets.rotor.dev'],
      ['create', 'clusterexternalsecrets.rotor.dev'],
      ['update', 'clusterexternalsecrets.rotor.dev', '--subresource=status'],
      ['get', 'pushsecrets.rotor.dev'],
      ['update', 'pushsecrets.rotor.dev', '--subresource=status'],
      ['create', 'clusterpushsecrets.rotor.dev'],
      ['update', 'clusterpushsecrets.rotor.dev'],
      ['create', 'events.events.k8s.io'],
      ['patch', 'events.events.k8s.io'],
      ['get', 'pods'],
      ['create', 'pods'],
    ];
    expect(await answeredOtherwise(operator(), tenant, neverUsed, false), 'granted but never used').toEqual([]);
    const own = harness().operatorNamespace;
    expect(await canI(operator(), own, 'update', 'leases.coordination.k8s.io/someone-elses-lease')).toBe(false);
  });

  it('ServiceAccount tokens: none by default, only the listed ones when scoped, any when cluster', async () => {
    const token = (sa: string, ns: string, name: string) => canI(sa, ns, 'create', `serviceaccounts/${name}`, '--subresource=token');

    // watchNamespace: Secrets permissions only in the tenant, so the release namespace shows
    // the narrow Role alone: the HMAC key may be read (and created), never updated.
    probes.push('rotor-probe-off');
    await installProbe('rotor-probe-off', probeNs, [`watchNamespace=${tenant}`, 'hmacSecretName=rotor-probe-off-hmac']);
    const off = `${probeNs}:rotor-probe-off`;
    expect(await token(off, tenant, 'reader')).toBe(false);
    expect(await canI(off, tenant, 'get', 'serviceaccounts/reader')).toBe(false);
    expect(await canI(off, probeNs, 'get', 'secrets/rotor-probe-off-hmac')).toBe(true);
    expect(await canI(off, probeNs, 'update', 'secrets/rotor-probe-off-hmac')).toBe(false);
    expect(await canI(off, probeNs, 'get', 'secrets/other')).toBe(false);

    probes.push('rotor-probe-scoped');
    await installProbe('rotor-probe-scoped', probeNs, ['rbac.perStoreIRSA.mode=scoped', `rbac.perStoreIRSA.serviceAccounts[0].namespace=${tenant}`, 'rbac.perStoreIRSA.serviceAccounts[0].name=reader']);
    const scoped = `${probeNs}:rotor-probe-scoped`;
    expect(await token(scoped, tenant, 'reader')).toBe(true);
    expect(await canI(scoped, tenant, 'get', 'serviceaccounts/reader')).toBe(true);
    expect(await token(scoped, tenant, 'default')).toBe(false);
    expect(await token(scoped, 'kube-system', 'reader')).toBe(false);

    // The test bed runs the operator with mode cluster (the auth tests use auth.jwt).
    expect(await token(operator(), tenant, 'reader')).toBe(true);
    expect(await token(operator(), 'kube-system', 'default')).toBe(true);
  });
});
