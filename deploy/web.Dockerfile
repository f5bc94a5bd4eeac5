# judgebox's web app (native API, Judge0 API, pages, /metrics) under gunicorn.
# Build from the repository root: docker build -f deploy/web.Dockerfile -t judgebox-web .
# It judges nothing, so it needs no capability and runs as an unprivileged user; it imports
# the sandbox's data types, hence libseccomp2 and libcap2 at run time.

FROM python:3.11-slim-bookworm AS build
# python-prctl builds against libcap's headers. Debian packages are not pinned (DL3008): a
# stable release's point updates are security fixes, and pinned versions vanish from its mirror.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev libcap-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sandbox sandbox
COPY worker worker
COPY web web
RUN pip wheel --no-cache-dir --wheel-dir /wheels ".[postgres]"

FROM python:3.11-slim-bookworm
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libcap2 libseccomp2 \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 999 judgebox \
 && useradd --system --uid 999 --gid 999 --home-dir /var/lib/judgebox --create-home judgebox
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels "judgebox[postgres]==0.1.0" \
 && rm -rf /wheels
COPY rootfs-templates /opt/judgebox/rootfs-templates
COPY deploy/gunicorn.conf.py /opt/judgebox/gunicorn.conf.py
ENV JUDGEBOX_TEMPLATES=/opt/judgebox/rootfs-templates \
    JUDGEBOX_DATA_DIR=/var/lib/judgebox \
    JUDGEBOX_CACHE_DIR=/var/lib/judgebox/cache \
    PYTHONUNBUFFERED=1
USER 999:999
WORKDIR /var/lib/judgebox
EXPOSE 2358
HEALTHCHECK --interval=10s --timeout=3s --retries=3 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:2358/healthz', timeout=2)"]
# gthread workers, JSON logs when JUDGEBOX_LOG_FORMAT=json: deploy/gunicorn.conf.py
CMD ["gunicorn", "--config", "/opt/judgebox/gunicorn.conf.py", "web:create_app()"]
