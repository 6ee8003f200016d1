// The pieces the CRD generators (scripts/gen-ces-crd.mjs, gen-push-crds.mjs,
// gen-generator-crds.mjs) build their CustomResourceDefinitions from: the ExternalSecret CRD's
// schema they embed, CEL messages rewritten to the path a schema is embedded at, the
// CustomResourceDefinition shell, label selectors, Ready conditions, the fields of a kind that
// stamps one object into many namespaces (ClusterExternalSecret, ClusterPushSecret), and the
// YAML they are written as. One copy, so the generated CRDs cannot differ where they mean the same.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

const LABELS = { 'app.kubernetes.io/name': 'rotor', 'app.kubernetes.io/part-of': 'rotor' };
/** A Kubernetes object name (DNS subdomain, RFC 1123). */
export const DNS_SUBDOMAIN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
const GO_DURATION = '^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$';

/** The openAPIV3Schema of crds/rotor.dev_externalsecrets.yaml: a fresh copy for each caller to change. */
export function externalSecretSchema() {
  const crd = parse(readFileSync(join(repoRoot, 'crds/rotor.dev_externalsecrets.yaml'), 'utf8'));
  return crd.spec.versions[0].schema.openAPIV3Schema;
}

/** Applies `rewrite` to the message of every CEL rule (x-kubernetes-validations) in the tree, in place. */
export function rewriteMessages(node, rewrite) {
  if (Array.isArray(node)) return node.forEach((n) => rewriteMessages(n, rewrite));
  if (!node || typeof node !== 'object') return;
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    if (typeof rule.message === 'string') rule.message = rewrite(rule.message);
  }
  for (const value of Object.values(node)) rewriteMessages(value, rewrite);
}

/** A metav1.LabelSelector over `subject`s (namespace, store, Secret), with ESO's operator rules. */
export function labelSelector(description, subject) {
  return {
    type: 'object',
    description,
    'x-kubernetes-map-type': 'atomic',
    properties: {
      matchLabels: {
        type: 'object',
        description: `Labels the ${subject} must carry, all of them (key: value).`,
        additionalProperties: { type: 'string' },
      },
      matchExpressions: {
        type: 'array',
        description: `Requirements on the ${subject} labels, all of which must hold.`,
        maxItems: 64,
        items: {
          type: 'object',
          required: ['key', 'operator'],
          properties: {
            key: { type: 'string', description: 'Label key.', maxLength: 317 },
            operator: { type: 'string', description: 'In, NotIn, Exists or DoesNotExist.', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
            values: { type: 'array', description: 'Values for In and NotIn; empty for Exists and DoesNotExist.', maxItems: 64, items: { type: 'string', maxLength: 63 } },
          },
          'x-kubernetes-validations': [
            {
              rule: "(self.operator in ['In', 'NotIn']) == (has(self.values) && size(self.values) > 0)",
              message: 'matchExpressions[]: In and NotIn need values; Exists and DoesNotExist take none',
            },
          ],
        },
      },
    },
  };
}

/** The ExternalSecret CRD's status.conditions schema with this kind's description and Ready reasons. */
export function conditionsSchema(esSchema, description, reasons) {
  const c = structuredClone(esSchema.properties.status.properties.conditions);
  c.description = description;
  c.items.properties.reason.description = `CamelCase reason: ${reasons}.`;
  return c;
}

/** kubectl get's Status and Ready columns: the Ready condition's reason and status. */
export function readyColumns(readyDescription) {
  return [
    { name: 'Status', type: 'string', description: 'Reason of the Ready condition.', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
    { name: 'Ready', type: 'string', description: readyDescription, jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  ];
}

/** kubectl get's Age column. */
export const AGE_COLUMN = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** A CustomResourceDefinition of one served and stored version v1alpha1, labelled as Rotor's. */
export function customResourceDefinition({ group, kind, plural, scope, shortNames, categories, subresources, printerColumns, description, properties }) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}`, labels: LABELS },
    spec: {
      group,
      scope,
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase(), ...(shortNames ? { shortNames } : {}), categories },
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          ...(subresources ? { subresources } : {}),
          additionalPrinterColumns: printerColumns,
          schema: { openAPIV3Schema: { type: 'object', description, required: ['spec'], properties } },
        },
      ],
    },
  };
}

/** spec.refreshTime of a kind that stamps `kind` objects into the selected namespaces. */
export function fanOutRefreshTime(kind) {
  return {
    type: 'string',
    description: `How often the selected namespaces and the created ${kind}s are re-checked, as a Go duration (1m, 1h). Default 1h. Namespace creation and label changes are acted on at once anyway.`,
    maxLength: 64,
    pattern: GO_DURATION,
  };
}

/** spec.<kind>Metadata: labels and annotations set on every stamped `kind` object. */
export function fanOutMetadata(kind) {
  const map = (description) => ({ type: 'object', description, additionalProperties: { type: 'string' } });
  return {
    type: 'object',
    description: `Labels and annotations set on every created ${kind}.`,
    properties: { labels: map(`Labels of the created ${kind}s.`), annotations: map(`Annotations of the created ${kind}s.`) },
  };
}

/** The status of a kind that stamps `kind` objects into namespaces (ClusterExternalSecret's, ClusterPushSecret's). */
export function fanOutStatus(kind, conditions) {
  const nameField = `${kind[0].toLowerCase()}${kind.slice(1)}Name`;
  return {
    type: 'object',
    description: 'What Rotor observed on the last reconcile.',
    properties: {
      [nameField]: { type: 'string', description: `Name of the ${kind}s this Cluster${kind} created.` },
      provisionedNamespaces: { type: 'array', description: `Namespaces that have the ${kind}, as the spec says.`, items: { type: 'string' } },
      failedNamespaces: {
        type: 'array',
        description: `Selected namespaces that could not get the ${kind}, and why.`,
        items: {
          type: 'object',
          required: ['namespace'],
          properties: {
            namespace: { type: 'string', description: 'The namespace.' },
            reason: { type: 'string', description: 'Why, and what to do.' },
          },
        },
      },
      conditions,
      observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the status was computed for.' },
    },
  };
}

/** The file's text: its comment header, then the CRD as YAML with no line folding. */
export function crdYaml(header, crd) {
  return header + stringify(crd, { lineWidth: 0 });
}
