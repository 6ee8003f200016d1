// Runs the tools a user runs — kubectl, aws, helm — with the test bed's environment.
// Tests drive Rotor only through these, the way the AWS and Rotor guides do.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { inject } from 'vitest';

const exec = promisify(execFile);

export interface CliResult {
  stdout: string;
  stderr: string;
}

/** The environment the harness prepared (PATH with kubectl/aws/helm, KUBECONFIG, AWS_*). */
export function bedEnv(): NodeJS.ProcessEnv {
  return { ...process.env, ...inject('rotorEnv') };
}

export async function run(cmd: string, args: string[], options: { input?: string; allowFail?: boolean } = {}): Promise<CliResult & { code: number }> {
  try {
    const child = exec(cmd, args, { env: bedEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
    if (options.input !== undefined) {
      child.child.stdin?.end(options.input);
    }
    const { stdout, stderr } = await child;
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: number | string };
    const result = { stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: typeof e.code === 'number' ? e.code : 1 };
    if (options.allowFail) return result;
    throw new Error(`${cmd} ${args.join(' ')} failed (${String(e.code)}): ${result.stderr || result.stdout}`);
  }
}

export async function kubectl(...args: string[]): Promise<string> {
  return (await run('kubectl', args)).stdout;
}

export async function kubectlJson<T = any>(...args: string[]): Promise<T> {
  return JSON.parse(await kubectl(...args, '-o', 'json')) as T;
}

/** kubectl apply -f - with a YAML/JSON document (or several). */
export async function apply(manifest: string, ...args: string[]): Promise<string> {
  return (await run('kubectl', ['apply', '-f', '-', ...args], { input: manifest })).stdout;
}

/** aws CLI against LocalStack; returns parsed JSON output when there is any. */
export async function aws<T = any>(...args: string[]): Promise<T> {
  const { stdout } = await run('aws', [...args, '--output', 'json']);
  return (stdout.trim() ? JSON.parse(stdout) : {}) as T;
}

/** Secret data value, decoded. */
export async function secretValue(namespace: string, name: string, key: string): Promise<string | undefined> {
  const secret = await kubectlJson<{ data?: Record<string, string> }>('get', 'secret', name, '-n', namespace);
  const v = secret.data?.[key];
  return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
}
