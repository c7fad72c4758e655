# syntax=docker/dockerfile:1
# Tessera's one image: the operator and the in-pod mover (`tessera operator`, `tessera transfer …`),
# run from one bundled file, tagged with the chart's appVersion. Builds anywhere with the standard tools:
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

# The command and every dependency bundled (scripts/bundle-cli.sh --split: ES modules, each command's
# code in chunks of its own), and the dashboard's page, with the devDependencies that needs in this
# stage only: the image gets the bundle and three static files, no node_modules. Node then neither
# strips TypeScript nor resolves hundreds of modules when an operator or a mover starts (an idle
# operator: 101 MiB RSS, not 152; a mover's start 61 MiB).
#
# --ignore-scripts: the npm package `node` (a dependency so that `npm ci` on a workstation brings
# Node 24) would download a second Node binary in its preinstall; the base image already has Node.
# No other dependency has an install script.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=ca,required=false \
    --mount=type=cache,target=/root/.npm,sharing=locked \
    NODE_EXTRA_CA_CERTS="$([ -r /run/secrets/ca ] && echo /run/secrets/ca)" \
    npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/bundle-cli.sh ./scripts/
COPY src ./src
RUN sh scripts/bundle-cli.sh --split /app/dist/tessera && node src/ui/build.ts /app/dist/tessera/ui

FROM ${NODE_IMAGE}
# nonroot, numeric, so the restricted Pod Security profile's runAsNonRoot can verify it.
RUN groupadd --gid 65532 nonroot \
 && useradd --uid 65532 --gid 65532 --home-dir /home/nonroot --create-home --shell /usr/sbin/nologin nonroot
WORKDIR /app
# ui/ beside the bundle's chunks: where `tessera ui --in-cluster` looks for the page.
COPY --from=build /app/dist/tessera/ ./tessera/
ENV NODE_ENV=production HOME=/home/nonroot
USER 65532:65532
ENTRYPOINT ["node", "/app/tessera/tessera.mjs"]
CMD ["--help"]
