// The real ToolsIO: the process's streams, the clock, and the user's kubeconfig. Kept apart
// from commands.ts so its tests never touch a real cluster.
import { connectToolsCluster } from './cluster.js';
import type { ToolsIO } from './commands.js';

export const processIO: ToolsIO = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  connect: (options) => connectToolsCluster({ ...(options.kubeconfig !== undefined ? { kubeconfigPath: options.kubeconfig } : {}), ...(options.context !== undefined ? { context: options.context } : {}) }),
  now: () => new Date(),
};
