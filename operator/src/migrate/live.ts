// `rotor migrate --live` wiring: kubeconfig -> cluster adapter -> handover -> YAML, report,
// exit code. Loaded only with --live, so converting files never loads the Kubernetes client.
import { hasLosses } from './convert.js';
import { connectCluster } from './cluster.js';
import { handover } from './handover.js';
import { toYamlStream } from './inputs.js';
import { EXIT, loadKinds, writeReport, type MigrateFlags, type MigrateIO } from './io.js';
import type { MigrateCluster } from './cluster.js';

export async function runLive(flags: MigrateFlags, io: MigrateIO, cluster?: MigrateCluster): Promise<number> {
  const kinds = loadKinds(flags.crds);
  let target: MigrateCluster;
  try {
    target =
      cluster ??
      connectCluster({
        ...(flags.kubeconfig !== undefined ? { kubeconfigPath: flags.kubeconfig } : {}),
        ...(flags.context !== undefined ? { context: flags.context } : {}),
      });
  } catch (error) {
    io.stderr(`rotor migrate: ${(error as Error).message}\n`);
    return EXIT.usage;
  }
  let result;
  try {
    result = await handover(target, kinds, {
      ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
      dryRun: flags.dryRun,
      deleteEso: flags.deleteEso,
      timeoutMs: flags.timeoutMs,
      log: (line) => io.stderr(`${line}\n`),
    });
  } catch (error) {
    // Reading ESO's objects failed (API server away, no permission): nothing was changed.
    io.stderr(`rotor migrate: ${(error as Error).message}\n`);
    return EXIT.handoverFailed;
  }
  if (result.rotorObjects.length > 0) {
    const yaml = toYamlStream(result.rotorObjects);
    if (flags.output) io.writeFile(flags.output, yaml);
    else if (flags.dryRun) io.stdout(yaml);
  }
  const commands =
    result.deleteCommands.length > 0
      ? `${flags.dryRun ? 'After the handover' : 'Once you are ready'}, delete ESO's objects (their Secrets are Rotor's then, so the garbage collector keeps them):\n${result.deleteCommands.map((c) => `  ${c}`).join('\n')}\n`
      : '';
  writeReport(flags, io, result.findings, { converted: result.converted, passedThrough: 0 }, commands);
  if (result.failed) return EXIT.handoverFailed;
  return hasLosses(result.findings) ? EXIT.incomplete : EXIT.ok;
}
