"""Prometheus metrics and health checks of workers and schedulers.

With ``CRAWLER_METRICS_PORT`` set (0 or unset: off), each ``crawler worker`` and
``crawler schedule`` serves, on ``CRAWLER_METRICS_HOST`` (default 127.0.0.1):

* ``GET /metrics``: Prometheus text format, every name prefixed ``crawler_`` and labelled
  with ``worker``: pages fetched, requests, responses by status, items scraped / stored /
  duplicate / rejected / dropped, errors by kind, retries, frontier size and leases (read
  from Redis when scraped), and for a scheduler its firings, errors and next due times;
  plus the standard ``process_*`` metrics.
* ``GET /healthz``: ``200 ok`` while Redis and PostgreSQL answer, ``503`` with one line per
  reason otherwise.

Workers get these from :class:`MetricsExtension` (a Scrapy extension, listed in
``EXTENSIONS``); the scheduler from :func:`serve_scheduler_metrics`. Give each process
its own port (in docker-compose every container has its own address, so one port is fine).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector

from crawler.connections import safe_url

if TYPE_CHECKING:
    import psycopg
    import redis
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

#: Scrapy stats exported as counters: (metric name without ``crawler_`` and ``_total``, help, stat keys summed).
STAT_COUNTERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("pages_fetched", "Responses received (pages fetched).", ("response_received_count",)),
    ("requests", "Requests sent by the downloader.", ("downloader/request_count",)),
    ("items_scraped", "Items that passed every pipeline.", ("item_scraped_count",)),
    ("items_stored", "Articles written to PostgreSQL as new content.", ("store/stored",)),
    ("items_duplicate", "Articles whose content was already stored (their URL is recorded).", ("store/duplicates",)),
    ("items_rejected", "Items refused (kept in rejected_items).", ("validate/rejected", "store/errors")),
    ("items_versions", "Pages whose content changed since they were last stored.", ("store/versions",)),
    ("items_unchanged", "Pages fetched again with unchanged content.", ("store/unchanged",)),
    ("items_dropped", "Items dropped by a pipeline for any reason.", ("item_dropped_count",)),
    ("retries", "Requests retried.", ("retry/count",)),
    ("bytes_downloaded", "Response bytes downloaded.", ("downloader/response_bytes",)),
    ("frontier_enqueued", "Requests this worker pushed to the Redis frontier.", ("scheduler/enqueued/redis",)),
    ("frontier_filtered", "Requests not pushed because their URL was seen.", ("scheduler/filtered",)),
    ("frontier_popped", "Requests this worker leased from the frontier.", ("frontier/popped",)),
    ("frontier_acked", "Leased requests this worker finished.", ("frontier/acked",)),
    (
        "leases_reclaimed",
        "Expired leases of other (dead) workers this worker put back.",
        ("frontier/lease_expired_reclaimed",),
    ),
    ("leases_lost", "Leases this worker held that expired before it finished them.", ("frontier/lease_lost",)),
)
#: Error kinds of ``crawler_errors_total``: kind -> stat key.
ERROR_KINDS: tuple[tuple[str, str], ...] = (
    ("download", "downloader/exception_count"),
    ("spider", "spider_exceptions/count"),
    ("retry_exhausted", "retry/max_reached"),
    ("store", "store/errors"),
    ("redis", "frontier/redis_errors"),
    ("gave_up", "frontier/gave_up"),
    ("log_error", "log_count/ERROR"),
    ("log_critical", "log_count/CRITICAL"),
)
_STATUS_PREFIX = "downloader/response_status_count/"
_SANITIZE = re.compile(r"[^a-zA-Z0-9_]")


def _snapshot(stats: Callable[[], Mapping[str, Any]]) -> dict[str, Any]:
    """A copy of a stats dict another thread may be writing."""
    for _ in range(5):
        try:
            return dict(stats())
        except RuntimeError:  # dictionary changed size during iteration
            time.sleep(0)
    return {}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    return None


class StatsCollector(Collector):
    """Exports a Scrapy stats dict (read when scraped) as ``crawler_*`` counters."""

    def __init__(self, stats: Callable[[], Mapping[str, Any]], worker: str) -> None:
        self.stats = stats
        self.worker = worker

    def collect(self) -> Iterable[Metric]:
        snap = _snapshot(self.stats)
        for name, doc, keys in STAT_COUNTERS:
            family = CounterMetricFamily(f"crawler_{name}", doc, labels=["worker"])
            family.add_metric([self.worker], sum(_number(snap.get(k)) or 0.0 for k in keys))
            yield family
        errors = CounterMetricFamily("crawler_errors", "Errors by kind.", labels=["worker", "kind"])
        for kind, key in ERROR_KINDS:
            errors.add_metric([self.worker, kind], _number(snap.get(key)) or 0.0)
        yield errors
        responses = CounterMetricFamily("crawler_responses", "Responses by HTTP status.", labels=["worker", "status"])
        for key, value in sorted(snap.items()):
            if key.startswith(_STATUS_PREFIX) and _number(value) is not None:
                responses.add_metric([self.worker, key[len(_STATUS_PREFIX) :]], _number(value) or 0.0)
        yield responses
        start = snap.get("start_time")
        if isinstance(start, datetime):
            up = GaugeMetricFamily(
                "crawler_start_time_seconds", "When the crawl started (Unix time).", labels=["worker"]
            )
            up.add_metric([self.worker], start.timestamp())
            yield up


class FrontierCollector(Collector):
    """Frontier size, leases and other counts of the shared Redis frontier, read when scraped.

    ``counts`` returns a mapping of numbers (``crawler.frontier.stats.frontier_counts``);
    each becomes a gauge ``crawler_frontier_<key>``. The result is cached ``cache_seconds``.
    """

    def __init__(self, counts: Callable[[], Mapping[str, Any]], worker: str, *, cache_seconds: float = 1.0) -> None:
        self.counts = counts
        self.worker = worker
        self.cache_seconds = cache_seconds
        self._cached: tuple[float, Mapping[str, Any]] | None = None
        self._lock = threading.Lock()

    def _read(self) -> Mapping[str, Any] | None:
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            try:
                counts = self.counts()
            except Exception as exc:
                logger.debug("frontier counts unavailable: %s", exc)
                return None
            self._cached = (now, counts)
            return counts

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily(
            "crawler_frontier_up", "1 when the frontier counts could be read from Redis.", labels=["worker"]
        )
        counts = self._read()
        up.add_metric([self.worker], 0.0 if counts is None else 1.0)
        yield up
        if counts is None:
            return
        for key, value in sorted(counts.items()):
            # A mapping (e.g. ``workers``: id -> seconds since last seen) is exported as its size.
            number = float(len(value)) if isinstance(value, Mapping) else _number(value)
            if number is None:
                continue
            name = _SANITIZE.sub("_", str(key)).strip("_").lower()
            family = GaugeMetricFamily(
                f"crawler_frontier_{name}", f"Frontier count {key!r} (shared by all workers).", labels=["worker"]
            )
            family.add_metric([self.worker], number)
            yield family


def frontier_counts_reader(client: redis.Redis, prefix: str) -> Callable[[], Mapping[str, Any]]:
    """A callable returning ``crawler.frontier.stats.frontier_counts(client, prefix)``."""

    def read() -> Mapping[str, Any]:
        from crawler.frontier.stats import frontier_counts

        return frontier_counts(client, prefix)

    return read


class HealthCheck:
    """Whether Redis and PostgreSQL answer; cached for ``cache_seconds``, thread-safe.

    Keeps one connection to each and reconnects after a failure.
    """

    def __init__(self, *, redis_url: str, database_url: str, timeout: float = 2.0, cache_seconds: float = 1.0) -> None:
        self.redis_url = redis_url
        self.database_url = database_url
        self.timeout = timeout
        self.cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._cached: tuple[float, list[str]] | None = None
        self._redis: redis.Redis | None = None
        self._pg: psycopg.Connection | None = None

    def _check_redis(self) -> str | None:
        import redis as redis_lib

        try:
            if self._redis is None:
                self._redis = redis_lib.Redis.from_url(
                    self.redis_url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout
                )
            self._redis.ping()
            return None
        except redis_lib.RedisError as exc:
            if self._redis is not None:
                self._redis.close()
            self._redis = None
            return f"redis: {safe_url(self.redis_url)} does not answer: {exc}"

    def _check_pg(self) -> str | None:
        import psycopg

        try:
            if self._pg is None or self._pg.closed:
                self._pg = psycopg.connect(
                    self.database_url, autocommit=True, connect_timeout=max(1, int(self.timeout))
                )
            self._pg.execute("SELECT 1")
            return None
        except psycopg.Error as exc:
            if self._pg is not None:
                self._pg.close()
            self._pg = None
            return f"postgresql: {safe_url(self.database_url)} does not answer: {str(exc).strip()}"

    def problems(self) -> list[str]:
        """Reasons the process is unhealthy (empty when healthy)."""
        with self._lock:
            now = time.monotonic()
            if self._cached is not None and now - self._cached[0] < self.cache_seconds:
                return self._cached[1]
            found = [p for p in (self._check_redis(), self._check_pg()) if p]
            self._cached = (time.monotonic(), found)
            return found

    def close(self) -> None:
        with self._lock:
            if self._redis is not None:
                self._redis.close()
            if self._pg is not None:
                self._pg.close()
            self._redis = self._pg = None


class MetricsServer:
    """Serves ``/metrics`` from ``registry`` and ``/healthz`` from ``health`` in a daemon thread.

    :param health: returns the reasons of ill health (empty: healthy); None: always healthy.
    """

    def __init__(
        self,
        registry: CollectorRegistry,
        health: Callable[[], list[str]] | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.registry = registry
        self.health = health
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None
        self.scheduler_metrics: SchedulerMetrics | None = None
        self._on_stop: list[Callable[[], None]] = []

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        host = self._httpd.server_address[0]
        host = host.decode() if isinstance(host, bytes) else str(host)
        return f"http://{host}:{self.port}"

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/metrics":
                    self._send(200, generate_latest(server.registry), CONTENT_TYPE_LATEST)
                elif path in ("/healthz", "/health"):
                    problems = server.health() if server.health is not None else []
                    body = ("\n".join(problems) if problems else "ok") + "\n"
                    self._send(503 if problems else 200, body.encode(), "text/plain; charset=utf-8")
                else:
                    self._send(404, b"not found: try /metrics or /healthz\n", "text/plain; charset=utf-8")

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def on_stop(self, func: Callable[[], None]) -> None:
        """Call ``func`` when the server stops (closing health-check connections)."""
        self._on_stop.append(func)

    def start(self) -> MetricsServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.1}, name="crawler-metrics", daemon=True
        )
        self._thread.start()
        logger.info("metrics on %s/metrics, health on %s/healthz", self.url, self.url)
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread = None
        self._httpd.server_close()
        for func in self._on_stop:
            func()


class SchedulerMetrics:
    """Counters of one scheduler: firings and URLs enqueued per entry, errors, due times."""

    def __init__(self, registry: CollectorRegistry, worker: str) -> None:
        self.worker = worker
        self.firings = Counter(
            "crawler_schedule_firings",
            "Schedule slots fired by this scheduler.",
            ["worker", "entry"],
            registry=registry,
        )
        self.enqueued = Counter(
            "crawler_schedule_enqueued_urls",
            "URLs enqueued by schedule firings.",
            ["worker", "entry"],
            registry=registry,
        )
        self.errors = Counter(
            "crawler_schedule_errors",
            "Failed firings (entry name) and Redis outages (redis).",
            ["worker", "entry"],
            registry=registry,
        )
        self.last_fired = Gauge(
            "crawler_schedule_last_fired_timestamp_seconds",
            "When this scheduler last fired the entry (Unix time).",
            ["worker", "entry"],
            registry=registry,
        )
        self.next_due = Gauge(
            "crawler_schedule_next_due_timestamp_seconds",
            "The entry's next slot (Unix time).",
            ["worker", "entry"],
            registry=registry,
        )

    def register_entry(self, entry: str) -> None:
        for metric in (self.firings, self.enqueued, self.errors):
            metric.labels(self.worker, entry)

    def fired(self, entry: str, enqueued: int, at: datetime) -> None:
        self.firings.labels(self.worker, entry).inc()
        self.enqueued.labels(self.worker, entry).inc(enqueued)
        self.last_fired.labels(self.worker, entry).set(at.timestamp())

    def error(self, entry: str) -> None:
        self.errors.labels(self.worker, entry).inc()

    def set_next_due(self, entry: str, due: datetime) -> None:
        self.next_due.labels(self.worker, entry).set(due.timestamp())


def _base_registry() -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=True)
    ProcessCollector(registry=registry)
    return registry


def serve_scheduler_metrics(settings: Any, *, worker: str | None = None) -> MetricsServer | None:
    """Start the scheduler's metrics server (None when ``CRAWLER_METRICS_PORT`` is 0 or unset)."""
    from crawler.logs import resolve_worker_id

    port = int(settings.getint("CRAWLER_METRICS_PORT") or 0)
    if port <= 0:
        return None
    worker = worker or resolve_worker_id(settings.get("CRAWLER_WORKER_ID")) + "/scheduler"
    registry = _base_registry()
    metrics = SchedulerMetrics(registry, worker)
    health = HealthCheck(
        redis_url=settings.get("REDIS_URL"),
        database_url=settings.get("DATABASE_URL"),
        timeout=min(settings.getfloat("CRAWLER_CONNECT_TIMEOUT"), 5.0),
    )
    frontier_client = _redis_for_counts(settings)
    registry.register(
        FrontierCollector(frontier_counts_reader(frontier_client, settings.get("CRAWLER_REDIS_PREFIX")), worker)
    )
    server = MetricsServer(registry, health.problems, host=settings.get("CRAWLER_METRICS_HOST"), port=port)
    server.scheduler_metrics = metrics
    server.on_stop(health.close)
    server.on_stop(frontier_client.close)
    return server.start()


def _redis_for_counts(settings: Any) -> redis.Redis:
    import redis as redis_lib

    timeout = min(settings.getfloat("CRAWLER_CONNECT_TIMEOUT"), 5.0)
    return redis_lib.Redis.from_url(settings.get("REDIS_URL"), socket_connect_timeout=timeout, socket_timeout=timeout)


class MetricsExtension:
    """Scrapy extension: serves the worker's ``/metrics`` and ``/healthz`` while it crawls.

    Disabled (``NotConfigured``) when ``CRAWLER_METRICS_PORT`` is 0. Reads the crawler's
    stats when scraped, so it adds no work per request.
    """

    def __init__(
        self,
        *,
        host: str,
        port: int,
        worker: str,
        stats: Callable[[], Mapping[str, Any]],
        redis_url: str,
        database_url: str,
        prefix: str,
        timeout: float = 2.0,
    ) -> None:
        self.host = host
        self.port = port
        self.worker = worker
        self.stats = stats
        self.redis_url = redis_url
        self.database_url = database_url
        self.prefix = prefix
        self.timeout = timeout
        self.server: MetricsServer | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MetricsExtension:
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        from crawler.logs import resolve_worker_id

        settings = crawler.settings
        port = settings.getint("CRAWLER_METRICS_PORT")
        if port <= 0:
            raise NotConfigured("CRAWLER_METRICS_PORT is 0: no metrics endpoint")
        assert crawler.stats is not None
        ext = cls(
            host=settings.get("CRAWLER_METRICS_HOST"),
            port=port,
            worker=resolve_worker_id(settings.get("CRAWLER_WORKER_ID")),
            stats=crawler.stats.get_stats,
            redis_url=settings.get("REDIS_URL"),
            database_url=settings.get("DATABASE_URL"),
            prefix=settings.get("CRAWLER_REDIS_PREFIX"),
            timeout=min(settings.getfloat("CRAWLER_CONNECT_TIMEOUT"), 5.0),
        )
        crawler.signals.connect(ext.engine_started, signal=signals.engine_started)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def start(self) -> MetricsServer:
        """Bind the port and serve (called when the engine starts)."""
        import redis as redis_lib

        registry = _base_registry()
        registry.register(StatsCollector(self.stats, self.worker))
        client = redis_lib.Redis.from_url(
            self.redis_url, socket_connect_timeout=self.timeout, socket_timeout=self.timeout
        )
        registry.register(FrontierCollector(frontier_counts_reader(client, self.prefix), self.worker))
        health = HealthCheck(redis_url=self.redis_url, database_url=self.database_url, timeout=self.timeout)
        self.server = MetricsServer(registry, health.problems, host=self.host, port=self.port)
        self.server.on_stop(health.close)
        self.server.on_stop(client.close)
        return self.server.start()

    def engine_started(self) -> None:
        try:
            self.start()
        except OSError as exc:
            logger.error("metrics endpoint not started: cannot bind %s:%s (%s)", self.host, self.port, exc)

    def engine_stopped(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
