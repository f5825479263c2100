# The user-code image of the docker-compose deployment (docker-compose.yml): the homeiq-assets
# package with Dagster's webserver, daemon, Postgres storage and Docker run launcher, and
# pre-trained models, so models load on the first start with no training.
#
#   docker compose build            # or: docker build -t homeiq-assets .
#
# Stage `models` runs `homeiq prepare-for-production` on a small fleet while the image is built
# (launched runs on a throw-away local instance, no daemon needed) and keeps only the models and
# the readiness report; the final image copies them, and deploy/entrypoint.sh puts them on the
# data volume when it is empty. Set PRETRAIN_HOMES=0 to build without pre-trained models.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS base
# torch is pinned (constraints.txt); its CPU-only wheels come from PyTorch's own index
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ENV PIP_NO_CACHE_DIR=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/homeiq
COPY pyproject.toml constraints.txt README.md ./
COPY homeiq_assets ./homeiq_assets
RUN pip install --extra-index-url "${TORCH_INDEX}" -c constraints.txt '.[deploy]'

FROM base AS models
ARG PRETRAIN_HOMES=40
ARG PRETRAIN_DAYS=14
ARG PRETRAIN_BENCHMARK_HOMES=24
ARG PRETRAIN_BENCHMARK_DAYS=28
ENV HOMEIQ_DATA_DIR=/opt/homeiq/pretrain HOMEIQ_TRAINING_ENABLED=false
RUN mkdir -p /opt/homeiq/pretrained/models /opt/homeiq/pretrained/reports \
    && if [ "${PRETRAIN_HOMES}" -gt 0 ]; then \
         homeiq prepare-for-production --allow-low-quality --cycle pretrained \
           --homes "${PRETRAIN_HOMES}" --days "${PRETRAIN_DAYS}" \
           --benchmark-homes "${PRETRAIN_BENCHMARK_HOMES}" \
           --benchmark-days "${PRETRAIN_BENCHMARK_DAYS}" \
         && cp -R "${HOMEIQ_DATA_DIR}/models/." /opt/homeiq/pretrained/models/ \
         && cp -R "${HOMEIQ_DATA_DIR}/reports/." /opt/homeiq/pretrained/reports/ ; \
       fi \
    && rm -rf "${HOMEIQ_DATA_DIR}"

FROM base AS runtime
COPY --from=models /opt/homeiq/pretrained /opt/homeiq/pretrained
COPY deploy/dagster.yaml deploy/workspace.yaml /opt/dagster/home/
COPY deploy/entrypoint.sh /usr/local/bin/homeiq-entrypoint
ENV DAGSTER_HOME=/opt/dagster/home HOMEIQ_DATA_DIR=/data
RUN mkdir -p /data
VOLUME /data
ENTRYPOINT ["homeiq-entrypoint"]
# the user-code gRPC server; the webserver and the daemon override the command
CMD ["dagster", "api", "grpc", "-h", "0.0.0.0", "-p", "4000", "-m", "homeiq_assets.definitions"]
