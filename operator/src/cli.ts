// Entry of the `rotor` command (bin/rotor.mjs, the image's /usr/local/bin/rotor, and the
// kubectl plugin kubectl-rotor): user-facing tools, kept apart from the operator's entry
// (main.ts) so the operator never loads them and they never start the operator.
import './platform/require-node.js'; // first: refuses an old Node.js before anything loads undici
import { VERSION } from './platform/version.js';

const USAGE = `rotor ${VERSION} — tools for Rotor, the operator that syncs AWS secrets into Kubernetes

Usage:
  rotor migrate ...     convert External Secrets Operator manifests, or hand a cluster over (rotor migrate --help)
  rotor --version       print the version
  rotor --help          this text

The operator itself runs from operator/dist/main.js (the image's entrypoint).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'migrate') {
    const { runMigrate } = await import('./migrate/cli.js');
    return runMigrate(rest);
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`rotor ${VERSION}\n`);
    return 0;
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  process.stderr.write(`rotor: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rotor: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = 4;
  },
);
