#!/usr/bin/env bash
# Builds every release artifact of Rotor into one folder, ready for any CI to publish:
#   rotor-<v>.tgz                 the Helm chart (helm package), CRDs included as templates/crds/
#   rotor-crds-<v>.yaml           the CRD bundle: kubectl apply --server-side --force-conflicts -f rotor-crds-<v>.yaml
#   rotor-<v>.oci.tar             the operator image built from the Dockerfile, as an OCI archive
#                                 (skipped, with a message, when no image builder is available)
#   rotor-<v>.sbom.cdx.json       SBOM of the production npm dependencies (CycloneDX, scripts/sbom-production.mjs)
#   SHA256SUMS                    checksums of the files above
# The version is package.json's; Chart.yaml's version/appVersion and CHANGELOG.md must agree
# (the script refuses otherwise). The operator reports it with --version and logs it at start.
#
#   scripts/release.sh [--out DIR] [--skip-image]
#
# Publishing (not done here): push the image to $ROTOR_IMAGE_REPOSITORY (the chart's default,
# the placeholder registry.example.com/rotor/rotor) and the chart to an OCI or HTTP chart repo:
#   skopeo copy oci-archive:rotor-<v>.oci.tar docker://<registry>/rotor/rotor:<v>
#   helm push rotor-<v>.tgz oci://<registry>/charts
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
eval "$(scripts/ensure-node.sh)"

out="" skip_image="${ROTOR_RELEASE_SKIP_IMAGE:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --skip-image) skip_image=1; shift ;;
    *) echo "usage: $0 [--out DIR] [--skip-image]" >&2; exit 2 ;;
  esac
done
log() { printf '[release] %s\n' "$*" >&2; }
die() { printf '[release] error: %s\n' "$*" >&2; exit 1; }

version="$(node -p 'require("./package.json").version')"
chart_version="$(sed -n 's/^version: *//p' charts/rotor/Chart.yaml | tr -d '"')"
app_version="$(sed -n 's/^appVersion: *//p' charts/rotor/Chart.yaml | tr -d '"')"
[ "$chart_version" = "$version" ] || die "charts/rotor/Chart.yaml version is $chart_version, package.json says $version"
[ "$app_version" = "$version" ] || die "charts/rotor/Chart.yaml appVersion is $app_version, package.json says $version"
grep -q "^## \[$version\]" CHANGELOG.md || die "CHANGELOG.md has no '## [$version]' section"
scripts/sync-crds.sh --check >/dev/null || die "the chart's CRD templates differ from crds/: run scripts/sync-crds.sh"

out="${out:-$repo/dist/release/$version}"
rm -rf "$out" && mkdir -p "$out"
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

# 2. Chart and CRD bundle.
"$helm_bin" lint --strict charts/rotor >/dev/null
"$helm_bin" package charts/rotor --destination "$out" >/dev/null
bundle="$out/rotor-crds-$version.yaml"
{
  echo "# Rotor $version CustomResourceDefinitions, for installs with crds.enabled=false (GitOps). Apply"
  echo "# before installing or upgrading the chart, with --force-conflicts (Helm may own them):"
  echo "#   kubectl apply --server-side --force-conflicts -f rotor-crds-$version.yaml"
  echo "# The same CRDs from the chart itself:"
  echo "#   helm template rotor rotor-$version.tgz --version $version --show-only 'templates/crds/*.yaml' | kubectl apply --server-side --force-conflicts -f -"
  for f in crds/*.yaml; do echo "---"; grep -v '^---$' "$f"; done
} >"$bundle"

# 3. SBOM of what the image ships (production dependencies).
node scripts/sbom-production.mjs >"$out/rotor-$version.sbom.cdx.json"

# 4. The image, as an OCI archive.
if [ -n "$skip_image" ]; then
  log "image: skipped (--skip-image)"
elif [ -x e2e/image/build.sh ] && command -v buildah >/dev/null; then
  log "image: building from the Dockerfile with buildah (e2e/image/build.sh)"
  ROTOR_IMAGE_TAG="$version" e2e/image/build.sh
  # shellcheck source=/dev/null
  source e2e/image/buildah.sh
  bh push --quiet "docker.io/library/rotor:$version" "oci-archive:$out/rotor-$version.oci.tar:${ROTOR_IMAGE_REPOSITORY:-registry.example.com/rotor/rotor}:$version" >/dev/null
elif command -v docker >/dev/null && docker info >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1; then
  log "image: building from the Dockerfile with docker buildx"
  docker buildx build --output "type=oci,dest=$out/rotor-$version.oci.tar" -t "${ROTOR_IMAGE_REPOSITORY:-registry.example.com/rotor/rotor}:$version" .
else
  log "image: SKIPPED — no image builder here (needs buildah with e2e/image/build.sh, or docker buildx)."
  log "       Build it yourself: docker build -t <registry>/rotor/rotor:$version . && docker push <registry>/rotor/rotor:$version"
fi

(cd "$out" && sha256sum -- * >SHA256SUMS)
log "done:"
ls -l "$out" >&2
