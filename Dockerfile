# syntax=docker/dockerfile:1
# The one image of the production stack (compose.yaml): the gateway with both apps, the
# migrations, the arq workers. Target `bench` adds Locust for the load-test profile.
#
#   docker build -t mvidarr-cutover .                 # runtime (the default, last stage)
#   docker build --target bench -t mvidarr-bench .    # runtime + locust
#
# Everything is configured through the environment (README, "Configuration").

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: a virtualenv with the project and its runtime dependencies ---------------------
# Compilers live only here, for a dependency without a wheel for the platform; the final
# stages copy the finished virtualenv and nothing else.
FROM ${PYTHON_IMAGE} AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential \
    && rm -rf /var/lib/apt/lists/*
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY gateway ./gateway
COPY legacy_flask ./legacy_flask
COPY new_app ./new_app
COPY shared_models ./shared_models
COPY web_ui ./web_ui
COPY benchmarks ./benchmarks
# A regular (not editable) install without the dev extras: the image runs from
# site-packages, so /src can be left behind.
RUN pip install --upgrade pip && pip install .

# --- build-bench: the same virtualenv plus Locust (the version range of the dev extras) ----
FROM build AS build-bench
RUN pip install "locust>=2.25"

# --- base: what every final image has -------------------------------------------------------
FROM ${PYTHON_IMAGE} AS base
# ffmpeg: streaming transcodes, probes and thumbnails. No compilers, no pip cache, no apt
# lists.
RUN apt-get update \
    && apt-get install -y --no-install-recommends ffmpeg \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid/gid so volume ownership is the same on every host.
RUN groupadd --system --gid 10001 mvidarr \
    && useradd --system --uid 10001 --gid mvidarr --home-dir /data --shell /usr/sbin/nologin mvidarr \
    && mkdir -p /data/media /etc/mvgate \
    && chown -R mvidarr:mvidarr /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATA_DIR=/data \
    MEDIA_ROOT=/data/media \
    MVGATE_ROUTES=/etc/mvgate/routing_table.yaml
# The shipped table, used when none is mounted over /etc/mvgate (compose mounts one).
COPY routing_table.yaml /etc/mvgate/routing_table.yaml
# The gateway resolves backend import strings from its working directory first (as uvicorn
# does): an empty directory, so only the installed packages can answer.
WORKDIR /app
EXPOSE 8000

# --- bench: runtime + locust, for the `bench` compose profile -------------------------------
FROM base AS bench
COPY --from=build-bench /opt/venv /opt/venv
USER mvidarr
CMD ["locust", "--help"]

# --- runtime (default target) --------------------------------------------------------------
FROM base AS runtime
COPY --from=build /opt/venv /opt/venv
USER mvidarr
# No HEALTHCHECK here: the same image runs workers and one-shot jobs, which serve no HTTP;
# compose.yaml gives the gateway its health check.
CMD ["mvgate", "serve", "--host", "0.0.0.0", "--port", "8000"]
