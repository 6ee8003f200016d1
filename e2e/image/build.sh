#!/usr/bin/env bash
# Builds the Rotor operator image from the repository's own Dockerfile.
#   e2e/image/build.sh [--archive FILE]    # image docker.io/library/rotor:$ROTOR_IMAGE_TAG (default e2e)
# With Docker on the host (ROTOR_IMAGE_BUILDER=docker, as e2e/kind uses) it runs `docker build`.
# Otherwise (the default here: no Docker daemon, no image registry) it uses buildah with
# --pull=never; the Dockerfile's base image `node:24-bookworm-slim` is then provided locally
# under that same name by base.sh (Debian packages + the Node 24 binary from the npm registry).
# --archive writes the image as a docker-archive tarball (for `ctr images import`).
# Prints the image size (uncompressed, as the runtime stores it) on stderr.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
TAG="${ROTOR_IMAGE_TAG:-e2e}"
IMAGE="docker.io/library/rotor:$TAG"
archive=""
case "${1:-}" in
  --archive) archive="${2:?--archive needs a file}" ;;
  "") ;;
  *) echo "usage: $0 [--archive FILE]" >&2; exit 2 ;;
esac
log() { printf '[image] %s\n' "$*" >&2; }

if [[ "${ROTOR_IMAGE_BUILDER:-buildah}" == docker ]]; then
  docker build -t "rotor:$TAG" "$repo"
  [[ -z "$archive" ]] || docker save -o "$archive" "rotor:$TAG"
  log "rotor:$TAG: $(docker image inspect -f '{{.Size}}' "rotor:$TAG") bytes"
  exit 0
fi

# shellcheck source=buildah.sh
source "$here/buildah.sh"
"$here/base.sh"
t0=$SECONDS
log "building $IMAGE from $repo/Dockerfile (buildah, --pull=never)"
# chroot isolation: the RUN steps (npm ci, tsc) need no container runtime and use the host's
# network to reach the npm registry, exactly as `docker build` does by default.
# A host that reaches the npm registry only through a TLS proxy with its own CA (npm's
# `cafile`, or NODE_EXTRA_CA_CERTS) lends that trust to the RUN steps as build-time mounts,
# which no layer keeps. Otherwise the host's system bundle is lent, which is harmless.
mounts=()
cafile="${NODE_EXTRA_CA_CERTS:-$(npm config get cafile 2>/dev/null || true)}"
[[ -f "$cafile" ]] || cafile=/etc/ssl/certs/ca-certificates.crt
if [[ -f "$cafile" && "$cafile" != null ]]; then
  npmrc="$(mktemp)"
  trap 'rm -f "$npmrc"' EXIT
  printf 'cafile=/usr/local/etc/build-ca.crt\n' >"$npmrc"
  mounts=(--volume "$cafile:/usr/local/etc/build-ca.crt:ro" --volume "$npmrc:/usr/local/etc/npmrc:ro")
fi
bh build --pull=never --layers --isolation chroot --network host "${mounts[@]}" \
  -f "$repo/Dockerfile" -t "$IMAGE" "$repo" >"${ROTOR_IMAGE_LOG:-/dev/null}"
# No `rmi --prune` here: the build stage's untagged images are the layer cache (npm ci).
size="$(image_size "$IMAGE")"
log "$IMAGE built in $((SECONDS - t0))s, $size bytes uncompressed ($((size / 1048576)) MiB)"
if [[ -n "$archive" ]]; then
  rm -f "$archive"
  bh push --quiet "$IMAGE" "docker-archive:$archive:$IMAGE" >/dev/null
fi
