"""Metrics and health endpoints, over real HTTP on real ports, against the real backends."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from conftest import TEST_REDIS_URL
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from scrapy import Spider
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.localservices import free_port
from crawler.metrics import (
    FrontierCollector,
    HealthCheck,
    MetricsExtension,
    MetricsServer,
    StatsCollector,
    serve_scheduler_metrics,
)

CLOSED_REDIS = "redis://127.0.0.1:{port}/0"
CLOSED_PG = "postgresql://postgres@127.0.0.1:{port}/postgres"


def get(url: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def value(text: str, name: str, **labels: str) -> float:
    return samples(text)[(name, tuple(sorted(labels.items())))]


STATS: dict[str, Any] = {
    "response_received_count": 12,
    "downloader/request_count": 14,
    "downloader/response_status_count/200": 11,
    "downloader/response_status_count/503": 1,
    "item_scraped_count": 9,
    "store/stored": 7,
    "store/duplicates": 2,
    "validate/rejected": 1,
    "validate/rejected/missing_title": 1,
    "store/errors": 1,
    "downloader/exception_count": 2,
    "spider_exceptions/count": 1,
    "spider_exceptions/ValueError": 1,
    "log_count/ERROR": 3,
    "frontier/lease_expired_reclaimed": 4,
    "start_time": datetime(2025, 10, 15, tzinfo=UTC),
}


def test_stats_become_crawler_metrics_over_http() -> None:
    registry = CollectorRegistry()
    registry.register(StatsCollector(lambda: STATS, "w1"))
    registry.register(
        FrontierCollector(lambda: {"queued": 5, "leased": 2, "workers": {"a": 1.0, "b": 3.5}, "note": "text"}, "w1")
    )
    server = MetricsServer(registry, host="127.0.0.1", port=free_port()).start()
    try:
        status, ctype, text = get(server.url + "/metrics")
    finally:
        server.stop()
    assert status == 200 and ctype.startswith("text/plain")
    assert value(text, "crawler_pages_fetched_total", worker="w1") == 12
    assert value(text, "crawler_items_stored_total", worker="w1") == 7
    assert value(text, "crawler_items_duplicate_total", worker="w1") == 2
    assert value(text, "crawler_items_rejected_total", worker="w1") == 2  # validation + store refusals
    assert value(text, "crawler_responses_total", worker="w1", status="503") == 1
    assert value(text, "crawler_errors_total", worker="w1", kind="download") == 2
    assert value(text, "crawler_errors_total", worker="w1", kind="spider") == 1
    assert value(text, "crawler_errors_total", worker="w1", kind="store") == 1
    assert value(text, "crawler_leases_reclaimed_total", worker="w1") == 4
    assert value(text, "crawler_frontier_queued", worker="w1") == 5
    assert value(text, "crawler_frontier_leased", worker="w1") == 2
    assert value(text, "crawler_frontier_up", worker="w1") == 1
    assert value(text, "crawler_frontier_workers", worker="w1") == 2
    names = {name for name, _ in samples(text)}
    assert all(n.startswith("crawler_") for n in names), names
    assert "crawler_frontier_note" not in names  # only numbers become gauges


def test_frontier_counts_failure_is_reported_not_raised() -> None:
    def broken() -> dict[str, int]:
        raise redis.ConnectionError("down")

    registry = CollectorRegistry()
    registry.register(FrontierCollector(broken, "w1"))
    server = MetricsServer(registry, host="127.0.0.1", port=free_port()).start()
    try:
        status, _, text = get(server.url + "/metrics")
        assert get(server.url + "/nope")[0] == 404
    finally:
        server.stop()
    assert status == 200 and value(text, "crawler_frontier_up", worker="w1") == 0


def test_healthz_200_while_backends_answer(pg_url: str) -> None:
    health = HealthCheck(redis_url=TEST_REDIS_URL, database_url=pg_url)
    server = MetricsServer(CollectorRegistry(), health.problems, host="127.0.0.1", port=free_port()).start()
    try:
        assert get(server.url + "/healthz") == (200, "text/plain; charset=utf-8", "ok\n")
    finally:
        server.stop()
        health.close()


def test_healthz_503_names_each_reason(pg_url: str) -> None:
    health = HealthCheck(
        redis_url=CLOSED_REDIS.format(port=free_port()), database_url=CLOSED_PG.format(port=free_port()), timeout=1
    )
    server = MetricsServer(CollectorRegistry(), health.problems, host="127.0.0.1", port=free_port()).start()
    try:
        status, _, body = get(server.url + "/healthz")
    finally:
        server.stop()
        health.close()
    assert status == 503
    lines = body.strip().splitlines()
    assert lines[0].startswith("redis: redis://127.0.0.1:") and "does not answer" in lines[0]
    assert lines[1].startswith("postgresql: postgresql://postgres@127.0.0.1:") and "does not answer" in lines[1]


def test_healthz_recovers_when_a_backend_comes_back(pg_url: str) -> None:
    health = HealthCheck(redis_url=TEST_REDIS_URL, database_url=pg_url, cache_seconds=0)
    assert health.problems() == []
    health.database_url = CLOSED_PG.format(port=free_port())
    health._pg.close()  # type: ignore[union-attr]  # the server "went away"
    assert [p.split(":")[0] for p in health.problems()] == ["postgresql"]
    health.database_url = pg_url
    assert health.problems() == []
    health.close()


def test_worker_extension_is_off_without_a_port() -> None:
    crawler = get_crawler(Spider, {"CRAWLER_METRICS_PORT": 0})
    with pytest.raises(NotConfigured):
        MetricsExtension.from_crawler(crawler)


def test_worker_extension_serves_the_crawlers_stats(make_settings: Any, redis_client: redis.Redis) -> None:
    port = free_port()
    settings = make_settings(CRAWLER_METRICS_PORT=port, CRAWLER_WORKER_ID="worker-a")
    values = settings.copy_to_dict()
    for key in ("TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "EXTENSIONS"):  # no reactor in this process
        values.pop(key, None)
    crawler = get_crawler(Spider, values)
    ext = MetricsExtension.from_crawler(crawler)
    assert crawler.stats is not None
    crawler.stats.set_value("response_received_count", 3)
    crawler.stats.set_value("store/stored", 2)
    ext.engine_started()
    try:
        status, _, text = get(f"http://127.0.0.1:{port}/metrics")
        health = get(f"http://127.0.0.1:{port}/healthz")
    finally:
        ext.engine_stopped()
    assert status == 200
    assert value(text, "crawler_pages_fetched_total", worker="worker-a") == 3
    assert value(text, "crawler_items_stored_total", worker="worker-a") == 2
    assert "process_cpu_seconds_total" in text
    assert health[0] == 200
    with pytest.raises(urllib.error.URLError):  # the port is closed once the engine stops
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)


def test_scheduler_metrics_server(make_settings: Any) -> None:
    port = free_port()
    settings = make_settings(CRAWLER_METRICS_PORT=port, CRAWLER_WORKER_ID="s")
    server = serve_scheduler_metrics(settings)
    assert server is not None and server.scheduler_metrics is not None
    try:
        server.scheduler_metrics.register_entry("news")
        server.scheduler_metrics.fired("news", 3, datetime(2025, 10, 15, tzinfo=UTC))
        server.scheduler_metrics.error("redis")
        status, _, text = get(f"http://127.0.0.1:{port}/metrics")
        assert get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    finally:
        server.stop()
    assert status == 200
    assert value(text, "crawler_schedule_firings_total", worker="s/scheduler", entry="news") == 1
    assert value(text, "crawler_schedule_enqueued_urls_total", worker="s/scheduler", entry="news") == 3
    assert value(text, "crawler_schedule_errors_total", worker="s/scheduler", entry="redis") == 1
    assert serve_scheduler_metrics(make_settings(CRAWLER_METRICS_PORT=0)) is None


@pytest.mark.slow
def test_a_running_worker_serves_metrics_and_health(crawler_env: dict[str, str], db: Any) -> None:
    """A real ``crawler worker`` crawling a local site: its /metrics count the pages and
    articles, its /healthz answers 200, the port closes when it exits, and with
    CRAWLER_LOG_FORMAT=json every log line is a JSON object naming the worker (and the URL)."""
    import json
    import subprocess
    import sys
    import time

    from crawler.demo.site import ChainSite, SiteServer

    site = ChainSite(boards=1, posts_per_board=8, seed=3)
    port = free_port()
    env = dict(
        crawler_env,
        CRAWLER_METRICS_PORT=str(port),
        CRAWLER_WORKER_ID="metrics-w",
        CRAWLER_ALLOWED_PRIVATE_HOSTS='["127.0.0.1"]',
        CRAWLER_LOG_FORMAT="json",
        CRAWLER_LOG_LEVEL="DEBUG",
    )
    with SiteServer(site) as server:
        enqueue = subprocess.run(
            [sys.executable, "-m", "crawler.cli", "enqueue", server.url(site.oldest_paths()[0])],
            env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert enqueue.returncode == 0, enqueue.stderr
        worker = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", "worker", "--exit-when-idle", "3"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            text, deadline = "", time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    _, _, text = get(f"http://127.0.0.1:{port}/metrics")
                    if value(text, "crawler_items_stored_total", worker="metrics-w") >= 8:
                        break
                except (OSError, KeyError):
                    pass
                time.sleep(0.2)
            health = get(f"http://127.0.0.1:{port}/healthz")
            _, stderr = worker.communicate(timeout=60)
        finally:
            if worker.poll() is None:
                worker.kill()
    assert worker.returncode == 0, stderr
    assert value(text, "crawler_items_stored_total", worker="metrics-w") == 8
    assert value(text, "crawler_pages_fetched_total", worker="metrics-w") >= 8
    assert value(text, "crawler_responses_total", worker="metrics-w", status="200") >= 8
    assert value(text, "crawler_frontier_up", worker="metrics-w") == 1
    assert ("crawler_frontier_queued", (("worker", "metrics-w"),)) in samples(text)
    assert ("crawler_frontier_leased", (("worker", "metrics-w"),)) in samples(text)
    assert health == (200, "text/plain; charset=utf-8", "ok\n")
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2)
    records = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert records and {r["worker"] for r in records} == {"metrics-w"}
    assert {"time", "level", "logger", "worker", "url", "message"} <= set(records[0])
    crawled = [r for r in records if r["message"].startswith("Crawled (200)") and "wr_id=" in r["message"]]
    assert len(crawled) >= 8 and all(r["url"] and r["url"] in r["message"] for r in crawled)


def test_downloader_stats_count_requests_and_responses_without_request_bytes() -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.statscollectors import MemoryStatsCollector

    from crawler.downloaderstats import DownloaderStats

    crawler = get_crawler(Spider)
    stats = MemoryStatsCollector(crawler)
    mw = DownloaderStats(stats)
    request = Request("http://site.test/a")
    assert mw.process_request(request) is None
    response = HtmlResponse(request.url, status=503, body=b"<html>busy</html>", request=request)
    assert mw.process_response(request, response) is response
    got = stats.get_stats()
    assert got["downloader/request_count"] == 1
    assert got["downloader/request_method_count/GET"] == 1
    assert got["downloader/response_status_count/503"] == 1
    assert got["downloader/response_bytes"] >= len(response.body)
    assert "downloader/request_bytes" not in got
