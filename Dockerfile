# syntax=docker/dockerfile:1
# Rotor operator image: build with the full toolchain, run on slim Node 24 as uid 65532.
#   docker build -t rotor:0.1.0 .

# ---- build: compile TypeScript, then drop dev dependencies --------------------------------
FROM node:24-bookworm-slim AS build
WORKDIR /app
# Manifests first so the dependency layer is cached until they change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY operator/src ./operator/src
COPY image/prune-node-modules.mjs ./image/
# Production dependencies only, without source maps, type declarations and docs (~30 MiB).
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && node image/prune-node-modules.mjs node_modules operator/dist

# ---- runtime: only the compiled operator and production dependencies, non-root ----------
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build --chown=65532:65532 /app/package.json ./package.json
COPY --from=build --chown=65532:65532 /app/node_modules ./node_modules
COPY --from=build --chown=65532:65532 /app/operator/dist ./operator/dist
# The Go template engine (ESO's text/template + sprig, as WebAssembly), committed prebuilt.
COPY --chown=65532:65532 operator/gotemplate/gotemplate.wasm.gz ./operator/gotemplate/gotemplate.wasm.gz
# The `rotor` command (rotor migrate; also kubectl-rotor) and the CRDs it checks manifests against.
COPY --chown=65532:65532 crds ./crds
COPY --chown=65532:65532 bin/rotor.mjs ./bin/rotor.mjs
# What `rotor iam policy` and `rotor status` print from: the same files the docs link.
COPY --chown=65532:65532 docs/iam ./docs/iam
COPY --chown=65532:65532 docs/troubleshooting.md ./docs/troubleshooting.md
COPY image/rotor.sh /usr/local/bin/rotor
COPY image/rotor.sh /usr/local/bin/kubectl-rotor
# The chart also sets runAsUser 65532 and a read-only root filesystem (writable /tmp emptyDir).
USER 65532:65532
EXPOSE 8080 8081
ENTRYPOINT ["node", "operator/dist/main.js"]
