// Imported first by main.ts, and evaluated before every other module: on an older Node.js the
// HTTP client (undici, loaded by the Kubernetes and AWS clients) crashes while loading with
// "Cannot read properties of undefined (reading 'bind')". Say instead what is needed, and stop.
import { nodeVersionProblem } from './node-version.js';

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
