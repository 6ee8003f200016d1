#!/usr/bin/env node
// Writes crds/rotor.dev_pushsecrets.yaml and crds/rotor.dev_clusterpushsecrets.yaml (ESO's
// PushSecret and ClusterPushSecret, v1alpha1). Generated for two reasons: spec.template is the
// ExternalSecret CRD's spec.target.template schema (ESO's PushSecret takes the same
// ExternalSecretTemplate), and ClusterPushSecret's spec.pushSecretSpec is the PushSecret spec
// schema, so neither can drift from its source. CEL messages of an embedded schema get the
// path they are embedded at. Run by scripts/sync-crds.sh; operator/test/chart/crds-sync.test.ts
// fails when the committed files are not what this writes.
//   node scripts/gen-push-crds.mjs                     write both files
//   node scripts/gen-push-crds.mjs --stdout <kind>     print one (pushsecrets | clusterpushsecrets)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as lib from './lib/crd-schema.mjs';

const esSchema = lib.externalSecretSchema();
const refreshPattern = esSchema.properties.spec.properties.refreshInterval.pattern;

/** Rewrites `from` to `to` wherever it stands in a CEL message of the tree. */
const rebaseMessages = (node, from, to) => lib.rewriteMessages(node, (message) => message.split(from).join(to));

const template = structuredClone(esSchema.properties.spec.properties.target.properties.template);
rebaseMessages(template, 'spec.target.template', 'spec.template');
template.description =
  'Shapes what is pushed, with ESO\'s PushSecret semantics: the templates (Go text/template + sprig, engine v2) ' +
  'render with the source Secret\'s keys in scope, and their keys are added to (or replace) the source keys ' +
  'before data[] picks what to push. The source Secret itself is never changed.';

/** One data[] entry; `withRules` false for the copy in status (the server already checked it). */
const pushSecretData = (withRules) => ({
  type: 'object',
  description: 'One value to push: a key of the source Secret (or all of it) to a remote secret (or one property of it).',
  required: ['match'],
  properties: {
    match: {
      type: 'object',
      description: 'Which source key goes where.',
      required: ['remoteRef'],
      properties: {
        secretKey: {
          type: 'string',
          description: 'Key of the source Secret to push. Unset: the whole Secret, as a JSON object of its keys and values (as ESO).',
          maxLength: 253,
        },
        remoteRef: {
          type: 'object',
          description: 'Where the value goes.',
          required: ['remoteKey'],
          properties: {
            remoteKey: {
              type: 'string',
              description: 'Name of the Secrets Manager secret or Parameter Store parameter (the store\'s prefix, if any, is prepended).',
              ...(withRules ? { minLength: 1 } : {}),
              maxLength: 2048,
            },
            property: {
              type: 'string',
              description: 'Set only this top-level field of a JSON object stored at remoteKey (other fields are kept).',
              maxLength: 1024,
            },
          },
        },
      },
    },
    metadata: {
      type: 'object',
      description:
        'Provider-specific settings, as ESO\'s AWS provider reads them (apiVersion kubernetes.external-secrets.io/v1alpha1, kind PushSecretMetadata, ' +
        'spec: tags, description, kmsKeyID, secretPushFormat, resourcePolicy, parameter tier and type…). Passed as-is to the writer, which names a wrong field.',
      'x-kubernetes-preserve-unknown-fields': true,
    },
    conversionStrategy: {
      type: 'string',
      description: 'None (default), or ReverseUnicode: key names written as _UXXXX_ (what ExternalSecret\'s Unicode conversion produces) are turned back into the character.',
      enum: ['None', 'ReverseUnicode'],
      ...(withRules ? { default: 'None' } : {}),
    },
  },
});

const pushSecretSpec = {
  type: 'object',
  description: 'What to push, from where, to which stores, and what to do with existing and removed remote values.',
  required: ['secretStoreRefs', 'selector'],
  properties: {
    refreshInterval: {
      type: 'string',
      description: 'How often to push again (the remote is re-checked and repaired), as a Go duration such as 1h or 10m. "0": push once per change of the spec or the source Secret. Default 1h.',
      default: '1h',
      maxLength: 64,
      pattern: refreshPattern,
    },
    secretStoreRefs: {
      type: 'array',
      description: 'The stores to push to: by name, or every store of a kind whose labels match. A SecretStore must be in the PushSecret\'s namespace; a ClusterSecretStore must allow it (spec.conditions).',
      minItems: 1,
      maxItems: 16,
      items: {
        type: 'object',
        description: 'One store, or the stores whose labels match.',
        'x-kubernetes-validations': [{ rule: 'has(self.name) || has(self.labelSelector)', message: 'spec.secretStoreRefs[]: set name (one store) or labelSelector (stores by label)' }],
        properties: {
          name: { type: 'string', description: 'Name of the store. Ignored when labelSelector is set (as ESO).', minLength: 1, maxLength: 253, pattern: lib.DNS_SUBDOMAIN },
          labelSelector: lib.labelSelector('Every store of this kind whose labels match (SecretStores of the PushSecret\'s namespace only).', 'store'),
          kind: { type: 'string', description: 'SecretStore (default) or ClusterSecretStore.', enum: ['SecretStore', 'ClusterSecretStore'], default: 'SecretStore' },
        },
      },
    },
    updatePolicy: {
      type: 'string',
      description: 'Replace (default): overwrite the remote value when it differs. IfNotExists: push only where the remote key does not exist yet; an existing one is left as it is.',
      enum: ['Replace', 'IfNotExists'],
      default: 'Replace',
    },
    deletionPolicy: {
      type: 'string',
      description:
        'None (default): remote values stay when the PushSecret is deleted or an entry is removed from data. Delete: Rotor deletes what it pushed then ' +
        '(a finalizer holds the PushSecret until it is done), and when the source Secret is deleted.',
      enum: ['Delete', 'None'],
      default: 'None',
    },
    selector: {
      type: 'object',
      description: 'Where the values come from: a Secret of this namespace (by name or label), or a generator.',
      'x-kubernetes-validations': [{ rule: 'has(self.secret) != has(self.generatorRef)', message: 'spec.selector: set exactly one of secret or generatorRef' }],
      properties: {
        secret: {
          type: 'object',
          description: 'Source Secret(s) in the PushSecret\'s own namespace.',
          'x-kubernetes-validations': [{ rule: 'has(self.name) || has(self.selector)', message: 'spec.selector.secret: set name (one Secret) or selector (every Secret whose labels match)' }],
          properties: {
            name: { type: 'string', description: 'Name of the Secret (in the PushSecret\'s namespace). Takes precedence over selector (as ESO).', minLength: 1, maxLength: 253, pattern: lib.DNS_SUBDOMAIN },
            selector: lib.labelSelector('Every Secret of the PushSecret\'s namespace whose labels match (ESO 2.x); each is pushed with the same data entries.', 'Secret'),
          },
        },
        generatorRef: {
          type: 'object',
          description: 'A generator (generators.rotor.dev) whose output is pushed instead of a Secret.',
          required: ['apiVersion', 'kind', 'name'],
          properties: {
            apiVersion: { type: 'string', description: 'API version of the generator, e.g. generators.rotor.dev/v1alpha1.', maxLength: 253 },
            kind: { type: 'string', description: 'Kind of the generator: ECRAuthorizationToken, STSSessionToken, Password or ClusterGenerator.', maxLength: 63 },
            name: { type: 'string', description: 'Name of the generator (in the PushSecret\'s namespace, or cluster-scoped for ClusterGenerator).', minLength: 1, maxLength: 253 },
          },
        },
      },
    },
    data: {
      type: 'array',
      description: 'The values to push (at most 256 entries).',
      maxItems: 256,
      items: pushSecretData(true),
    },
    dataTo: {
      type: 'array',
      description:
        'ESO\'s bulk push: push the source keys a rule matches without listing them, to the stores of secretStoreRefs the rule names or selects. ' +
        'An entry of data for the same source key wins over a rule; two entries writing the same remote fail the pass (InvalidSpec).',
      maxItems: 64,
      items: {
        type: 'object',
        description: 'One bulk push rule.',
        required: ['storeRef'],
        'x-kubernetes-validations': [
          {
            rule: '!has(self.remoteKey) || !has(self.rewrite) || size(self.rewrite) == 0',
            message: 'spec.dataTo[]: remoteKey and rewrite are mutually exclusive: drop rewrite (it renames keys pushed one per remote) or remoteKey (all matched keys as one JSON object)',
          },
        ],
        properties: {
          storeRef: {
            type: 'object',
            description: 'Which stores this rule pushes to: one of secretStoreRefs by name, or the stores of secretStoreRefs whose labels match.',
            'x-kubernetes-validations': [{ rule: 'has(self.name) || has(self.labelSelector)', message: 'spec.dataTo[].storeRef: set name (a store of spec.secretStoreRefs) or labelSelector' }],
            properties: {
              name: { type: 'string', description: 'Name of a store listed in secretStoreRefs.', minLength: 1, maxLength: 253, pattern: lib.DNS_SUBDOMAIN },
              labelSelector: lib.labelSelector('Every store of secretStoreRefs of this kind whose labels match.', 'store'),
              kind: { type: 'string', description: 'SecretStore (default) or ClusterSecretStore.', enum: ['SecretStore', 'ClusterSecretStore'], default: 'SecretStore' },
            },
          },
          remoteKey: {
            type: 'string',
            description: 'Set: all matched keys go to this one remote secret as a JSON object. Unset: each matched key goes to a remote of its own name (after rewrite).',
            minLength: 1,
            maxLength: 2048,
          },
          match: {
            type: 'object',
            description: 'Which source keys. Unset: all of them.',
            properties: { regexp: { type: 'string', description: 'Keys in which this RE2 pattern (ESO\'s Go syntax) finds a match; anchor it with ^ and $ for whole keys.', maxLength: 1024 } },
          },
          rewrite: {
            type: 'array',
            description: 'Renames the matched keys into remote keys, in order (ESO\'s ExternalSecret rewrite: regexp or transform).',
            maxItems: 16,
            items: {
              type: 'object',
              description: 'One rename step.',
              'x-kubernetes-validations': [{ rule: 'has(self.regexp) != has(self.transform)', message: 'spec.dataTo[].rewrite[]: set exactly one of regexp or transform' }],
              properties: {
                regexp: {
                  type: 'object',
                  required: ['source', 'target'],
                  description: 'Replace every match of source (RE2) with target ($1, ${name} expand groups).',
                  properties: {
                    source: { type: 'string', description: 'RE2 pattern (ESO\'s Go syntax).', maxLength: 1024 },
                    target: { type: 'string', description: 'Replacement; $1 or ${name} for a group.', maxLength: 2048 },
                  },
                },
                transform: {
                  type: 'object',
                  required: ['template'],
                  description: 'A Go template run on each key, the key being .value (e.g. app/{{ .value | upper }}).',
                  properties: { template: { type: 'string', description: 'Go template; the key is .value.', maxLength: 4096 } },
                },
              },
            },
          },
          metadata: pushSecretData(true).properties.metadata,
          conversionStrategy: pushSecretData(true).properties.conversionStrategy,
        },
      },
    },
    template: template,
  },
};

const conditions = (description, reasons) => lib.conditionsSchema(esSchema, description, reasons);

const pushSecretStatus = {
  type: 'object',
  description: 'What Rotor pushed on the last reconcile. Never holds a value.',
  properties: {
    refreshTime: { type: 'string', format: 'date-time', nullable: true, description: 'When the values were last pushed.' },
    syncedResourceVersion: { type: 'string', description: 'metadata.generation and a hash of labels and annotations of the PushSecret last pushed (ESO\'s value).' },
    syncedPushSecrets: {
      type: 'object',
      description: 'What is pushed where (ESO\'s shape): "<Kind>/<store name>" -> "<remoteKey>[/<property>]" -> the data entry. Values are never recorded.',
      additionalProperties: {
        type: 'object',
        description: 'Remote keys of one store.',
        additionalProperties: pushSecretData(false),
      },
    },
    conditions: conditions('Current state; Ready says whether every value is pushed.', 'Synced, Errored, SourceDeleted, InvalidSpec, SourceNotFound, StoreNotFound, StoreNotAllowed, GeneratorUnavailable, GeneratorFailed, TemplateFailed, NotManaged, AccessDenied, InvalidMetadata or InvalidStore'),
    observedGeneration: { type: 'integer', format: 'int64', description: 'The metadata.generation the status was computed for.' },
  },
};

const apiVersion = { type: 'string', description: 'APIVersion of this representation of an object (rotor.dev/v1alpha1).' };
const kindField = (kind) => ({ type: 'string', description: `Kind is the REST resource this object represents (${kind}).` });

const pushSecretCrd = lib.customResourceDefinition({
  group: 'rotor.dev',
  kind: 'PushSecret',
  plural: 'pushsecrets',
  scope: 'Namespaced',
  shortNames: ['ps'],
  categories: ['rotor'],
  subresources: { status: {} },
  printerColumns: [
    { name: 'Refresh Interval', type: 'string', description: 'How often the values are pushed again.', jsonPath: '.spec.refreshInterval' },
    ...lib.readyColumns('Whether every value is pushed.'),
    { name: 'Last Sync', type: 'date', description: 'When the values were last pushed.', jsonPath: '.status.refreshTime' },
    lib.AGE_COLUMN,
  ],
  description:
    'PushSecret writes keys of a Kubernetes Secret (or a generator\'s output) to AWS Secrets Manager or Parameter Store (ESO\'s PushSecret). ' +
    'Rotor never overwrites a remote value it did not create.',
  properties: { apiVersion, kind: kindField('PushSecret'), metadata: { type: 'object' }, spec: pushSecretSpec, status: pushSecretStatus },
});

const embeddedSpec = structuredClone(pushSecretSpec);
rebaseMessages(embeddedSpec, 'spec.', 'spec.pushSecretSpec.');
embeddedSpec.description = 'The spec of the PushSecret created in every selected namespace: the same fields, defaults and validation as a PushSecret\'s spec, resolved in each namespace.';

const clusterPushSecretCrd = lib.customResourceDefinition({
  group: 'rotor.dev',
  kind: 'ClusterPushSecret',
  plural: 'clusterpushsecrets',
  scope: 'Cluster',
  categories: ['rotor'],
  subresources: { status: {} },
  printerColumns: [
    { name: 'Refresh Interval', type: 'string', description: 'How often the selected namespaces are re-checked.', jsonPath: '.spec.refreshTime' },
    ...lib.readyColumns('Whether every selected namespace has the PushSecret.'),
    lib.AGE_COLUMN,
  ],
  description:
    'ClusterPushSecret creates the same PushSecret in every namespace its selectors choose (ESO\'s ClusterPushSecret), keeps them in step ' +
    'with its spec, and removes them from namespaces that stop matching. They are owned by it: deleting it deletes them.',
  properties: {
    apiVersion,
    kind: kindField('ClusterPushSecret'),
    metadata: { type: 'object' },
    spec: {
      type: 'object',
      description: 'Which namespaces get the PushSecret, and what it is.',
      required: ['pushSecretSpec'],
      properties: {
        pushSecretSpec: embeddedSpec,
        refreshTime: lib.fanOutRefreshTime('PushSecret'),
        pushSecretName: {
          type: 'string',
          description: 'Name of the PushSecrets to create. Default: the name of the ClusterPushSecret. Renaming deletes the old ones.',
          minLength: 1,
          maxLength: 253,
          pattern: lib.DNS_SUBDOMAIN,
        },
        pushSecretMetadata: lib.fanOutMetadata('PushSecret'),
        namespaceSelectors: {
          type: 'array',
          description: 'Namespaces whose labels match any of these selectors get the PushSecret (ORed). An empty selector ({}) selects every namespace; none selects none.',
          maxItems: 64,
          items: lib.labelSelector('A label selector over namespaces.', 'namespace'),
        },
      },
    },
    status: lib.fanOutStatus('PushSecret', conditions('Current state; Ready says whether every selected namespace has the PushSecret.', 'Provisioned, NamespacesFailed or InvalidSpec')),
  },
});

const header = (what, extra) => `---
# ${what}
# GENERATED by scripts/gen-push-crds.mjs${extra}; edit the script, not this file.
# operator/src/api/push-types.ts mirrors it and operator/test/api/crd-drift.test.ts keeps the two in step.
`;
const files = {
  pushsecrets: lib.crdYaml(header("PushSecret: Secret keys pushed to Secrets Manager / Parameter Store (ESO's kind).", ' (spec.template is the ExternalSecret CRD\'s template schema)'), pushSecretCrd),
  clusterpushsecrets: lib.crdYaml(header("ClusterPushSecret: one PushSecret stamped into every selected namespace (ESO's kind).", ' (spec.pushSecretSpec is the PushSecret spec schema)'), clusterPushSecretCrd),
};
const i = process.argv.indexOf('--stdout');
if (i >= 0) process.stdout.write(files[process.argv[i + 1]] ?? '');
else for (const [kind, text] of Object.entries(files)) writeFileSync(join(lib.repoRoot, `crds/rotor.dev_${kind}.yaml`), text);
