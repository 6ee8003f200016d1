// The operator's log when it runs as pods: what the pods alive now logged, plus what the
// tests saved from pods before deleting them (leader failover, helm uninstall), so the
// secret-leak scan covers every replica that ran.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);
/** Where tests save logs of operator pods they are about to delete (see e2e/lib/cluster.ts). */
export const savedPodLogsDir = resolve(import.meta.dirname, '../.state/operator-pod-logs');

export async function operatorPodLogs(env: NodeJS.ProcessEnv): Promise<string> {
  const saved = existsSync(savedPodLogsDir)
    ? readdirSync(savedPodLogsDir).map((f) => readFileSync(join(savedPodLogsDir, f), 'utf8')).join('')
    : '';
  const { stdout } = await exec('kubectl', ['logs', '-n', 'rotor-system', '-l', 'app.kubernetes.io/name=rotor', '--tail=-1', '--prefix'], {
    env,
    maxBuffer: 256 << 20,
  }).catch(() => ({ stdout: '' }));
  return saved + stdout;
}
