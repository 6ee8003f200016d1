// The Node.js release Rotor needs. Pure, so it can be checked (and tested) before anything
// else is loaded; kept equal to package.json "engines.node" by a unit test.
export const REQUIRED_NODE = '22.12.0';

/** Why Rotor cannot run on Node.js `version` (e.g. "20.19.0"), or undefined when it can. */
export function nodeVersionProblem(version: string, required = REQUIRED_NODE): string | undefined {
  const have = version.replace(/^v/, '').split('.').map((part) => Number.parseInt(part, 10));
  const need = required.split('.').map((part) => Number.parseInt(part, 10));
  for (let i = 0; i < need.length; i++) {
    const h = Number.isFinite(have[i]) ? have[i]! : 0;
    if (h > need[i]!) return undefined;
    if (h < need[i]!) {
      return `Rotor needs Node.js ${required} or newer (Node.js 24 LTS recommended); this is Node.js ${version}. Run it with a newer node (scripts/ensure-node.sh provides Node.js 24).`;
    }
  }
  return undefined;
}
