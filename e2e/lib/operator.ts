// Fault injection on the operator itself: kill it without warning (SIGKILL, as a node failure
// or the OOM killer would) and bring it back. Local bed: the process started by
// e2e/testbed/operator.sh; kind: the operator pods.
import { resolve } from 'node:path';
import { kubectl, run } from './cli.js';

const operatorScript = resolve(import.meta.dirname, '../testbed/operator.sh');
const onKind = process.env.ROTOR_E2E_HARNESS === 'kind';
const podSelector = 'app.kubernetes.io/name=rotor';

/** SIGKILL: no shutdown hook runs, nothing pending is flushed. */
export async function killOperator(): Promise<void> {
  if (onKind) {
    await kubectl('delete', 'pod', '-n', 'rotor-system', '-l', podSelector, '--grace-period=0', '--force', '--wait=false');
    return;
  }
  await run('bash', [operatorScript, 'kill']);
}

/** Starts the operator again and waits until it leads (its log is kept for the leak scan). */
export async function resumeOperator(): Promise<void> {
  if (onKind) {
    await kubectl('rollout', 'status', 'deployment/rotor', '-n', 'rotor-system', '--timeout=120s');
    return;
  }
  await run('bash', [operatorScript, 'resume']);
}

/** Whether the operator is up (local bed: its process is alive; kind: a pod is ready). */
export async function operatorRunning(): Promise<boolean> {
  if (onKind) {
    const out = await kubectl('get', 'pods', '-n', 'rotor-system', '-l', podSelector, '-o', 'jsonpath={.items[*].status.containerStatuses[*].ready}').catch(() => '');
    return /true/.test(String(out));
  }
  return run('bash', [operatorScript, 'status']).then(() => true, () => false);
}
