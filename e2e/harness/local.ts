// Local test bed harness (no Docker): the real kube-apiserver, etcd and
// kube-controller-manager plus LocalStack on 127.0.0.1 (e2e/testbed/up.sh), and the
// operator started by e2e/testbed/operator.sh as a process with the chart's ServiceAccount
// identity — the same script `npm run demo` uses.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Harness, HarnessInfo } from './types.js';
import { stateDir, testbed } from './testbed-paths.js';

const exec = promisify(execFile);

export class LocalHarness implements Harness {
  readonly name = 'local';
  private startedBed = false;

  async setup(): Promise<HarnessInfo> {
    // The first run on a fresh machine builds the control plane from Go modules.
    const up = await exec('bash', [testbed('up.sh')], { maxBuffer: 16 << 20, timeout: 75 * 60_000 });
    this.startedBed = !/already up/.test(up.stdout + up.stderr);
    const env = await sourceEnv(join(stateDir, 'env.sh'));
    await exec('bash', [testbed('operator.sh'), 'start'], { env: { ...process.env, ...env }, maxBuffer: 16 << 20, timeout: 5 * 60_000 });
    return {
      env: {
        ...env,
        ROTOR_METRICS_URL: `http://127.0.0.1:${process.env.ROTOR_OPERATOR_METRICS_PORT ?? '28080'}/metrics`,
        ROTOR_HEALTH_URL: `http://127.0.0.1:${process.env.ROTOR_OPERATOR_HEALTH_PORT ?? '28081'}/healthz`,
      },
      awsEndpointForStores: env.AWS_ENDPOINT_URL!,
      // Port 1 on loopback: nothing listens, connections are refused at once.
      deadEndpoint: 'http://127.0.0.2:1',
      operatorNamespace: 'rotor-system',
      operatorServiceAccount: 'rotor',
      inCluster: false,
    };
  }

  async operatorLog(): Promise<string> {
    const path = join(stateDir, 'operator.log');
    return existsSync(path) ? readFileSync(path, 'utf8') : '';
  }

  async teardown(): Promise<void> {
    await exec('bash', [testbed('operator.sh'), 'stop'], { timeout: 60_000 }).catch(() => undefined);
    if (this.startedBed && !process.env.ROTOR_E2E_KEEP) await exec('bash', [testbed('down.sh')], { timeout: 120_000 });
  }
}

/** The variables env.sh sets (PATH with kubectl/aws/helm, KUBECONFIG, AWS_*). */
export async function sourceEnv(file: string): Promise<Record<string, string>> {
  const { stdout } = await exec('bash', ['-c', `set -a; source "${file}"; env -0`], { maxBuffer: 4 << 20 });
  const env: Record<string, string> = {};
  for (const entry of stdout.split('\0')) {
    const eq = entry.indexOf('=');
    if (eq > 0) env[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  for (const [k, v] of Object.entries(env)) if (process.env[k] === v) delete env[k];
  return env;
}
