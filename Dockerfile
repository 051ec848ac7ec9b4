# The Vitrine API image.
#
#   docker build -t vitrine .
#   docker run --rm -p 8000:8000 vitrine vitrine serve --demo          # embedded mode, SQLite in /data
#   docker run --rm --env-file prod.env vitrine vitrine migrate         # release step, production mode
#
# Production mode (PostgreSQL + Redis) is configured entirely by VITRINE_* variables: see docs/deployment.md
# and deploy/docker-compose.yml.

ARG PYTHON_IMAGE=python:3.11-slim

# ---------------------------------------------------------------------------------------------------------------
# build: install the locked dependencies and the project into /app/.venv
# ---------------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS build

# The uv the lock file was written with (see `uv --version` on a developer machine).
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"

# Use the image's own Python 3.11 (the runtime stage has the same one at the same path, so the venv's interpreter
# link stays valid), never download one; compile bytecode now, since the runtime user cannot write to /app.
ENV UV_PYTHON=/usr/local/bin/python3 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_NO_CACHE=1

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project

# Then the source, and the project itself (an editable install pointing at /app, which the runtime stage keeps).
# README.md is part of the context on purpose: hatchling reads it as the package's readme.
COPY . .
RUN uv sync --locked --no-dev \
 && python -m compileall -q app data domain integrations resolvers schema

# ---------------------------------------------------------------------------------------------------------------
# runtime: the venv and the source, owned by root and read-only for the unprivileged user that runs them
# ---------------------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime

RUN groupadd --system --gid 10001 vitrine \
 && useradd --system --uid 10001 --gid vitrine --home-dir /app --no-create-home --shell /usr/sbin/nologin vitrine \
 && mkdir /data \
 && chown vitrine:vitrine /data

WORKDIR /app
COPY --from=build /app /app

# VITRINE_DATABASE_URL defaults to a SQLite file in /data (writable by the app user; mount a volume there to keep
# it). Production mode overrides it with a postgresql+asyncpg:// URL and sets VITRINE_REDIS_URL.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VITRINE_HOST=0.0.0.0 \
    VITRINE_DATABASE_URL=sqlite+aiosqlite:////data/vitrine.db

USER vitrine:vitrine
EXPOSE 8000

# Liveness only: /healthz answers while the process serves HTTP. Readiness (database, Redis) is /readyz.
# The start period covers the migrations `vitrine serve` applies before it listens.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('VITRINE_PORT', '8000') + '/healthz', timeout=4)" || exit 1

# Applies pending migrations, then serves. With several replicas, run `vitrine migrate` once as a release step
# first (docs/deployment.md), so replicas never race to migrate.
CMD ["vitrine", "serve"]
