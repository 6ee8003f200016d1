// Brings the harness up once for the whole suite and tears it down after; the teardown
// also fails the run if any secret value a test used appears anywhere in the operator log.
import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { Harness } from './types.js';
import { LocalHarness } from './local.js';
import { KindHarness } from './kind.js';
import { NodeHarness } from './node.js';

declare module 'vitest' {
  export interface ProvidedContext {
    rotorEnv: Record<string, string>;
    rotorInfo: string;
    secretValuesFile: string;
  }
}

const stateDir = resolve(import.meta.dirname, '../.state');
const secretValuesFile = join(stateDir, 'secret-values.txt');

/** ROTOR_E2E_HARNESS: unset/local (control plane only), node (node tier, no Docker), kind (Docker). */
function pickHarness(name: string | undefined): Harness {
  switch (name ?? 'local') {
    case 'local':
      return new LocalHarness();
    case 'node':
      return new NodeHarness();
    case 'kind':
      return new KindHarness();
    default:
      throw new Error(`ROTOR_E2E_HARNESS=${name}: expected local, node or kind`);
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const harness = pickHarness(process.env.ROTOR_E2E_HARNESS);
  mkdirSync(stateDir, { recursive: true });
  rmSync(secretValuesFile, { force: true });
  let info;
  try {
    info = await harness.setup();
  } catch (error) {
    await harness.teardown().catch(() => undefined);
    throw error;
  }
  project.provide('rotorEnv', info.env);
  project.provide('rotorInfo', JSON.stringify(info));
  project.provide('secretValuesFile', secretValuesFile);

  return async () => {
    const log = await harness.operatorLog();
    await harness.teardown();
    const values = existsSync(secretValuesFile) ? readFileSync(secretValuesFile, 'utf8').split('\n').filter((v) => v.length >= 6) : [];
    const leaks = values.filter((v) => log.includes(v) || log.includes(Buffer.from(v).toString('base64')));
    if (log.length === 0) throw new Error('operator log is empty: the secret-leak scan would prove nothing');
    if (leaks.length > 0) {
      throw new Error(`operator log contains ${leaks.length} secret value(s) used by the tests (first starts with "${leaks[0]!.slice(0, 3)}…"); see the operator log`);
    }
    console.log(`secret-leak scan: ${values.length} secret values checked against ${log.length} bytes of operator log, none found`);
  };
}
