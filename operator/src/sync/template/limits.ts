// Bounds on target.template: how many template entries one ExternalSecret may carry, how long
// their literal texts may be, and how much time all of them may take together.
//
// The CRDs enforce the counts and lengths at admission (crds/rotor.dev_externalsecrets.yaml,
// and the ClusterExternalSecret CRD that embeds its spec; operator/test/api/template-caps.test.ts
// keeps them equal to these constants). `templateLimitProblems` enforces the same caps on
// objects admitted before the CRD had them. Generous for real use: ESO users have dozens of
// entries, certificate templates a few KiB.
import type { ExternalSecretTemplate } from '../../api/types.js';
import { ES_REASON } from '../../api/types.js';
import { SyncError } from '../errors.js';

export const TEMPLATE_CAPS = {
  /** template.data entries. */
  dataEntries: 128,
  /** template.metadata.labels entries. */
  labelEntries: 64,
  /** template.metadata.annotations entries. */
  annotationEntries: 64,
  /** template.templateFrom entries. */
  templateFromEntries: 16,
  /** items of one templateFrom configMap or secret. */
  templateFromItems: 32,
  /** Characters of one template text written in the spec (data, annotations, literal). */
  textChars: 64 * 1024,
  /** Characters of one label template (a label value is at most 63 characters once rendered). */
  labelTextChars: 4 * 1024,
} as const;

/**
 * Time for ALL template work of one ExternalSecret in one pass (Go and Liquid renders, the
 * engine choice, gjson reads), time waiting for a free template worker included.
 */
export const TEMPLATE_BUDGET_MS = 2000;

/** Problems with `template` against TEMPLATE_CAPS, each naming the field and the cap. */
export function templateLimitProblems(template: ExternalSecretTemplate): SyncError[] {
  const problems: SyncError[] = [];
  const base = 'spec.target.template';
  const tooMany = (field: string, count: number, cap: number) => {
    if (count > cap) problems.push(new SyncError(ES_REASON.InvalidSpec, `${field} has ${count} entries, more than the ${cap} allowed; split the ExternalSecret`, { field }));
  };
  const tooLong = (field: string, text: string, cap: number) => {
    if (text.length > cap) problems.push(new SyncError(ES_REASON.InvalidSpec, `${field} is ${text.length} characters long, more than the ${cap} allowed; keep long templates shorter or move the fixed text into a ConfigMap`, { field }));
  };
  const data = Object.entries(template.data ?? {});
  const labels = Object.entries(template.metadata?.labels ?? {});
  const annotations = Object.entries(template.metadata?.annotations ?? {});
  const from = template.templateFrom ?? [];
  tooMany(`${base}.data`, data.length, TEMPLATE_CAPS.dataEntries);
  tooMany(`${base}.metadata.labels`, labels.length, TEMPLATE_CAPS.labelEntries);
  tooMany(`${base}.metadata.annotations`, annotations.length, TEMPLATE_CAPS.annotationEntries);
  tooMany(`${base}.templateFrom`, from.length, TEMPLATE_CAPS.templateFromEntries);
  from.forEach((entry, i) => {
    for (const kind of ['configMap', 'secret'] as const) {
      const items = entry[kind]?.items;
      if (items) tooMany(`${base}.templateFrom[${i}].${kind}.items`, items.length, TEMPLATE_CAPS.templateFromItems);
    }
    if (entry.literal !== undefined) tooLong(`${base}.templateFrom[${i}].literal`, entry.literal, TEMPLATE_CAPS.textChars);
  });
  // Only the first few over-long texts are named: the point is the cap, not a list of hundreds.
  for (const [key, text] of data) tooLong(`${base}.data.${key}`, text, TEMPLATE_CAPS.textChars);
  for (const [key, text] of labels) tooLong(`${base}.metadata.labels.${key}`, text, TEMPLATE_CAPS.labelTextChars);
  for (const [key, text] of annotations) tooLong(`${base}.metadata.annotations.${key}`, text, TEMPLATE_CAPS.textChars);
  return problems.slice(0, 10);
}
