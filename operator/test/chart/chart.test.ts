// Renders the Helm chart with a real `helm` binary and checks what matters for users:
// the hardened pod, least-privilege RBAC, flags the operator reads, HA (PDB at 2 replicas).
// helm comes from ROTOR_HELM, the test-bed cache ($ROTOR_CACHE/helm-*/bin/helm, built by
// e2e/testbed/build.sh) or PATH; without one the suite is skipped and says so.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppsApi, CoordinationApi, CoreApi, CustomObjectsApi } from '../../src/kube/client/api.js';
import { describe, expect, it } from 'vitest';
import { chartDir, deployment, find, helm, one, prometheusOperatorArgs, releaseNamespace, repoRoot, skipReason, template, templateError, type K8sObject } from './helm.js';

interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** "group/resource" (or "group/resource#name") -> sorted verbs, for whole-role comparisons. */
function permissions(role: K8sObject): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const rule of role.rules as PolicyRule[]) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        const key = `${group || 'core'}/${resource}${rule.resourceNames ? `#${rule.resourceNames.join(',')}` : ''}`;
        result[key] = [...new Set([...(result[key] ?? []), ...rule.verbs])].sort();
      }
    }
  }
  return result;
}

describe.skipIf(!helm)(`helm chart charts/rotor${helm ? '' : ` (SKIPPED: ${skipReason})`}`, () => {
  it('passes helm lint, also with HA values', () => {
    for (const extra of [[], ['--set', 'replicaCount=2'], ['--set', 'watchNamespace=team-a', '--set', 'serviceMonitor.enabled=true']]) {
      const result = spawnSync(helm!, ['lint', '--strict', chartDir, ...extra], { encoding: 'utf8' });
      expect(result.status, result.stdout + result.stderr).toBe(0);
    }
  });

  describe('default values', () => {
    const objects = helm ? template() : [];

    it('renders a single replica without a PodDisruptionBudget', () => {
      expect(deployment(objects).spec.replicas).toBe(1);
      expect(find(objects, 'PodDisruptionBudget')).toEqual([]);
    });

    it('runs the pod hardened: non-root 65532, read-only root fs, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
      const { spec, container } = deployment(objects);
      expect(spec.template.spec.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container.securityContext).not.toHaveProperty('privileged', true);
      // Read-only root: /tmp must be a writable emptyDir.
      expect(container.volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
      expect(spec.template.spec.volumes).toContainEqual(expect.objectContaining({ name: 'tmp', emptyDir: expect.any(Object) }));
    });

    it('passes the operator flags and POD_NAMESPACE', () => {
      const { container } = deployment(objects);
      expect(container.image).toBe('registry.example.com/rotor/rotor:0.1.0');
      expect(container.args).toEqual([
        '--log-level=info',
        '--concurrency=32',
        '--leader-elect',
        `--leader-election-namespace=${releaseNamespace}`,
        '--leader-election-id=rotor-leader',
        '--metrics-port=8080',
        '--health-port=8081',
        '--hmac-secret-name=rotor-hmac-key',
        '--operator-identity-scope=AllStores',
        '--token-audience=sts.amazonaws.com',
        '--target-allowed-kind=ConfigMap',
      ]);
      expect(container.env).toContainEqual({ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } });
      expect(container.ports).toEqual(expect.arrayContaining([
        expect.objectContaining({ name: 'metrics', containerPort: 8080 }),
        expect.objectContaining({ name: 'health', containerPort: 8081 }),
      ]));
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'health' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    });

    it('binds a ServiceAccount in the release namespace', () => {
      const sa = one(objects, 'ServiceAccount');
      expect(sa.metadata).toMatchObject({ name: 'rotor', namespace: releaseNamespace });
      expect(deployment(objects).spec.template.spec.serviceAccountName).toBe('rotor');
      for (const binding of [...find(objects, 'ClusterRoleBinding'), ...find(objects, 'RoleBinding')]) {
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rotor', namespace: releaseNamespace }]);
      }
    });

    it('grants exactly the namespaced permissions reconciling needs', () => {
      expect(permissions(one(objects, 'ClusterRole', 'rotor-controller'))).toEqual({
        'rotor.dev/externalsecrets': ['create', 'delete', 'list', 'update', 'watch'],
        'rotor.dev/secretstores': ['list', 'watch'],
        'rotor.dev/externalsecrets/status': ['patch'],
        'rotor.dev/secretstores/status': ['patch'],
        'rotor.dev/externalsecrets/finalizers': ['update'],
        'generators.rotor.dev/ecrauthorizationtokens': ['get'],
        'generators.rotor.dev/stssessiontokens': ['get'],
        'generators.rotor.dev/passwords': ['get'],
        'rotor.dev/pushsecrets': ['create', 'delete', 'list', 'patch', 'update', 'watch'],
        'rotor.dev/pushsecrets/status': ['patch'],
        'core/configmaps': ['create', 'delete', 'get', 'list', 'update', 'watch'],
        'core/secrets': ['create', 'delete', 'get', 'list', 'update', 'watch'],
        'core/events': ['create', 'patch'],
        'apps/deployments': ['list', 'patch'],
        'apps/statefulsets': ['list', 'patch'],
        'apps/daemonsets': ['list', 'patch'],
      });
      expect(one(objects, 'ClusterRoleBinding', 'rotor-controller').roleRef).toMatchObject({ kind: 'ClusterRole', name: 'rotor-controller' });
    });

    it('grants the cluster-scoped permissions for ClusterSecretStores', () => {
      expect(permissions(one(objects, 'ClusterRole', 'rotor-cluster'))).toEqual({
        'rotor.dev/clustersecretstores': ['list', 'watch'],
        'rotor.dev/clustersecretstores/status': ['patch'],
        'rotor.dev/clusterexternalsecrets': ['list', 'watch'],
        'rotor.dev/clusterexternalsecrets/status': ['patch'],
        'rotor.dev/clusterexternalsecrets/finalizers': ['update'],
        'generators.rotor.dev/clustergenerators': ['get'],
        'rotor.dev/clusterpushsecrets': ['list', 'watch'],
        'rotor.dev/clusterpushsecrets/status': ['patch'],
        'rotor.dev/clusterpushsecrets/finalizers': ['update'],
        'core/namespaces': ['get', 'list', 'watch'],
      });
    });

    it('limits the Lease and HMAC key permissions to the release namespace', () => {
      const role = one(objects, 'Role', 'rotor-leader-election');
      expect(role.metadata.namespace).toBe(releaseNamespace);
      expect(permissions(role)).toEqual({
        'coordination.k8s.io/leases': ['create'],
        'coordination.k8s.io/leases#rotor-leader': ['get', 'update'],
        'core/secrets': ['create'],
        'core/secrets#rotor-hmac-key': ['get'],
      });
    });

    it('grants no ServiceAccount token permission unless per-store IRSA is chosen', () => {
      for (const role of [...find(objects, 'ClusterRole'), ...find(objects, 'Role')]) {
        expect(Object.keys(permissions(role)).filter((k) => k.startsWith('core/serviceaccounts')), role.metadata.name).toEqual([]);
      }
    });

    it('never grants wildcards or privilege-escalation verbs', () => {
      for (const role of [...find(objects, 'ClusterRole'), ...find(objects, 'Role')]) {
        for (const rule of role.rules as PolicyRule[]) {
          for (const field of [rule.apiGroups, rule.resources, rule.verbs]) expect(field, role.metadata.name).not.toContain('*');
          for (const verb of ['escalate', 'bind', 'impersonate']) expect(rule.verbs, role.metadata.name).not.toContain(verb);
        }
      }
    });

    it('exposes metrics through a Service and no ServiceMonitor unless asked', () => {
      const service = one(objects, 'Service');
      expect(service.spec).toMatchObject({ ports: [{ name: 'metrics', port: 8080, targetPort: 'metrics' }] });
      expect(find(objects, 'ServiceMonitor')).toEqual([]);
    });

    it('renders every CRD of crds/ as a template, the ten kinds included (chart-conventions.test.ts checks them)', () => {
      const names = find(objects, 'CustomResourceDefinition').map((c) => c.metadata.name);
      expect(names).toEqual(expect.arrayContaining([
        'clusterexternalsecrets.rotor.dev',
        'clustergenerators.generators.rotor.dev',
        'clusterpushsecrets.rotor.dev',
        'clustersecretstores.rotor.dev',
        'ecrauthorizationtokens.generators.rotor.dev',
        'externalsecrets.rotor.dev',
        'passwords.generators.rotor.dev',
        'pushsecrets.rotor.dev',
        'secretstores.rotor.dev',
        'stssessiontokens.generators.rotor.dev',
      ]));
    });
  });

  describe('high availability (replicaCount=2)', () => {
    const objects = helm ? template({ replicaCount: '2' }) : [];

    it('runs 2 replicas with leader election and a PodDisruptionBudget keeping one up', () => {
      const { spec, container } = deployment(objects);
      expect(spec.replicas).toBe(2);
      expect(container.args).toContain('--leader-elect');
      const pdb = one(objects, 'PodDisruptionBudget');
      expect(pdb.spec).toMatchObject({ minAvailable: 1, selector: { matchLabels: { 'app.kubernetes.io/name': 'rotor', 'app.kubernetes.io/instance': 'rotor' } } });
    });

    it('refuses 2 replicas without leader election', () => {
      expect(templateError({ replicaCount: '2', 'leaderElection.enabled': 'false' })).toContain('replicaCount > 1 needs leaderElection.enabled=true');
    });
  });

  it('watchNamespace binds the namespaced permissions only in that namespace', () => {
    const objects = template({ watchNamespace: 'team-a' });
    expect(deployment(objects).container.args).toContain('--watch-namespace=team-a');
    expect(find(objects, 'ClusterRoleBinding', 'rotor-controller')).toEqual([]);
    const binding = one(objects, 'RoleBinding', 'rotor-controller');
    expect(binding.metadata.namespace).toBe('team-a');
    expect(binding.roleRef).toMatchObject({ kind: 'ClusterRole', name: 'rotor-controller' });
    // ClusterSecretStores are cluster-scoped: still a ClusterRoleBinding.
    expect(one(objects, 'ClusterRoleBinding', 'rotor-cluster').roleRef).toMatchObject({ name: 'rotor-cluster' });
  });

  it('grants Argo Rollouts list/patch only when rbac.argoRollouts is true (off by default)', () => {
    expect(Object.keys(permissions(one(template(), 'ClusterRole', 'rotor-controller')))).not.toContain('argoproj.io/rollouts');
    expect(permissions(one(template({ 'rbac.argoRollouts': 'true' }), 'ClusterRole', 'rotor-controller'))['argoproj.io/rollouts']).toEqual(['list', 'patch']);
  });

  it('supports IRSA annotations, extra env, a ServiceMonitor and dropping Argo Rollouts RBAC', () => {
    const objects = template({
      'serviceAccount.annotations.eks\\.amazonaws\\.com/role-arn': 'arn:aws:iam::123456789012:role/rotor',
      'env.AWS_REGION': 'eu-west-1',
      'env.AWS_ENDPOINT_URL': 'http://127.0.0.1:4566',
      'serviceMonitor.enabled': 'true',
      'rbac.argoRollouts': 'false',
      logLevel: 'debug',
    }, prometheusOperatorArgs);
    expect(one(objects, 'ServiceAccount').metadata.annotations).toEqual({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/rotor' });
    const { container } = deployment(objects);
    expect(container.env).toEqual(expect.arrayContaining([
      { name: 'AWS_REGION', value: 'eu-west-1' },
      { name: 'AWS_ENDPOINT_URL', value: 'http://127.0.0.1:4566' },
    ]));
    expect(container.args).toContain('--log-level=debug');
    expect(one(objects, 'ServiceMonitor').spec).toMatchObject({ endpoints: [{ port: 'metrics', path: '/metrics' }] });
    expect(Object.keys(permissions(one(objects, 'ClusterRole', 'rotor-controller')))).not.toContain('argoproj.io/rollouts');
  });

  it('leaves out the leader-election flags when leader election is off (single replica)', () => {
    const { container } = deployment(template({ 'leaderElection.enabled': 'false' }));
    expect(container.args.filter((a) => a.startsWith('--leader-elect'))).toEqual([]);
  });

  it('passes the tenancy values as flags and validates them (docs/operations.md, Shared clusters)', () => {
    const { container } = deployment(
      template(
        { 'tenancy.operatorIdentity': 'ClusterSecretStoresOnly' },
        ['--set-json', 'tenancy.allowedEndpoints=["https://*.corp.internal","http://127.0.0.1:*"]', '--set-json', 'tenancy.tokenAudiences=["sts.amazonaws.com","rotor"]'],
      ),
    );
    expect(container.args).toEqual(
      expect.arrayContaining([
        '--allowed-endpoint=https://*.corp.internal',
        '--allowed-endpoint=http://127.0.0.1:*',
        '--operator-identity-scope=ClusterSecretStoresOnly',
        '--token-audience=sts.amazonaws.com',
        '--token-audience=rotor',
      ]),
    );
    expect(templateError({ 'tenancy.operatorIdentity': 'Everyone' })).toMatch(/operatorIdentity/);
    expect(templateError({}, ['--set-json', 'tenancy.allowedEndpoints=["ftp://x"]'])).toMatch(/allowedEndpoints/);
  });

  it('passes each events.queues entry as one --events-queue flag (region only when given) and validates them', () => {
    const { container } = deployment(
      template({}, [
        '--set-json',
        'events.queues=[{"url":"https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events"},{"url":"http://localstack.localstack:4566/000000000000/rotor-events","region":"us-east-1"}]',
      ]),
    );
    expect(container.args.filter((a: string) => a.startsWith('--events-queue'))).toEqual([
      '--events-queue=https://sqs.eu-west-1.amazonaws.com/111122223333/rotor-events',
      '--events-queue=http://localstack.localstack:4566/000000000000/rotor-events,region=us-east-1',
    ]);
    expect(deployment(template({})).container.args.some((a: string) => a.startsWith('--events-queue'))).toBe(false);
    expect(templateError({}, ['--set-json', 'events.queues=[{"url":"not a url"}]'])).toMatch(/url/);
    expect(templateError({}, ['--set-json', 'events.queues=[{"url":"https://sqs.eu-west-1.amazonaws.com/111122223333/q","zone":"a"}]'])).toMatch(/zone/);
  });

  it('targets.allowedKinds: the flag, and RBAC for exactly the listed kinds (ConfigMap by default)', () => {
    const objects = template({}, ['--set-json', 'targets.allowedKinds=["ConfigMap","Application.argoproj.io","Policy.example.com"]']);
    expect(deployment(objects).container.args).toContain('--target-allowed-kind=ConfigMap,Application.argoproj.io,Policy.example.com');
    const role = permissions(one(objects, 'ClusterRole', 'rotor-controller'));
    expect(role['argoproj.io/applications']).toEqual(['create', 'delete', 'get', 'update']);
    expect(role['example.com/policies']).toEqual(['create', 'delete', 'get', 'update']);
    expect(role['core/configmaps']).toEqual(['create', 'delete', 'get', 'list', 'update', 'watch']);
    // None allowed: the flag says so and ConfigMaps are only read (templateFrom).
    const none = template({}, ['--set-json', 'targets.allowedKinds=[]']);
    expect(deployment(none).container.args).toContain('--target-allowed-kind=none');
    expect(permissions(one(none, 'ClusterRole', 'rotor-controller'))['core/configmaps']).toEqual(['get']);
    expect(templateError({}, ['--set-json', 'targets.allowedKinds=["Secret"]'])).toMatch(/allowedKinds/);
    expect(templateError({}, ['--set-json', 'targets.allowedKinds=["Service"]'])).toMatch(/allowedKinds/);
  });

  it('rejects an unknown log level at render time', () => {
    expect(templateError({ logLevel: 'verbose' })).toMatch(/logLevel/);
  });

  describe('per-store IRSA (rbac.perStoreIRSA)', () => {
    it('cluster: get serviceaccounts and create serviceaccounts/token in every namespace', () => {
      const role = permissions(one(template({ 'rbac.perStoreIRSA.mode': 'cluster' }), 'ClusterRole', 'rotor-controller'));
      expect(role['core/serviceaccounts']).toEqual(['get']);
      expect(role['core/serviceaccounts/token']).toEqual(['create']);
    });

    it('scoped: a Role per namespace naming only the listed ServiceAccounts, bound to the operator', () => {
      const objects = template({
        'rbac.perStoreIRSA.mode': 'scoped',
        'rbac.perStoreIRSA.serviceAccounts[0].namespace': 'team-a',
        'rbac.perStoreIRSA.serviceAccounts[0].name': 'reader',
        'rbac.perStoreIRSA.serviceAccounts[1].namespace': 'team-b',
        'rbac.perStoreIRSA.serviceAccounts[1].name': 'app',
        'rbac.perStoreIRSA.serviceAccounts[2].namespace': 'team-a',
        'rbac.perStoreIRSA.serviceAccounts[2].name': 'batch',
      });
      expect(Object.keys(permissions(one(objects, 'ClusterRole', 'rotor-controller'))).filter((k) => k.startsWith('core/serviceaccounts'))).toEqual([]);
      const roles = find(objects, 'Role', 'rotor-irsa-tokens');
      expect(roles.map((r) => r.metadata.namespace).sort()).toEqual(['team-a', 'team-b']);
      expect(permissions(roles.find((r) => r.metadata.namespace === 'team-a')!)).toEqual({
        'core/serviceaccounts#batch,reader': ['get'],
        'core/serviceaccounts/token#batch,reader': ['create'],
      });
      for (const binding of find(objects, 'RoleBinding', 'rotor-irsa-tokens')) {
        expect(binding.roleRef).toMatchObject({ kind: 'Role', name: 'rotor-irsa-tokens' });
        expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'rotor', namespace: releaseNamespace }]);
      }
      expect(find(objects, 'RoleBinding', 'rotor-irsa-tokens')).toHaveLength(2);
    });

    it('refuses an unknown mode and scoped without ServiceAccounts, saying what to set', () => {
      expect(templateError({ 'rbac.perStoreIRSA.mode': 'off' })).toMatch(/at '\/rbac\/perStoreIRSA\/mode': value must be one of 'disabled', 'scoped', 'cluster'/);
      expect(templateError({ 'rbac.perStoreIRSA.mode': 'scoped' })).toMatch(/needs rbac\.perStoreIRSA\.serviceAccounts/);
      expect(templateError({ 'rbac.perStoreIRSA.mode': 'scoped', 'rbac.perStoreIRSA.serviceAccounts[0].name': 'x' })).toMatch(/at '\/rbac\/perStoreIRSA\/serviceAccounts\/0': missing property 'namespace'/);
    });
  });

  // Every Kubernetes API call in operator/src is allowed, and nothing else is: the verbs come
  // from the calls, not from habit. A new call fails here until it is in CALL_PERMISSIONS and the chart.
  it('grants exactly what the API calls in operator/src need', () => {
    const calls = kubeApiCalls();
    const unknown = calls.filter((c) => !(c in CALL_PERMISSIONS));
    expect(unknown, 'Kubernetes API calls without an entry in CALL_PERMISSIONS').toEqual([]);
    const needed = new Set([...calls.flatMap((c) => CALL_PERMISSIONS[c]!), ...NEEDED_WITHOUT_A_CALL]);
    // Every optional grant on, so that each call the code can make is checked against one.
    const objects = template({ 'rbac.perStoreIRSA.mode': 'cluster', 'rbac.argoRollouts': 'true' });
    const granted = new Set<string>();
    // The operator's roles: those bound to its ServiceAccount (not the aggregated -view / -edit roles for users).
    const bound = new Set([...find(objects, 'ClusterRoleBinding'), ...find(objects, 'RoleBinding')].map((b) => (b.roleRef as { name: string }).name));
    for (const role of [...find(objects, 'ClusterRole'), ...find(objects, 'Role')].filter((r) => bound.has(r.metadata.name))) {
      for (const [resource, verbs] of Object.entries(permissions(role))) for (const verb of verbs) granted.add(`${resource.split('#')[0]} ${verb}`);
    }
    expect([...granted].filter((g) => !needed.has(g)).sort(), 'granted but never used').toEqual([]);
    expect([...needed].filter((n) => !granted.has(n)).sort(), 'used but not granted').toEqual([]);
  });
});

/** "file:method" of each Kubernetes API call (kube/client/api.ts) -> the permissions it needs ("group/resource verb"). */
const CALL_PERMISSIONS: Record<string, string[]> = {
  'kube/secrets.ts:readNamespacedSecret': ['core/secrets get'],
  'kube/secrets.ts:createNamespacedSecret': ['core/secrets create'],
  'kube/secrets.ts:replaceNamespacedSecret': ['core/secrets update'],
  'kube/secrets.ts:deleteNamespacedSecret': ['core/secrets delete'],
  'kube/credential-source.ts:readNamespacedSecret': ['core/secrets get'],
  'kube/template-sources.ts:readNamespacedSecret': ['core/secrets get'],
  'kube/template-sources.ts:readNamespacedConfigMap': ['core/configmaps get'],
  // Non-Secret targets (spec.target.manifest): ConfigMaps by default (targets.allowedKinds).
  'kube/manifest-targets.ts:readNamespacedConfigMap': ['core/configmaps get'],
  'kube/manifest-targets.ts:createNamespacedConfigMap': ['core/configmaps create'],
  'kube/manifest-targets.ts:replaceNamespacedConfigMap': ['core/configmaps update'],
  'kube/manifest-targets.ts:deleteNamespacedConfigMap': ['core/configmaps delete'],
  'kube/informer/list-watch.ts:listNamespacedConfigMap': ['core/configmaps list', 'core/configmaps watch'],
  'kube/informer/list-watch.ts:listConfigMapForAllNamespaces': ['core/configmaps list', 'core/configmaps watch'],
  // Other kinds only when the admin lists them: the chart grants each listed kind (tested above).
  // Discovery (GET /apis/<group>/<version>) is open to every authenticated user (system:discovery).
  'kube/manifest-targets.ts:getAPIResources': [],
  'kube/manifest-targets.ts:getNamespacedCustomObject': [],
  'kube/manifest-targets.ts:createNamespacedCustomObject': [],
  'kube/manifest-targets.ts:replaceNamespacedCustomObject': [],
  'kube/manifest-targets.ts:deleteNamespacedCustomObject': [],
  'kube/credential-source.ts:readNamespacedServiceAccount': ['core/serviceaccounts get'],
  'kube/credential-source.ts:createNamespacedServiceAccountToken': ['core/serviceaccounts/token create'],
  'kube/events.ts:createNamespacedEvent': ['core/events create'],
  'kube/events.ts:patchNamespacedEvent': ['core/events patch'],
  'kube/informer/leader.ts:readNamespacedLease': ['coordination.k8s.io/leases get'],
  'kube/informer/leader.ts:createNamespacedLease': ['coordination.k8s.io/leases create'],
  'kube/informer/leader.ts:replaceNamespacedLease': ['coordination.k8s.io/leases update'],
  'kube/namespaces.ts:readNamespace': ['core/namespaces get'],
  // Informers (kube/informer/list-watch.ts lists, then watches the same path).
  'controller/manager.ts:listNamespace': ['core/namespaces list', 'core/namespaces watch'],
  'kube/informer/list-watch.ts:listNamespacedSecret': ['core/secrets list', 'core/secrets watch'],
  'kube/informer/list-watch.ts:listSecretForAllNamespaces': ['core/secrets list', 'core/secrets watch'],
  'kube/informer/list-watch.ts:listNamespacedCustomObject': [
    'rotor.dev/externalsecrets list',
    'rotor.dev/externalsecrets watch',
    'rotor.dev/secretstores list',
    'rotor.dev/secretstores watch',
    'rotor.dev/pushsecrets list',
    'rotor.dev/pushsecrets watch',
  ],
  'kube/informer/list-watch.ts:listClusterCustomObject': [
    'rotor.dev/externalsecrets list',
    'rotor.dev/externalsecrets watch',
    'rotor.dev/secretstores list',
    'rotor.dev/secretstores watch',
    'rotor.dev/clustersecretstores list',
    'rotor.dev/clustersecretstores watch',
    'rotor.dev/clusterexternalsecrets list',
    'rotor.dev/clusterexternalsecrets watch',
    'rotor.dev/pushsecrets list',
    'rotor.dev/pushsecrets watch',
    'rotor.dev/clusterpushsecrets list',
    'rotor.dev/clusterpushsecrets watch',
  ],
  'kube/status.ts:patchNamespacedCustomObjectStatus': ['rotor.dev/externalsecrets/status patch', 'rotor.dev/secretstores/status patch'],
  'kube/status.ts:patchClusterCustomObjectStatus': ['rotor.dev/clustersecretstores/status patch', 'rotor.dev/clusterexternalsecrets/status patch'],
  'kube/external-secrets.ts:createNamespacedCustomObject': ['rotor.dev/externalsecrets create'],
  'kube/external-secrets.ts:replaceNamespacedCustomObject': ['rotor.dev/externalsecrets update'],
  'kube/external-secrets.ts:deleteNamespacedCustomObject': ['rotor.dev/externalsecrets delete'],
  'kube/generators.ts:getNamespacedCustomObject': ['generators.rotor.dev/ecrauthorizationtokens get', 'generators.rotor.dev/stssessiontokens get', 'generators.rotor.dev/passwords get'],
  'kube/generators.ts:getClusterCustomObject': ['generators.rotor.dev/clustergenerators get'],
  'kube/push-secrets.ts:patchNamespacedCustomObjectStatus': ['rotor.dev/pushsecrets/status patch'],
  'kube/push-secrets.ts:patchClusterCustomObjectStatus': ['rotor.dev/clusterpushsecrets/status patch'],
  'kube/push-secrets.ts:patchNamespacedCustomObject': ['rotor.dev/pushsecrets patch'],
  'kube/push-secrets.ts:createNamespacedCustomObject': ['rotor.dev/pushsecrets create'],
  'kube/push-secrets.ts:replaceNamespacedCustomObject': ['rotor.dev/pushsecrets update'],
  'kube/push-secrets.ts:deleteNamespacedCustomObject': ['rotor.dev/pushsecrets delete'],
  'kube/push-secrets.ts:readNamespacedSecret': ['core/secrets get'],
  'kube/push-secrets.ts:listNamespacedSecret': ['core/secrets list'],
  'kube/workloads.ts:listNamespacedDeployment': ['apps/deployments list'],
  'kube/workloads.ts:listNamespacedStatefulSet': ['apps/statefulsets list'],
  'kube/workloads.ts:listNamespacedDaemonSet': ['apps/daemonsets list'],
  'kube/workloads.ts:listNamespacedCustomObject': ['argoproj.io/rollouts list'],
  'kube/workloads.ts:patchNamespacedDeployment': ['apps/deployments patch'],
  'kube/workloads.ts:patchNamespacedStatefulSet': ['apps/statefulsets patch'],
  'kube/workloads.ts:patchNamespacedDaemonSet': ['apps/daemonsets patch'],
  'kube/workloads.ts:patchNamespacedCustomObject': ['argoproj.io/rollouts patch'],
};

/** Permissions the API server demands without a call of ours: blockOwnerDeletion on owner references (Secrets -> ExternalSecret, ExternalSecrets -> ClusterExternalSecret, PushSecrets -> ClusterPushSecret). */
const NEEDED_WITHOUT_A_CALL = ['rotor.dev/externalsecrets/finalizers update', 'rotor.dev/clusterexternalsecrets/finalizers update', 'rotor.dev/clusterpushsecrets/finalizers update'];

/** "file:method" for every call of a kube/client/api.ts method (CoreApi & co.) in operator/src. */
function kubeApiCalls(): string[] {
  const apiMethods = new Set<string>();
  for (const api of [CoreApi, AppsApi, CoordinationApi, CustomObjectsApi]) {
    for (const name of Object.getOwnPropertyNames(api.prototype)) if (name !== 'constructor') apiMethods.add(name);
  }
  const src = join(repoRoot, 'operator/src');
  const found = new Set<string>();
  for (const file of readdirSync(src, { recursive: true }) as string[]) {
    // kube/client/api.ts defines the methods; the calls are everywhere else.
    if (!file.endsWith('.ts') || file === join('kube', 'client', 'api.ts')) continue;
    // The `rotor` command (migrate, status, refresh) runs with the user's kubeconfig, not the chart's ServiceAccount.
    if (file.startsWith('migrate/') || file.startsWith('cli/')) continue;
    const text = readFileSync(join(src, file), 'utf8');
    for (const match of text.matchAll(/\.(\w+)(?:<[^>()]*>)?\(/g)) if (apiMethods.has(match[1]!)) found.add(`${file}:${match[1]}`);
  }
  return [...found].sort();
}
