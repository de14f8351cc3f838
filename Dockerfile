# The one image of the service: `crawler` is its entry point, the sub-command its
# argument (docker-compose.yml runs `migrate`, `worker` and `schedule` from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first (cached while only the code changes), then the code.
COPY pyproject.toml README.md ./
COPY crawler ./crawler
COPY pipelines ./pipelines
RUN pip install . \
    && useradd --system --uid 10001 --no-create-home --home-dir /app crawler

USER crawler

# /metrics and /healthz when CRAWLER_METRICS_PORT=9410 (docker-compose.yml sets it).
EXPOSE 9410

ENTRYPOINT ["crawler"]
CMD ["worker"]
