#!/usr/bin/env node
// The `rotor` command (also installed as `kubectl-rotor`, so `kubectl rotor migrate` works).
// Runs the compiled CLI; from a checkout, run `npm run build` first.
import { existsSync } from 'node:fs';

const cli = new URL('../operator/dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write('rotor: operator/dist/cli.js is missing; run `npm run build` in the checkout first\n');
  process.exit(2);
}
await import(cli.href);
