#!/usr/bin/env node
// Writes crds/rotor.dev_clusterexternalsecrets.yaml. Its spec.externalSecretSpec is the
// ExternalSecret CRD's spec schema, copied here so the two can never differ (ESO's
// ClusterExternalSecret embeds a whole ExternalSecret spec, validated the same way); CEL messages
// that name a field get the spec.externalSecretSpec. prefix. Run by scripts/sync-crds.sh;
// operator/test/api/ces-crd.test.ts fails when the committed file is not what this writes.
//   node scripts/gen-ces-crd.mjs           write the file
//   node scripts/gen-ces-crd.mjs --stdout  print it instead
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const esCrd = parse(readFileSync(join(root, 'crds/rotor.dev_externalsecrets.yaml'), 'utf8'));
const esVersion = esCrd.spec.versions[0];
const esSpec = structuredClone(esVersion.schema.openAPIV3Schema.properties.spec);
const esConditions = structuredClone(esVersion.schema.openAPIV3Schema.properties.status.properties.conditions);

/** CEL messages of the embedded schema say spec.externalSecretSpec.x instead of spec.x. */
function prefixMessages(node) {
  if (Array.isArray(node)) return node.forEach(prefixMessages);
  if (!node || typeof node !== 'object') return;
  for (const rule of node['x-kubernetes-validations'] ?? []) {
    if (typeof rule.message === 'string') rule.message = rule.message.replace(/(^|[\s(/])spec\./g, '$1spec.externalSecretSpec.');
  }
  for (const value of Object.values(node)) prefixMessages(value);
}
prefixMessages(esSpec);
esSpec.description =
  'The spec of the ExternalSecret created in every selected namespace: the same fields, defaults and ' +
  'validation as an ExternalSecret\'s spec. Its secretStoreRef is resolved in each namespace (a SecretStore ' +
  'of that namespace, or a ClusterSecretStore that allows it).';

const labelSelector = (description) => ({
  type: 'object',
  description,
  'x-kubernetes-map-type': 'atomic',
  properties: {
    matchLabels: {
      type: 'object',
      description: 'Labels the namespace must carry, all of them (key: value).',
      additionalProperties: { type: 'string' },
    },
    matchExpressions: {
      type: 'array',
      description: 'Requirements on the namespace labels, all of which must hold.',
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
});

const metadataMap = (what) => ({ type: 'object', description: what, additionalProperties: { type: 'string' } });

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'clusterexternalsecrets.rotor.dev', labels: { 'app.kubernetes.io/name': 'rotor', 'app.kubernetes.io/part-of': 'rotor' } },
  spec: {
    group: 'rotor.dev',
    scope: 'Cluster',
    names: {
      kind: 'ClusterExternalSecret',
      listKind: 'ClusterExternalSecretList',
      plural: 'clusterexternalsecrets',
      singular: 'clusterexternalsecret',
      shortNames: ['ces'],
      categories: ['rotor'],
    },
    versions: [
      {
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Store', type: 'string', description: 'Store the created ExternalSecrets read through.', jsonPath: '.spec.externalSecretSpec.secretStoreRef.name' },
          { name: 'Refresh Interval', type: 'string', description: 'How often the selected namespaces are re-checked.', jsonPath: '.spec.refreshTime' },
          { name: 'Status', type: 'string', description: 'Reason of the Ready condition.', jsonPath: '.status.conditions[?(@.type=="Ready")].reason' },
          { name: 'Ready', type: 'string', description: 'Whether every selected namespace has the ExternalSecret.', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description:
              'ClusterExternalSecret creates the same ExternalSecret in every namespace its selectors choose ' +
              '(ESO\'s ClusterExternalSecret), keeps them in step with its spec, and removes them from namespaces ' +
              'that stop matching. They are owned by it: deleting it deletes them (and, through them, their Secrets).',
            required: ['spec'],
            properties: {
              apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object (rotor.dev/v1alpha1).' },
              kind: { type: 'string', description: 'Kind is the REST resource this object represents (ClusterExternalSecret).' },
              metadata: { type: 'object' },
              spec: {
                type: 'object',
                description: 'Which namespaces get the ExternalSecret, and what it is.',
                required: ['externalSecretSpec'],
                properties: {
                  externalSecretSpec: esSpec,
                  externalSecretName: {
                    type: 'string',
                    description: 'Name of the ExternalSecrets to create. Default: the name of the ClusterExternalSecret. Renaming deletes the old ones.',
                    minLength: 1,
                    maxLength: 253,
                    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
                  },
                  externalSecretMetadata: {
                    type: 'object',
                    description: 'Labels and annotations set on every created ExternalSecret.',
                    properties: {
                      labels: metadataMap('Labels of the created ExternalSecrets.'),
                      annotations: metadataMap('Annotations of the created ExternalSecrets.'),
                    },
                  },
                  namespaceSelectors: {
                    type: 'array',
                    description: 'Namespaces whose labels match any of these selectors get the ExternalSecret (ORed, with namespaceSelector and namespaces too). An empty selector ({}) selects every namespace.',
                    maxItems: 64,
                    items: labelSelector('A label selector over namespaces.'),
                  },
                  namespaceSelector: labelSelector('Deprecated in ESO (use namespaceSelectors); still honoured: namespaces matching it are selected too.'),
                  namespaces: {
                    type: 'array',
                    description: 'Deprecated in ESO (use namespaceSelectors); still honoured: these namespaces, by name, are selected too.',
                    maxItems: 1024,
                    items: { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$' },
                  },
                  refreshTime: {
                    type: 'string',
                    description: 'How often the selected namespaces and the created ExternalSecrets are re-checked, as a Go duration (1m, 1h). Default 1h. Namespace creation and label changes are acted on at once anyway.',
                    maxLength: 64,
                    pattern: '^(([0-9]+(\\.[0-9]*)?|\\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+$',
                  },
                },
              },
              status: {
                type: 'object',
                description: 'What Rotor observed on the last reconcile.',
                properties: {
                  externalSecretName: { type: 'string', description: 'Name of the ExternalSecrets this ClusterExternalSecret created.' },
                  provisionedNamespaces: {
                    type: 'array',
                    description: 'Namespaces that have the ExternalSecret, as the spec says.',
                    items: { type: 'string' },
                  },
                  failedNamespaces: {
                    type: 'array',
                    description: 'Selected namespaces that could not get the ExternalSecret, and why.',
                    items: {
                      type: 'object',
                      required: ['namespace'],
                      properties: {
                        namespace: { type: 'string', description: 'The namespace.' },
                        reason: { type: 'string', description: 'Why, and what to do.' },
                      },
                    },
                  },
                  conditions: {
                    ...esConditions,
                    description: 'Current state; the Ready condition says whether every selected namespace has the ExternalSecret.',
                  },
                  observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the status was computed for.' },
                },
              },
            },
          },
        },
      },
    ],
  },
};
crd.spec.versions[0].schema.openAPIV3Schema.properties.status.properties.conditions.items.properties.reason.description =
  'CamelCase reason: Provisioned, NamespacesFailed or InvalidSpec.';

const header = `---
# ClusterExternalSecret: one ExternalSecret stamped into every selected namespace (ESO's kind).
# GENERATED by scripts/gen-ces-crd.mjs from rotor.dev_externalsecrets.yaml (spec.externalSecretSpec
# is the ExternalSecret spec schema); edit the script, not this file. operator/src/api/types.ts
# mirrors it and operator/test/api/crd-drift.test.ts keeps the two in step.
`;
const text = header + stringify(crd, { lineWidth: 0 });
if (process.argv.includes('--stdout')) process.stdout.write(text);
else writeFileSync(join(root, 'crds/rotor.dev_clusterexternalsecrets.yaml'), text);
