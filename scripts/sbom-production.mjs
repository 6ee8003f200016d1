// Prints the CycloneDX SBOM of the production dependencies (what the image ships).
// `npm sbom --omit dev` drops every package that is also reachable from a dev dependency
// (npm's `.dev` selector matches any dev edge), e.g. `yaml`, which the operator needs and vitest
// also pulls in. So: the full SBOM, narrowed to what `npm ls --omit dev` (npm's own dev flags,
// the ones `npm prune --omit=dev` in the Dockerfile uses) says is installed for production.
import { execFileSync } from 'node:child_process';

const npm = (...args) => execFileSync('npm', args, { encoding: 'utf8', maxBuffer: 64 << 20 });
const keep = new Set();
// A tree in which a package repeated elsewhere is listed without its children ("deduped"), so
// every entry is visited.
const walk = (deps) => {
  for (const [name, dep] of Object.entries(deps ?? {})) {
    if (dep.version) keep.add(`${name}@${dep.version}`);
    walk(dep.dependencies);
  }
};
walk(JSON.parse(npm('ls', '--omit', 'dev', '--all', '--json')).dependencies);

const sbom = JSON.parse(npm('sbom', '--sbom-format', 'cyclonedx'));
const root = sbom.metadata.component['bom-ref'];
const kept = (ref) => ref === root || keep.has(ref);
sbom.components = sbom.components.filter((c) => keep.has(`${c.name}@${c.version}`));
const refs = new Set([root, ...sbom.components.map((c) => c['bom-ref'])]);
sbom.dependencies = sbom.dependencies.filter((d) => refs.has(d.ref) && kept(d.ref)).map((d) => ({ ...d, dependsOn: (d.dependsOn ?? []).filter((r) => refs.has(r)) }));
process.stdout.write(JSON.stringify(sbom, null, 2) + '\n');
