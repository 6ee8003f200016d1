// Prints the CycloneDX SBOM of a built operator image, read from its OCI archive, so the SBOM
// lists what the image really ships and not what the source tree declares:
//   - Debian packages: the dpkg database (var/lib/dpkg/status, and status.d/ as distroless has);
//   - npm packages: every node_modules/<name>/package.json (the operator's production
//     dependencies and anything the base image brings, e.g. npm's own);
//   - Go modules: the module list the Go linker embeds in every Go binary, read from each
//     *.wasm / *.wasm.gz (gotemplate.wasm.gz: text/template, sprig, gjson ...). Image scanners
//     do not open a gzipped WebAssembly module, which is why this script exists.
//
//   node scripts/sbom-image.mjs IMAGE.oci.tar [--name REPOSITORY] [--version TAG] [--platform linux/amd64]
//
// Only the files named above are taken out of the layers (GNU tar), layer by layer in order,
// honouring whiteouts, so a package deleted by a later layer is not listed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, existsSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { gunzipSync } from 'node:zlib';

const usage = 'usage: node scripts/sbom-image.mjs IMAGE.oci.tar [--name REPOSITORY] [--version TAG] [--platform OS/ARCH]';
const die = (msg) => {
  process.stderr.write(`sbom-image: ${msg}\n`);
  process.exit(1);
};

// ---- pure parts ----------------------------------------------------------------------------

/** The packages dpkg records as installed, from the text of a status file (or a status.d entry). */
export function parseDpkgStatus(text) {
  const out = [];
  for (const para of text.split(/\n\s*\n/)) {
    const fields = {};
    let last;
    for (const line of para.split('\n')) {
      if (/^\s/.test(line) && last) continue; // continuation lines (Description, Conffiles)
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) fields[(last = m[1].toLowerCase())] = m[2].trim();
    }
    if (!fields.package || !fields.version) continue;
    // status.d entries carry no Status field; the status file lists removed packages too.
    if (fields.status && !/\binstalled$/.test(fields.status)) continue;
    out.push({ name: fields.package, version: fields.version, arch: fields.architecture, source: fields.source?.split(' ')[0] });
  }
  return out;
}

const MODINFO_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const MODINFO_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');

/** The module list the Go linker embedded in a binary (what `go version -m` prints), or undefined. */
export function parseGoModinfo(binary) {
  const start = binary.indexOf(MODINFO_START);
  if (start < 0) return undefined;
  const end = binary.indexOf(MODINFO_END, start);
  if (end < 0) return undefined;
  const text = binary.subarray(start + MODINFO_START.length, end).toString('utf8');
  const info = { path: undefined, main: undefined, deps: [], goVersion: undefined };
  for (const line of text.split('\n')) {
    const [kind, path, version, sum] = line.split('\t');
    if (kind === 'path') info.path = path;
    else if (kind === 'mod') info.main = { path, version, sum };
    else if (kind === 'dep') info.deps.push({ path, version, sum });
    // "=>" replaces the dep just before it: the replacement is what was compiled in.
    else if (kind === '=>' && info.deps.length) info.deps[info.deps.length - 1] = { path, version, sum };
  }
  // runtime.buildVersion is not in the module list; it is the only go1.N.M string of the binary.
  const versions = new Set(binary.toString('latin1').match(/go1\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?/g) ?? []);
  if (versions.size === 1) info.goVersion = [...versions][0];
  return info;
}

/** The npm package a package.json path belongs to, when it is a package's own manifest. */
export function npmManifestPath(path) {
  return /(^|\/)node_modules\/(@[^/]+\/)?[^/@.][^/]*\/package\.json$/.test(path);
}

const purlName = (name) => name.split('/').map(encodeURIComponent).join('/');
const purlNpm = (name, version) => `pkg:npm/${name.startsWith('@') ? `%40${purlName(name.slice(1))}` : purlName(name)}@${encodeURIComponent(version)}`;
const purlDeb = (p, distro) =>
  `pkg:deb/debian/${encodeURIComponent(p.name)}@${encodeURIComponent(p.version)}?${[p.arch && `arch=${p.arch}`, distro && `distro=${distro}`].filter(Boolean).join('&')}`.replace(/\?$/, '');
const purlGo = (path, version) => `pkg:golang/${purlName(path)}@${encodeURIComponent(version)}`;

/** One CycloneDX 1.5 document from what was found in the image. */
export function cyclonedx({ image, debs, npm, wasm, distro }) {
  const components = new Map();
  const add = (c, where, source) => {
    const prev = components.get(c.purl);
    if (prev) {
      prev.properties.push({ name: 'rotor:location', value: where });
      return;
    }
    components.set(c.purl, {
      type: 'library',
      'bom-ref': c.purl,
      ...c,
      properties: [
        { name: 'rotor:source', value: source },
        { name: 'rotor:location', value: where },
        ...(c.properties ?? []),
      ],
    });
  };
  for (const { file, pkg } of debs) {
    add({ name: pkg.name, version: pkg.version, purl: purlDeb(pkg, distro), ...(pkg.source ? { properties: [{ name: 'debian:source', value: pkg.source }] } : {}) }, file, 'debian');
  }
  for (const { file, pkg } of npm) {
    const license = typeof pkg.license === 'string' ? pkg.license : pkg.license?.type;
    add({ name: pkg.name, version: pkg.version, purl: purlNpm(pkg.name, pkg.version), ...(license ? { licenses: [{ license: { name: license } }] } : {}) }, file, 'npm');
  }
  for (const { file, info } of wasm) {
    for (const dep of info.deps) {
      add({ name: dep.path, version: dep.version, purl: purlGo(dep.path, dep.version), ...(dep.sum ? { properties: [{ name: 'go:h1', value: dep.sum }] } : {}) }, file, 'go-module');
    }
    if (info.goVersion) add({ name: 'stdlib', version: info.goVersion, purl: purlGo('stdlib', info.goVersion) }, file, 'go-module');
  }
  const sorted = [...components.values()].sort((a, b) => a.purl.localeCompare(b.purl));
  // Derived from the image digest, so the same image always gets the same document.
  const h = createHash('sha256').update(image.digest).digest('hex');
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`,
    version: 1,
    metadata: {
      tools: { components: [{ type: 'application', name: 'rotor scripts/sbom-image.mjs' }] },
      component: {
        type: 'container',
        'bom-ref': `image@${image.digest}`,
        name: image.name,
        ...(image.version ? { version: image.version } : {}),
        hashes: [{ alg: 'SHA-256', content: image.digest.replace(/^sha256:/, '') }],
        properties: [{ name: 'oci:manifest-digest', value: image.digest }, ...(image.platform ? [{ name: 'oci:platform', value: image.platform }] : [])],
      },
    },
    components: sorted,
    dependencies: [{ ref: `image@${image.digest}`, dependsOn: sorted.map((c) => c['bom-ref']) }],
  };
}

// ---- reading the archive -----------------------------------------------------------------

const wanted = (path) =>
  /^(usr\/lib|etc)\/os-release$/.test(path) ||
  path === 'var/lib/dpkg/status' ||
  /^var\/lib\/dpkg\/status\.d\/[^/]+$/.test(path) ||
  npmManifestPath(path) ||
  /\.wasm(\.gz)?$/.test(path) ||
  /(^|\/)\.wh\.[^/]+$/.test(path);

const blob = (dir, digest) => join(dir, 'blobs', ...digest.split(':'));
const json = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** The image manifest for PLATFORM in an OCI layout folder (an index may nest indexes). */
function pickManifest(dir, platform) {
  let index = json(join(dir, 'index.json'));
  for (let depth = 0; depth < 4; depth++) {
    const images = index.manifests.filter((m) => !m.annotations?.['vnd.docker.reference.type']);
    const byPlatform = images.filter((m) => !platform || !m.platform || `${m.platform.os}/${m.platform.architecture}` === platform);
    const m = byPlatform[0] ?? die(`no image for ${platform} in the archive (has: ${images.map((x) => x.platform && `${x.platform.os}/${x.platform.architecture}`).join(', ')})`);
    if (byPlatform.length > 1 && !platform) die(`the archive holds ${byPlatform.length} images: name one with --platform`);
    if (/index/.test(m.mediaType)) {
      index = json(blob(dir, m.digest));
      continue;
    }
    return m;
  }
  return die('index nesting too deep');
}

function readImage(archive, { platform }) {
  const dir = mkdtempSync(join(tmpdir(), 'rotor-sbom-'));
  try {
    execFileSync('tar', ['-xf', archive, '-C', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (!existsSync(join(dir, 'index.json'))) die(`${archive} is not an OCI archive (no index.json)`);
    const desc = pickManifest(dir, platform);
    const manifest = json(blob(dir, desc.digest));
    // An archive's index need not say the platform (buildah's does not); the config always does.
    const config = json(blob(dir, manifest.config.digest));
    const got = `${config.os}/${config.architecture}`;
    if (platform && got !== platform) die(`no image for ${platform} in the archive (has: ${got})`);
    const root = join(dir, 'rootfs');
    mkdirSync(root);
    for (const layer of manifest.layers) {
      const file = blob(dir, layer.digest);
      const raw = execFileSync('tar', ['-tf', file], { encoding: 'utf8', maxBuffer: 1 << 28 }).split('\n');
      // Layers spell names with or without a leading ./; extraction must use the layer's spelling.
      const dotted = raw.some((n) => n.startsWith('./'));
      const names = raw.map((n) => n.replace(/^\.\//, '')).filter((n) => n && wanted(n));
      // Whiteouts first: they delete what earlier layers put there.
      for (const n of names) {
        const base = posix.basename(n);
        if (base === '.wh..wh..opq') rmSync(join(root, posix.dirname(n)), { recursive: true, force: true });
        else if (base.startsWith('.wh.')) rmSync(join(root, posix.dirname(n), base.slice(4)), { recursive: true, force: true });
      }
      const files = names.filter((n) => !posix.basename(n).startsWith('.wh.'));
      if (!files.length) continue;
      const list = join(dir, 'files.txt');
      writeFileSync(list, files.map((n) => (dotted ? `./${n}` : n)).join('\n') + '\n');
      execFileSync('tar', ['-xf', file, '-C', root, '--no-same-owner', '--no-same-permissions', '--verbatim-files-from', '-T', list], { stdio: ['ignore', 'ignore', 'pipe'] });
    }
    return { root, digest: desc.digest, platform: got, dir };
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
}

function walk(root, rel = '') {
  const out = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(root, p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

function main(argv) {
  const opts = { name: 'rotor', version: undefined, platform: undefined };
  let archive;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--name' || a === '--version' || a === '--platform') opts[a.slice(2)] = argv[++i] ?? die(`${a} needs a value`);
    else if (!archive && !a.startsWith('-')) archive = a;
    else die(usage);
  }
  if (!archive) die(usage);
  if (!existsSync(archive) || !statSync(archive).isFile()) die(`${archive}: no such file`);
  const img = readImage(archive, opts);
  try {
    const files = walk(img.root);
    const osRelease = files.includes('etc/os-release') ? 'etc/os-release' : files.includes('usr/lib/os-release') ? 'usr/lib/os-release' : undefined;
    const osFields = osRelease ? Object.fromEntries(readFileSync(join(img.root, osRelease), 'utf8').split('\n').map((l) => l.split('=')).filter((kv) => kv.length === 2).map(([k, v]) => [k, v.replace(/^"|"$/g, '')])) : {};
    const distro = osFields.ID && osFields.VERSION_ID ? `${osFields.ID}-${osFields.VERSION_ID}` : undefined;
    const debs = files
      .filter((f) => f === 'var/lib/dpkg/status' || f.startsWith('var/lib/dpkg/status.d/'))
      .flatMap((f) => parseDpkgStatus(readFileSync(join(img.root, f), 'utf8')).map((pkg) => ({ file: `/${f}`, pkg })));
    const npm = files
      .filter(npmManifestPath)
      .flatMap((f) => {
        try {
          const pkg = JSON.parse(readFileSync(join(img.root, f), 'utf8'));
          return pkg.name && pkg.version ? [{ file: `/${f}`, pkg }] : [];
        } catch {
          return []; // a fixture or template named package.json, not a manifest
        }
      });
    const wasm = files
      .filter((f) => /\.wasm(\.gz)?$/.test(f))
      .flatMap((f) => {
        const bytes = readFileSync(join(img.root, f));
        const info = parseGoModinfo(f.endsWith('.gz') ? gunzipSync(bytes) : bytes);
        return info ? [{ file: `/${f}`, info }] : [];
      });
    const bom = cyclonedx({ image: { name: opts.name, version: opts.version, digest: img.digest, platform: img.platform }, debs, npm, wasm, distro });
    process.stdout.write(JSON.stringify(bom, null, 2) + '\n');
    process.stderr.write(`sbom-image: ${img.digest} (${img.platform}): ${debs.length} Debian, ${npm.length} npm, ${wasm.reduce((n, w) => n + w.info.deps.length, 0)} Go module entries -> ${bom.components.length} components\n`);
  } finally {
    rmSync(img.dir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2));
