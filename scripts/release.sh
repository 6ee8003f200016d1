#!/usr/bin/env bash
# Builds every release artifact of Rotor into one folder: the local equivalent of the release
# workflow (.github/workflows/release.yml runs this script for the chart, the CRD bundle, the
# SBOM and the checksums; see docs/releasing.md).
#   rotor-<v>.tgz                 the Helm chart (helm package), CRDs included as templates/crds/; its
#                                 image default is <registry>/<owner>/rotor when --registry/--owner are given
#   rotor-crds-<v>.yaml           the CRD bundle: kubectl apply --server-side --force-conflicts -f rotor-crds-<v>.yaml
#   rotor-<v>.oci.tar             the operator image built from the Dockerfile, as an OCI archive
#                                 (buildah, as the in-cluster test tier builds it; no registry)
#   rotor-<v>.sbom.cdx.json       CycloneDX SBOM of that image: Debian packages, npm packages and the
#                                 Go modules inside gotemplate.wasm (scripts/sbom-image.mjs)
#   SHA256SUMS                    checksums of the files above, verified before the script ends
# The version is package.json's; Chart.yaml's version/appVersion and CHANGELOG.md must agree
# (the script refuses otherwise). The operator reports it with --version and logs it at start.
#
#   scripts/release.sh [--out DIR] [--registry HOST[:PORT][/PATH] --owner OWNER]
#                      [--skip-image | --image-archive FILE]
#
# --registry/--owner: where the image is (or will be) pushed; written into the packaged chart's
#   image default and the archive's image name. Without them the chart keeps the source's placeholder.
# --image-archive FILE: an OCI archive built elsewhere (the workflow's buildx build); the SBOM is
#   made from it and the archive is not copied into the output.
# --skip-image: no image and so no SBOM (chart, CRD bundle and checksums only).
#
# Publishing (the workflow does it; by hand):
#   skopeo copy oci-archive:rotor-<v>.oci.tar docker://<registry>/<owner>/rotor:<v>
#   helm push rotor-<v>.tgz oci://<registry>/<owner>/charts
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
eval "$(scripts/ensure-node.sh)"

usage="usage: $0 [--out DIR] [--registry HOST --owner OWNER] [--skip-image | --image-archive FILE]"
out="" skip_image="${ROTOR_RELEASE_SKIP_IMAGE:-}" registry="" owner="" image_archive=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --registry) registry="${2:?--registry needs a registry host}"; shift 2 ;;
    --owner) owner="${2:?--owner needs the repository owner}"; shift 2 ;;
    --image-archive) image_archive="$(realpath -m "${2:?--image-archive needs a file}")"; shift 2 ;;
    --skip-image) skip_image=1; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
log() { printf '[release] %s\n' "$*" >&2; }
die() { printf '[release] error: %s\n' "$*" >&2; exit 1; }
if [ -n "$registry" ] && [ -z "$owner" ]; then die "--registry needs --owner (the repository owner, e.g. your GitHub user or organisation)"; fi
if [ -z "$registry" ] && [ -n "$owner" ]; then die "--owner needs --registry"; fi
if [ -n "$image_archive" ] && [ -n "$skip_image" ]; then die "--image-archive and --skip-image exclude each other"; fi
if [ -n "$image_archive" ] && [ ! -f "$image_archive" ]; then die "--image-archive $image_archive: no such file"; fi

version="$(node -p 'require("./package.json").version')"
chart_version="$(sed -n 's/^version: *//p' charts/rotor/Chart.yaml | tr -d '"')"
app_version="$(sed -n 's/^appVersion: *//p' charts/rotor/Chart.yaml | tr -d '"')"
[ "$chart_version" = "$version" ] || die "charts/rotor/Chart.yaml version is $chart_version, package.json says $version"
[ "$app_version" = "$version" ] || die "charts/rotor/Chart.yaml appVersion is $app_version, package.json says $version"
grep -q "^## \[$version\] - [0-9]\{4\}-[0-9]\{2\}-[0-9]\{2\}" CHANGELOG.md || die "CHANGELOG.md has no '## [$version] - YYYY-MM-DD' section"
scripts/sync-crds.sh --check >/dev/null || die "the chart's CRD templates differ from crds/: run scripts/sync-crds.sh"

out="${out:-$repo/dist/release/$version}"
rm -rf "$out" && mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log "Rotor $version -> $out"

# helm: PATH, else the test bed's cache.
# The cache holds the bed's pinned version (versions.env); a text sort of helm-* would pick v3.9 over v3.22.
helm_bin="$(command -v helm || true)"
if [ -z "$helm_bin" ]; then
  helm_bin="${ROTOR_CACHE:-$HOME/.cache/rotor}/helm-$(sed -n 's/^HELM_VERSION=//p' e2e/testbed/versions.env)/bin/helm"
fi
[ -x "$helm_bin" ] || die "helm not found (PATH or $helm_bin; e2e/testbed/build.sh builds it)"

# 1. The operator, compiled, and its version stamp checked.
npm run --silent build
got="$(node operator/dist/main.js --version)"
[ "$got" = "rotor $version" ] || die "operator/dist/main.js --version printed '$got', want 'rotor $version'"

# 2. Chart (its image default set to where the image goes) and CRD bundle.
cp -r charts/rotor "$work/rotor"
if [ -n "$registry" ]; then
  node scripts/lib/set-chart-image.mjs "$work/rotor/values.yaml" "$registry" "$owner" || die "cannot set the chart's image default"
  image_repo="$registry/$owner/rotor"
else
  image_repo="$(node -e 'const y=require("yaml");const v=y.parse(require("fs").readFileSync(process.argv[1],"utf8")).image;console.log(v.registry?`${v.registry}/${v.repository}`:v.repository)' charts/rotor/values.yaml)"
fi
log "image: $image_repo:$version"
"$helm_bin" lint --strict "$work/rotor" >/dev/null
"$helm_bin" package "$work/rotor" --destination "$out" >/dev/null
bundle="$out/rotor-crds-$version.yaml"
{
  echo "# Rotor $version CustomResourceDefinitions, for installs with crds.enabled=false (GitOps). Apply"
  echo "# before installing or upgrading the chart, with --force-conflicts (Helm may own them):"
  echo "#   kubectl apply --server-side --force-conflicts -f rotor-crds-$version.yaml"
  echo "# The same CRDs from the chart itself:"
  echo "#   helm template rotor rotor-$version.tgz --version $version --show-only 'templates/crds/*.yaml' | kubectl apply --server-side --force-conflicts -f -"
  for f in crds/*.yaml; do echo "---"; grep -v '^---$' "$f"; done
} >"$bundle"

# 3. The image, as an OCI archive, and its SBOM.
sbom() {
  node scripts/sbom-image.mjs "$1" --name "$image_repo" --version "$version" --platform linux/amd64 >"$out/rotor-$version.sbom.cdx.json"
}
if [ -n "$image_archive" ]; then
  log "image: given ($image_archive), SBOM only"
  sbom "$image_archive"
elif [ -n "$skip_image" ]; then
  log "image: skipped (--skip-image), and so the SBOM"
elif [ -x e2e/image/build.sh ] && command -v buildah >/dev/null; then
  log "image: building from the Dockerfile with buildah (e2e/image/build.sh; base image made locally, no registry)"
  t0=$SECONDS
  ROTOR_IMAGE_TAG="$version" e2e/image/build.sh
  # shellcheck source=/dev/null
  source e2e/image/buildah.sh
  bh push --quiet "docker.io/library/rotor:$version" "oci-archive:$out/rotor-$version.oci.tar:$image_repo:$version" >/dev/null
  log "image: $((SECONDS - t0))s"
  sbom "$out/rotor-$version.oci.tar"
elif command -v docker >/dev/null && docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
  log "image: building from the Dockerfile with docker buildx"
  docker buildx build --platform linux/amd64 --output "type=oci,dest=$out/rotor-$version.oci.tar" -t "$image_repo:$version" .
  sbom "$out/rotor-$version.oci.tar"
else
  die "no image builder here (needs buildah, apt-get install buildah, or docker buildx); --skip-image builds the rest"
fi

(cd "$out" && sha256sum -- * >SHA256SUMS && sha256sum --quiet -c SHA256SUMS) || die "checksums do not verify"
log "done:"
ls -l "$out" >&2
