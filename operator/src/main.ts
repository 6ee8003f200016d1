// Entry point: flags/env -> config, heap sized to the container's memory limit, then the
// operator (operator.ts). Only light modules are imported before the heap is sized, since
// sizing it may re-execute the process.
import './platform/require-node.js'; // first: refuses an old Node.js before anything loads undici
import { pathToFileURL } from 'node:url';
import { ConfigError, VersionRequested, parseConfig, type OperatorConfig } from './config.js';
import { applyHeapSizing } from './platform/heap.js';
import { VERSION } from './platform/version.js';

async function main(): Promise<void> {
  let config: OperatorConfig;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof VersionRequested) {
      process.stdout.write(`rotor ${VERSION}\n`);
      process.exit(0);
    }
    if (error instanceof ConfigError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${(error as Error).message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const heap = applyHeapSizing();
  const [{ createLogger }, { runOperator, fatal }] = await Promise.all([import('./platform/log.js'), import('./operator.js')]);
  const logger = createLogger({ level: config.logLevel, base: { component: 'rotor' } });
  logger.info({ version: VERSION, leaderElect: config.leaderElect, namespace: config.namespace, heap }, 'rotor starting');
  const stop = await runOperator(config, logger);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      stop()
        .then(() => process.exit(0))
        .catch((error: unknown) => fatal(logger, 'shutdown failed', error));
    });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    process.stderr.write(`rotor: ${(error as Error)?.message ?? String(error)}\n`);
    process.exit(1);
  });
}
