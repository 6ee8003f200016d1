// Entry of the `rotor` command (bin/rotor.mjs, the image's /usr/local/bin/rotor, and the
// kubectl plugin kubectl-rotor): user-facing tools, kept apart from the operator's entry
// (main.ts) so the operator never loads them and they never start the operator.
import './platform/require-node.js'; // first: refuses an old Node.js before anything loads undici
import { VERSION } from './platform/version.js';

const USAGE = `rotor ${VERSION} — tools for Rotor, the operator that syncs AWS secrets into Kubernetes

Usage:
  rotor migrate ...            convert External Secrets Operator manifests, or hand a cluster over (rotor migrate --help)
  rotor status es NAME [-n NS] the Ready condition, synced versions, last Event and what to do
  rotor refresh es|ces NAME    refresh now (sets rotor.dev/force-sync)
  rotor iam policy ...         an IAM policy from docs/iam with your account, region and prefix (rotor iam --help)
  rotor completion bash|zsh    shell completion: source <(rotor completion bash)
  rotor --version [-o json]    print the version
  rotor --help                 this text

Also a kubectl plugin: kubectl rotor status es NAME (bin/rotor.mjs on PATH as kubectl-rotor).
The operator itself runs from operator/dist/main.js (the image's entrypoint).
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'migrate') {
    const { runMigrate } = await import('./migrate/cli.js');
    return runMigrate(rest);
  }
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const tools = await import('./cli/commands.js');
  const io = await import('./cli/io.js');
  switch (command) {
    case '--version':
    case 'version':
      return tools.runVersion(rest, io.processIO, VERSION);
    case 'status':
      return tools.runStatus(rest, io.processIO);
    case 'refresh':
      return tools.runRefresh(rest, io.processIO);
    case 'iam':
      return tools.runIam(rest, io.processIO);
    case 'completion':
      return tools.runCompletion(rest, io.processIO);
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
