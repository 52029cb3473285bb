# The tierstream worker image, used by docker-compose.yml for the workers, the topic
# creation job and the synthetic producer. Slim base, every dependency pinned
# (deploy/requirements.lock), runs as an unprivileged user.
#   docker build -t tierstream .
#   docker run --rm tierstream tierstream --help

# Build stage: wheels of the pinned dependencies and of the project.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
COPY deploy/requirements.lock ./
RUN pip wheel --no-deps --wheel-dir /wheels -r requirements.lock
COPY pyproject.toml README.md ./
COPY tierstream ./tierstream
COPY streams ./streams
COPY schemas ./schemas
RUN pip wheel --no-deps --wheel-dir /wheels .

# Run stage: only the installed wheels, the policies and an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    TIERSTREAM_POLICY_FILE=/app/policies/default.yaml \
    TIERSTREAM_DATA_DIR=/data \
    TIERSTREAM_WEB_BIND=0.0.0.0
RUN --mount=type=bind,from=build,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-deps /wheels/*.whl \
    && useradd --system --uid 10001 --create-home tierstream \
    && mkdir -p /data && chown tierstream /data
WORKDIR /app
COPY --chown=root:root policies ./policies
USER tierstream
EXPOSE 6066
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:6066/healthz', timeout=4)"]
CMD ["tierstream", "worker"]
