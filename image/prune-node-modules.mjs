// Removes from a production node_modules (and the compiled operator) what Node never loads
// at run time: source maps, TypeScript declarations, type-only packages and docs. Run by the
// Dockerfile's build stage after `npm prune --omit=dev`; it needs only Node, so it works the
// same on every base image. Licence files are kept.
//   node image/prune-node-modules.mjs DIR...
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const dropFile = /(\.map|\.d\.ts|\.d\.mts|\.d\.cts|\.tsbuildinfo|^(README|CHANGELOG|HISTORY)(\.md|\.markdown|\.txt)?)$/i;
const dropDir = new Set(['dist-types', '@types', 'docs', '.github']);

let removed = 0;
function prune(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (dropDir.has(entry.name)) {
        removed += du(path);
        rmSync(path, { recursive: true, force: true });
      } else {
        prune(path);
      }
    } else if (entry.isFile() && dropFile.test(entry.name)) {
      removed += statSync(path).size;
      rmSync(path);
    }
  }
}

function du(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, name) => sum + du(join(path, name)), 0);
}

for (const dir of process.argv.slice(2)) prune(dir);
console.log(`prune-node-modules: removed ${(removed / 1048576).toFixed(1)} MiB`);
