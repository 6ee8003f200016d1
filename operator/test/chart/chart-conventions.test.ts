// The conventions users expect of a chart (issue #19 items 3 and 4), checked on the rendered
// chart: CRDs as templates that `helm upgrade` upgrades and `helm uninstall` keeps, one CRD
// command everywhere, Chart.yaml metadata and Artifact Hub annotations covering every kind of
// crds/, aggregated view/edit roles, Prometheus Operator objects only where their CRDs exist,
// a runbook_url on every alert, and NOTES.txt that warns about the placeholder image.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { chartDir, find, helm, notes, one, prometheusOperatorArgs, repoRoot, skipReason, template, templateError, type K8sObject } from './helm.js';

interface Crd extends K8sObject {
  spec: { group: string; names: { kind: string; plural: string }; versions: Array<{ name: string; storage: boolean }> };
}

const sourceCrds: Crd[] = readdirSync(join(repoRoot, 'crds'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => parseAllDocuments(readFileSync(join(repoRoot, 'crds', f), 'utf8')).map((d) => d.toJS() as Crd))
  .filter((o) => o?.kind === 'CustomResourceDefinition');
const plurals = sourceCrds.map((c) => c.spec.names.plural).sort();
const read = (path: string) => readFileSync(join(repoRoot, path), 'utf8');

/** The one documented manual CRD path (GitOps, crds.enabled=false): same text in every place that tells users. */
export const CRD_COMMAND = /helm template rotor \S+ --version (\S+|\{\{ \.Chart\.Version \}\}) --show-only 'templates\/crds\/\*\.yaml' \| kubectl apply --server-side --force-conflicts -f -/;
/** Where users read how to apply the CRDs by hand. */
const CRD_COMMAND_PLACES = ['README.md', 'charts/rotor/README.md', 'charts/rotor/templates/NOTES.txt', 'charts/rotor/values.yaml', 'docs/operations.md', 'scripts/release.sh'];

/** GitHub's heading anchors: lower case, punctuation but - and _ dropped, spaces to -. */
function anchors(markdown: string): Set<string> {
  return new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-')));
}

describe('CRD command', () => {
  it.each(CRD_COMMAND_PLACES)('%s gives the one CRD command and no other', (path) => {
    const text = read(path);
    expect(text).toMatch(CRD_COMMAND);
    // The commands of before: Helm's crds/ folder is gone, and without --force-conflicts an apply
    // over Helm-managed CRDs stops at the field-manager conflict.
    expect(text).not.toMatch(/helm show crds/);
    expect(text).not.toMatch(/kubectl apply -f <chart>\/crds/);
    for (const apply of text.match(/kubectl apply --server-side[^\n]*/g) ?? []) expect(apply, `${path}: ${apply}`).toContain('--force-conflicts');
  });

  it('CHANGELOG.md (Unreleased) marks the behaviour change and gives the command', () => {
    const unreleased = read('CHANGELOG.md').split(/^## \[/m)[1]!;
    expect(unreleased).toMatch(/^Unreleased\]/);
    expect(unreleased).toMatch(CRD_COMMAND);
    expect(unreleased).toMatch(/templates\/crds/);
    expect(unreleased).toMatch(/--take-ownership/);
  });
});

describe.skipIf(!helm)(`chart conventions${helm ? '' : ` (SKIPPED: ${skipReason})`}`, () => {
  describe('CRDs as templates', () => {
    const objects = helm ? template() : [];

    it('renders every CRD of crds/, unchanged but for the keep annotation', () => {
      const rendered = find(objects, 'CustomResourceDefinition') as Crd[];
      expect(rendered.map((c) => c.metadata.name).sort()).toEqual(sourceCrds.map((c) => c.metadata.name).sort());
      for (const crd of rendered) {
        expect(crd.metadata.annotations, crd.metadata.name).toEqual({ 'helm.sh/resource-policy': 'keep' });
        const source = sourceCrds.find((c) => c.metadata.name === crd.metadata.name)!;
        expect({ ...crd, metadata: { ...crd.metadata, annotations: undefined } }).toEqual({ ...source, metadata: { ...source.metadata, annotations: undefined } });
      }
    });

    it('crds.keep=false drops the annotation, crds.enabled=false the CRDs', () => {
      for (const crd of find(template({ 'crds.keep': 'false' }), 'CustomResourceDefinition')) expect(crd.metadata.annotations).toBeUndefined();
      expect(find(template({ 'crds.enabled': 'false' }), 'CustomResourceDefinition')).toEqual([]);
    });

    it("the CRD command's --show-only renders exactly the CRDs", () => {
      const shown = template({}, ['--show-only', 'templates/crds/*.yaml']);
      expect(shown.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual(sourceCrds.map((c) => `CustomResourceDefinition/${c.metadata.name}`).sort());
    });

    it('the chart has no crds/ folder left (Helm would install it once and never upgrade it)', () => {
      expect(readdirSync(chartDir)).not.toContain('crds');
    });
  });

  describe('Chart.yaml', () => {
    const chart = parse(read('charts/rotor/Chart.yaml')) as {
      home: string;
      sources: string[];
      icon: string;
      maintainers: Array<{ name: string }>;
      kubeVersion: string;
      annotations: Record<string, string>;
    };

    it('has home, sources, icon, maintainers and kubeVersion >=1.25.0-0', () => {
      expect(chart.home).toMatch(/^https:\/\//);
      expect(chart.sources).toContain(chart.home);
      expect(chart.icon).toMatch(/^https:\/\/.+\.(svg|png)$/);
      expect(chart.maintainers.length).toBeGreaterThan(0);
      expect(chart.kubeVersion).toBe('>=1.25.0-0');
    });

    it('lists every kind of crds/ in artifacthub.io/crds', () => {
      const listed = parse(chart.annotations['artifacthub.io/crds']!) as Array<{ kind: string; name: string; version: string }>;
      expect(listed.map((c) => c.name).sort()).toEqual(sourceCrds.map((c) => c.metadata.name).sort());
      for (const crd of sourceCrds) expect(listed).toContainEqual(expect.objectContaining({ kind: crd.spec.names.kind, version: crd.spec.versions.find((v) => v.storage)!.name }));
    });

    it('has an artifacthub.io/crdsExamples entry for every kind that has one in examples/', () => {
      const examples = parse(chart.annotations['artifacthub.io/crdsExamples']!) as K8sObject[];
      const kindsInExamples = new Set(
        readdirSync(join(repoRoot, 'examples'))
          .filter((f) => f.endsWith('.yaml'))
          .flatMap((f) => parseAllDocuments(read(join('examples', f))).map((d) => (d.toJS() as K8sObject | null)?.kind)),
      );
      const expected = sourceCrds.map((c) => c.spec.names.kind).filter((k) => kindsInExamples.has(k)).sort();
      expect(expected.length).toBeGreaterThanOrEqual(4);
      expect(examples.map((e) => e.kind).sort()).toEqual(expected);
      // Each example is of its own CRD's group and served version (rotor.dev or generators.rotor.dev).
      for (const e of examples) {
        const crd = sourceCrds.find((c) => c.spec.names.kind === e.kind)!;
        expect(e.apiVersion).toBe(`${crd.spec.group}/${crd.spec.versions[0]!.name}`);
      }
    });

    it('points runbookBaseURL at the same repository as home', () => {
      const values = parse(read('charts/rotor/values.yaml')) as { prometheusRule: { runbookBaseURL: string } };
      expect(values.prometheusRule.runbookBaseURL).toBe(`${chart.home}/blob/main/docs/troubleshooting.md`);
      expect(chart.icon).toContain(chart.home.replace('https://github.com/', ''));
    });
  });

  describe('aggregated ClusterRoles for users', () => {
    const objects = helm ? template() : [];
    const rules = (role: K8sObject) => role.rules as Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }>;

    it('-view: get/list/watch of every rotor.dev kind and its status, aggregated to view', () => {
      const role = one(objects, 'ClusterRole', 'rotor-view');
      expect(role.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-view': 'true' });
      expect(rules(role)).toEqual([{ apiGroups: ['rotor.dev'], resources: plurals.flatMap((p) => [p, `${p}/status`]), verbs: ['get', 'list', 'watch'] }]);
    });

    it('-edit: writes of every rotor.dev kind (never status), aggregated to edit', () => {
      const role = one(objects, 'ClusterRole', 'rotor-edit');
      expect(role.metadata.labels).toMatchObject({ 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' });
      expect(role.metadata.labels).not.toHaveProperty('rbac.authorization.k8s.io/aggregate-to-view');
      expect(rules(role)).toEqual([{ apiGroups: ['rotor.dev'], resources: plurals, verbs: ['create', 'update', 'patch', 'delete', 'deletecollection'] }]);
    });

    it('are left out with rbac.aggregateToView / aggregateToEdit false, or rbac.create false', () => {
      expect(find(template({ 'rbac.aggregateToView': 'false' }), 'ClusterRole', 'rotor-view')).toEqual([]);
      expect(find(template({ 'rbac.aggregateToEdit': 'false' }), 'ClusterRole', 'rotor-edit')).toHaveLength(0);
      expect(find(template({ 'rbac.create': 'false' }), 'ClusterRole')).toEqual([]);
    });
  });

  describe('Prometheus Operator objects (renderMode)', () => {
    const on = { 'serviceMonitor.enabled': 'true', 'prometheusRule.enabled': 'true' };
    const kinds = (objects: K8sObject[]) => objects.filter((o) => o.apiVersion === 'monitoring.coreos.com/v1').map((o) => o.kind).sort();

    it('skipIfMissing (default): rendered only where monitoring.coreos.com/v1 serves the kind', () => {
      expect(kinds(template(on))).toEqual([]);
      expect(kinds(template(on, prometheusOperatorArgs))).toEqual(['PrometheusRule', 'ServiceMonitor']);
      expect(kinds(template(on, ['--api-versions', 'monitoring.coreos.com/v1/ServiceMonitor']))).toEqual(['ServiceMonitor']);
    });

    it('failIfMissing fails naming the kind; alwaysRender renders without asking', () => {
      expect(templateError({ ...on, 'serviceMonitor.renderMode': 'failIfMissing' })).toMatch(/ServiceMonitor: the cluster does not serve monitoring\.coreos\.com\/v1 ServiceMonitor/);
      expect(kinds(template({ ...on, 'serviceMonitor.renderMode': 'alwaysRender', 'prometheusRule.renderMode': 'alwaysRender' }))).toEqual(['PrometheusRule', 'ServiceMonitor']);
      expect(templateError({ ...on, 'prometheusRule.renderMode': 'sometimes' })).toMatch(/renderMode/);
    });
  });

  it('gives every alert a runbook_url whose anchor is a section of docs/troubleshooting.md', () => {
    const sections = anchors(read('docs/troubleshooting.md'));
    const base = 'https://runbooks.example.internal/rotor/troubleshooting.md';
    const objects = template({ 'prometheusRule.enabled': 'true', 'prometheusRule.runbookBaseURL': base, 'events.queues[0].url': 'https://sqs.us-east-1.amazonaws.com/111122223333/q' }, prometheusOperatorArgs);
    const alerts = (one(objects, 'PrometheusRule').spec as { groups: Array<{ rules: Array<{ alert: string; annotations: Record<string, string> }> }> }).groups.flatMap((g) => g.rules);
    expect(alerts.length).toBeGreaterThanOrEqual(8);
    for (const alert of alerts) {
      const url = alert.annotations.runbook_url ?? '';
      expect(url.startsWith(`${base}#`), `${alert.alert}: runbook_url ${url}`).toBe(true);
      expect(sections, `${alert.alert}: no section #${url.split('#')[1]} in docs/troubleshooting.md`).toContain(url.split('#')[1]);
    }
    expect(templateError({ 'prometheusRule.runbookBaseURL': 'docs/troubleshooting.md' })).toMatch(/runbookBaseURL/);
  });

  describe('NOTES.txt', () => {
    it('warns first and last when the image is the placeholder, not otherwise', () => {
      const text = notes();
      expect(text.trimStart()).toMatch(/^WARNING: image\.repository is the placeholder registry\.example\.com\/rotor\/rotor/);
      expect(text).toMatch(/no such image exists[\s\S]*--set image\.repository=/);
      expect(notes({ 'image.repository': 'registry.corp.internal/rotor/rotor' })).not.toMatch(/WARNING/);
    });

    it('prints the CRD command with this version when the chart does not manage the CRDs', () => {
      const version = (parse(read('charts/rotor/Chart.yaml')) as { version: string }).version;
      expect(notes({ 'crds.enabled': 'false' })).toContain(`helm template rotor <chart> --version ${version} --show-only 'templates/crds/*.yaml' | kubectl apply --server-side --force-conflicts -f -`);
      const managed = notes();
      expect(managed).toMatch(/CRDs: installed and upgraded with the chart; `helm uninstall` keeps them/);
      expect(managed).not.toMatch(/kubectl apply/);
    });
  });
});
