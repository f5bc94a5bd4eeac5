# judgebox's web app (native API, Judge0 API, pages, /metrics) under gunicorn.
# Build from the repository root: docker build -f deploy/web.Dockerfile -t judgebox-web .
# It judges nothing, so it needs no capability and runs as an unprivileged user; it imports
# the sandbox's data types, hence libseccomp2 and libcap2 at run time.
#
# Build arguments, for a site without a registry (docs/deploy.md, "Without a registry"):
# BASE_IMAGE, a Debian 12 image of its own (e.g. made with debootstrap and `docker import`);
# PIP_NO_INDEX=1 with PIP_FIND_LINKS=<url or folder of a wheelhouse>, read by pip as its own
# settings. Left unset, the image comes from the registry and the packages from PyPI.

ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS build
ARG PIP_NO_INDEX
ARG PIP_FIND_LINKS
# python-prctl builds against libcap's headers. Debian packages are not pinned (DL3008): a
# stable release's point updates are security fixes, and pinned versions vanish from its mirror.
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 python3-venv python3-dev gcc libc6-dev libcap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sandbox sandbox
COPY worker worker
COPY web web
# The pages' code editor is bundled before the build, as the image takes it (./dev.sh does it;
# by hand: cd web/editor && npm ci --ignore-scripts && npm run build): web/static/editor.js.
RUN test -f web/static/editor.js \
 || { echo "web/static/editor.js is missing: build the editor first (web/editor/README.md)" >&2; \
      exit 1; }
# Debian's python3 in a venv, carried whole into the final stage
RUN python3 -m venv /opt/judgebox/venv \
 && /opt/judgebox/venv/bin/pip install --no-cache-dir ".[postgres]"

FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      python3 libcap2 libseccomp2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 999 judgebox \
 && useradd --system --uid 999 --gid 999 --home-dir /var/lib/judgebox --create-home judgebox
COPY --from=build /opt/judgebox/venv /opt/judgebox/venv
COPY rootfs-templates /opt/judgebox/rootfs-templates
COPY deploy/gunicorn.conf.py /opt/judgebox/gunicorn.conf.py
ENV PATH=/opt/judgebox/venv/bin:$PATH \
    JUDGEBOX_TEMPLATES=/opt/judgebox/rootfs-templates \
    JUDGEBOX_DATA_DIR=/var/lib/judgebox \
    JUDGEBOX_CACHE_DIR=/var/lib/judgebox/cache \
    PYTHONUNBUFFERED=1
USER 999:999
WORKDIR /var/lib/judgebox
EXPOSE 2358
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["python3", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('JUDGEBOX_BIND', ':2358').rsplit(':', 1)[1] + '/healthz', timeout=2)"]
# gthread workers, JSON logs when JUDGEBOX_LOG_FORMAT=json: deploy/gunicorn.conf.py
CMD ["gunicorn", "--config", "/opt/judgebox/gunicorn.conf.py", "web:create_app()"]
