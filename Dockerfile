# The tierstream worker image (used by docker-compose.yml).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tierstream ./tierstream
COPY streams ./streams
COPY schemas ./schemas
COPY policies ./policies
RUN pip install --no-cache-dir . && useradd --create-home tierstream && mkdir /data && chown tierstream /data
USER tierstream
ENV TIERSTREAM_POLICY_FILE=/app/policies/default.yaml
EXPOSE 6066
CMD ["tierstream", "worker"]
