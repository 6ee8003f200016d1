// Checks of a store's spec that the CRD schema cannot express, phrased so the user
// knows which field to fix. Pure.
import { durationProblem } from '../../api/duration.js';
import type { SecretStore } from '../../api/types.js';
import type { SpecProblem } from '../../api/defaults.js';
import { compileUserRegExp } from '../../sync/regexp.js';

/** One problem, naming the field to fix (the same shape as an ExternalSecret's). */
export type FieldProblem = SpecProblem;

/** ESO 2.9's ACM provider: refused (here and by the CRD's rule) with what to do instead. */
export const CERTIFICATE_MANAGER_REFUSED =
  'CertificateManager (ESO 2.9\'s ACM provider) is not supported by Rotor: keep ESO for ACM certificates, or store the certificate and key in Secrets Manager and use service: SecretsManager';

const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function validateStoreSpec(store: SecretStore): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const aws = store.spec?.provider?.aws;
  const base = 'spec.provider.aws';
  if (!aws) return [{ field: base, message: 'is required: Rotor only has the aws provider' }];
  if (aws.service === 'CertificateManager') problems.push({ field: `${base}.service`, message: CERTIFICATE_MANAGER_REFUSED });
  const controller = store.spec.controller;
  if (controller !== undefined && controller !== '' && controller !== 'default') {
    problems.push({ field: 'spec.controller', message: `"${controller}" is another ESO controller class; Rotor runs one class, default: remove spec.controller or set it to default, or leave this store with that ESO installation` });
  }
  if (!REGION.test(aws.region ?? '')) problems.push({ field: `${base}.region`, message: `"${aws.region ?? ''}" is not an AWS region such as us-east-1` });
  if (aws.failoverRegion !== undefined) {
    if (!REGION.test(aws.failoverRegion)) problems.push({ field: `${base}.failoverRegion`, message: `"${aws.failoverRegion}" is not an AWS region` });
    else if (aws.failoverRegion === aws.region && !aws.failoverEndpoint) problems.push({ field: `${base}.failoverRegion`, message: 'must differ from region' });
  }
  for (const field of ['endpoint', 'failoverEndpoint'] as const) {
    const value = aws[field];
    if (value !== undefined && !isHttpUrl(value)) problems.push({ field: `${base}.${field}`, message: `"${value}" is not an http(s) URL` });
  }
  const auth = aws.auth;
  if (auth?.jwt && auth.secretRef) problems.push({ field: `${base}.auth`, message: 'set at most one of jwt or secretRef (none, or auth: {}, uses the operator\'s own identity)' });
  if (store.kind === 'SecretStore') {
    const ns = store.metadata.namespace;
    const saNamespace = auth?.jwt?.serviceAccountRef.namespace;
    if (saNamespace && saNamespace !== ns) {
      problems.push({
        field: `${base}.auth.jwt.serviceAccountRef.namespace`,
        message: `a SecretStore may only use ServiceAccounts of its own namespace (${ns}); remove the field or use a ClusterSecretStore`,
      });
    }
    const refs = auth?.secretRef ? Object.entries(auth.secretRef) : [];
    for (const [name, ref] of refs) {
      if (ref?.namespace && ref.namespace !== ns) {
        problems.push({ field: `${base}.auth.secretRef.${name}.namespace`, message: `a SecretStore may only read Secrets of its own namespace (${ns})` });
      }
    }
    if (store.spec.conditions?.length) problems.push({ field: 'spec.conditions', message: 'only a ClusterSecretStore has conditions' });
  }
  // A ClusterSecretStore reference without namespace is ESO's referent authentication: resolved
  // in each ExternalSecret's namespace (aws/credentials.ts), not a problem of the store.
  (store.spec.conditions ?? []).forEach((condition, i) =>
    (condition.namespaceRegexes ?? []).forEach((re, j) => {
      try {
        compileUserRegExp(re);
      } catch (error) {
        problems.push({ field: `spec.conditions[${i}].namespaceRegexes[${j}]`, message: `"${re}" is not a valid regular expression: ${(error as Error).message}` });
      }
    }),
  );
  const retryInterval = store.spec.retrySettings?.retryInterval;
  if (retryInterval !== undefined) {
    const problem = durationProblem(retryInterval, 'spec.retrySettings.retryInterval');
    if (problem) problems.push({ field: 'spec.retrySettings.retryInterval', message: problem });
  }
  if ((aws.externalID || aws.sessionTags?.length) && !aws.role) {
    problems.push({ field: `${base}.role`, message: 'externalID and sessionTags apply to an assumed role; set role as well' });
  }
  return problems;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
