# Sourced by the image scripts: buildah with its own storage in the build cache, so images
# persist between runs like the rest of the test bed and nothing lands in the host's
# default /var/lib/containers.
ROTOR_CACHE="${ROTOR_CACHE:-$HOME/.cache/rotor}"
BUILDAH_ROOT="${ROTOR_BUILDAH_ROOT:-$ROTOR_CACHE/buildah/storage}"
BUILDAH_RUNROOT="${ROTOR_BUILDAH_RUNROOT:-$ROTOR_CACHE/buildah/run}"

command -v buildah >/dev/null || {
  echo "buildah is needed to build images without Docker (apt-get install buildah)" >&2
  exit 1
}

bh() { buildah --root "$BUILDAH_ROOT" --runroot "$BUILDAH_RUNROOT" --storage-driver overlay "$@"; }

# Uncompressed size in bytes of IMAGE (its layers as a docker-archive; buildah itself only
# prints rounded, human-readable sizes).
image_size() {
  bh push --quiet "$1" docker-archive:/dev/stdout | wc -c
}
