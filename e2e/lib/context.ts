// Per-test-file helpers: the harness facts, unique namespaces, and the registry of secret
// values used (the teardown scans the operator log for every one of them).
import { appendFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import type { HarnessInfo } from '../harness/types.js';
import { apply, kubectl, kubectlJson } from './cli.js';
import { waitFor } from './wait.js';

export function harness(): HarnessInfo {
  return JSON.parse(inject('rotorInfo')) as HarnessInfo;
}

/** A secret value for a test: random, so a hit in the log can only be a leak; registered for the scan. */
export function secretValue(label = 'value'): string {
  const value = `${label}-${randomBytes(9).toString('base64url')}`;
  registerSecretValue(value);
  return value;
}

export function registerSecretValue(value: string): void {
  appendFileSync(inject('secretValuesFile'), `${value}\n`);
}

/** A fresh namespace (and a unique prefix for AWS names) per test file. */
export async function freshNamespace(prefix: string): Promise<string> {
  const ns = `${prefix}-${randomBytes(3).toString('hex')}`;
  await kubectl('create', 'namespace', ns);
  return ns;
}

/** A SecretStore `aws` in the namespace: Secrets Manager on the harness's LocalStack, signed as the operator. */
export async function applySecretsManagerStore(namespace: string): Promise<void> {
  await apply(`
apiVersion: rotor.dev/v1alpha1
kind: SecretStore
metadata: {name: aws, namespace: ${namespace}}
spec:
  provider:
    aws: {service: SecretsManager, region: us-east-1, endpoint: ${harness().awsEndpointForStores}}
`);
}

export interface ReadyCondition {
  status: string;
  reason: string;
  message: string;
}

export async function readyOf(kind: string, name: string, namespace?: string): Promise<ReadyCondition | undefined> {
  const args = ['get', kind, name, ...(namespace ? ['-n', namespace] : [])];
  const obj = await kubectlJson<{ status?: { conditions?: (ReadyCondition & { type: string })[] } }>(...args);
  return obj.status?.conditions?.find((c) => c.type === 'Ready');
}

export async function statusOf<T = any>(kind: string, name: string, namespace: string): Promise<T> {
  return (await kubectlJson<{ status?: T }>('get', kind, name, '-n', namespace)).status ?? ({} as T);
}

/**
 * Waits until the object's Ready condition has `status`. While waiting for True, a Ready=False
 * is kept as the last error, so a timeout reports the operator's reason and message.
 */
export async function waitForReady(
  kind: string,
  name: string,
  namespace: string | undefined,
  status: 'True' | 'False' = 'True',
  options: { timeoutMs?: number } = {},
): Promise<ReadyCondition> {
  return waitFor(
    `${kind} ${name} Ready=${status}`,
    async () => {
      const ready = await readyOf(kind, name, namespace);
      if (status === 'True' && ready?.status === 'False') throw new Error(`${kind} ${name} is not Ready: ${ready.reason}: ${ready.message}`);
      return ready?.status === status ? ready : undefined;
    },
    { timeoutMs: options.timeoutMs },
  );
}
