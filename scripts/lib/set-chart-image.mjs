// Writes the image a release pushed into a copy of the chart's values.yaml, so the published
// chart's default names that image while the source tree names no registry (the source keeps
// its placeholder). Comments and layout are kept (yaml's Document API). Used by
// scripts/release.sh --registry R --owner O, which the release workflow runs with the
// registry it pushed to and the repository owner.
//   node scripts/lib/set-chart-image.mjs VALUES_YAML REGISTRY OWNER
// With an `image.registry` key in values.yaml, that key gets REGISTRY and `image.repository`
// OWNER/rotor; without one, `image.repository` gets REGISTRY/OWNER/rotor.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseDocument } from 'yaml';

const [file, registry, owner] = process.argv.slice(2);
const die = (msg) => {
  process.stderr.write(`set-chart-image: ${msg}\n`);
  process.exit(2);
};
if (!file || !registry || !owner) die('usage: node scripts/lib/set-chart-image.mjs VALUES_YAML REGISTRY OWNER');
// What an OCI reference allows (lower case; registry host[:port][/path]); a mistake here would
// only show up as ImagePullBackOff on a user's cluster.
if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9._-]+)*$/.test(registry)) die(`--registry '${registry}' is not a registry host[:port][/path] in lower case`);
if (!/^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/.test(owner)) die(`--owner '${owner}' must be lower case letters, digits, '.', '_' or '-' (lower-case the repository owner)`);

const doc = parseDocument(readFileSync(file, 'utf8'));
if (!doc.hasIn(['image', 'repository'])) die(`${file} has no image.repository`);
const note = ' Set when this chart was released: where the release pushed the image.';
const set = (key, value) => {
  doc.setIn(['image', key], value);
  const pair = doc.getIn(['image'], true).items.find((p) => p.key.value === key);
  pair.key.commentBefore = note;
};
if (doc.hasIn(['image', 'registry'])) {
  set('registry', registry);
  set('repository', `${owner}/rotor`);
} else {
  set('repository', `${registry}/${owner}/rotor`);
}
writeFileSync(file, doc.toString());
