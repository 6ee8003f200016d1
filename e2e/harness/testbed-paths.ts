// Where the local test bed lives, shared by the harnesses that run on it (local and node tier).
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../..');

/** The bed's state directory (env.sh, logs, pid files); ROTOR_TESTBED_DIR moves it. */
export const stateDir = process.env.ROTOR_TESTBED_DIR ?? '/tmp/rotor-testbed';

/** Path of a script in e2e/testbed/. */
export const testbed = (script: string): string => join(repo, 'e2e/testbed', script);
