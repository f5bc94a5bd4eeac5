# A judging worker: Celery, the sandbox, and the languages' toolchains.
# Build from the repository root: docker build -f deploy/worker.Dockerfile -t judgebox-worker .
# Run it with the capabilities docs/deploy.md lists (docker-compose.yml has them). The boxes
# bind the toolchains read-only from this image's /usr, so the image is the judging host.
# Build arguments BASE_IMAGE, PIP_NO_INDEX, PIP_FIND_LINKS: as in web.Dockerfile (a site
# without a registry); TOOLCHAINS below.

ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS

# The toolchains of rootfs-templates/ (dev.sh's TOOLCHAIN_PACKAGES), without recommends: about
# 4.5 GB. Leave some out to make a smaller image: the worker self-tests its languages and offers
# only those that work (JUDGEBOX_WORKER_LANGUAGES narrows them further).
ARG TOOLCHAINS="gcc g++ gfortran python3 pypy3 openjdk-17-jdk-headless kotlin nodejs golang-go \
rustc fp-compiler ghc ocaml-nox ruby php-cli perl lua5.4 bash mono-mcs mono-runtime \
clang libgnustep-base-dev nasm gnucobol3 sbcl ldc erlang-base elixir clojure groovy scala \
octave r-base-core gprolog swi-prolog-nox node-typescript sqlite3 gawk tcl rakudo gnat \
chicken-bin racket nim crystal"

# Not pinned (DL3008): a stable release's point updates are security fixes.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv python3-dev gcc libc6-dev libcap-dev libseccomp2 util-linux \
      ca-certificates ${TOOLCHAINS} \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/judgebox
COPY pyproject.toml README.md ./
COPY sandbox sandbox
COPY worker worker
COPY web web
COPY rootfs-templates rootfs-templates
# Debian's python3 (the python3 language's toolchain too) runs the worker, in a venv
RUN python3 -m venv /opt/judgebox/venv \
 && /opt/judgebox/venv/bin/pip install --no-cache-dir ".[postgres]"
COPY deploy/worker-entrypoint.sh /usr/local/bin/judgebox-worker-entrypoint

ENV PATH=/opt/judgebox/venv/bin:$PATH \
    JUDGEBOX_TEMPLATES=/opt/judgebox/rootfs-templates \
    JUDGEBOX_DATA_DIR=/var/lib/judgebox \
    JUDGEBOX_CACHE_DIR=/var/cache/judgebox \
    PYTHONUNBUFFERED=1
# root: the sandbox creates namespaces, mounts, cgroups and switches to each box's own uid
# (61000 + slot); the programs it runs never keep root (docs/sandbox.md)
ENTRYPOINT ["/usr/local/bin/judgebox-worker-entrypoint"]
CMD ["judgebox", "worker"]
