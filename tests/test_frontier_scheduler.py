"""RedisScheduler inside real Scrapy crawls (subprocesses): acknowledgement after the
pipelines, continuations of redirects and retries, requeue after a pipeline error,
quick pick-up by an idle worker, and a warm stop.

These pin what the scheduler relies on in Scrapy's engine (see the docstring of
:mod:`crawler.frontier.scheduler`): ``Scraper.enqueue_scrape(result, request)`` firing
after every item went through the pipelines, downloader-made requests coming back
through ``enqueue_request`` with the original meta, and the engine's wake-up call.
A Scrapy upgrade that changes any of them fails here.
"""

from __future__ import annotations

import inspect
import json
import signal
import time
from collections.abc import Iterator

import pytest
import redis
from conftest import TEST_REDIS_URL
from scrapy.core.engine import ExecutionEngine
from scrapy.core.scraper import Scraper
from test_frontier_kit import KitServer, finish_kit, kit_settings, run_kit, start_kit

from crawler.frontier.queue import Frontier, PushEntry
from crawler.frontier.serialize import request_to_json
from crawler.frontier.walk import WalkPolicy, seed_request
from crawler.urls import url_fingerprint


@pytest.fixture
def server() -> Iterator[KitServer]:
    s = KitServer()
    yield s
    s.stop()


def push_seeds(client: redis.Redis, prefix: str, urls: list[str]) -> None:
    frontier = Frontier(client, prefix, seen_buckets=8192)
    frontier.settle()
    entries = []
    for url in urls:
        request = seed_request(url, WalkPolicy())
        entries.append(PushEntry(url_fingerprint(url), request_to_json(request), request.priority, True))
    frontier.push(entries)


def assert_drained(client: redis.Redis, prefix: str) -> None:
    assert client.zcard(f"{prefix}:queue") == 0
    assert client.zcard(f"{prefix}:leases") == 0
    assert client.hlen(f"{prefix}:requests") == 0


def test_scrapy_internals_the_scheduler_relies_on() -> None:
    assert list(inspect.signature(Scraper.enqueue_scrape).parameters) == ["self", "result", "request"]
    source = inspect.getsource(ExecutionEngine._handle_downloader_output)
    assert "self.scraper.enqueue_scrape(result, request)" in source
    assert "self.crawl(result)" in source  # downloader-made requests: continuations


def test_ack_only_after_items_are_stored(
    server: KitServer, redis_client: redis.Redis, redis_prefix: str
) -> None:
    push_seeds(redis_client, redis_prefix, [server.base + "/page/1"])
    stats = run_kit(kit_settings(TEST_REDIS_URL, redis_prefix, KIT_STORE_DELAY=0.3))
    stored = [json.loads(x) for x in redis_client.lrange(f"{redis_prefix}:kit:stored", 0, -1)]
    assert sorted(r["url"] for r in stored) == [server.base + f"/page/{n}" for n in range(1, 6)]
    assert all(r["lease_held"] for r in stored), stored  # still leased while being stored
    assert stats["frontier/acked"] == 5 and stats["scheduler/dequeued/redis"] == 5
    assert_drained(redis_client, redis_prefix)


def test_redirect_and_retry_continue_their_lease(
    server: KitServer, redis_client: redis.Redis, redis_prefix: str
) -> None:
    push_seeds(redis_client, redis_prefix, [server.base + "/redirect", server.base + "/flaky"])
    stats = run_kit(kit_settings(TEST_REDIS_URL, redis_prefix, KIT_STORE_DELAY=0))
    assert server.hits["/redirect"] == 1 and server.hits["/target"] == 1
    assert server.hits["/flaky"] == 2  # 503, then retried through Redis
    stored = {json.loads(x)["url"] for x in redis_client.lrange(f"{redis_prefix}:kit:stored", 0, -1)}
    assert stored == {server.base + "/target", server.base + "/flaky"}
    assert stats["frontier/continued"] == 2
    assert stats["frontier/acked"] == 4  # two continued leases, two finished ones
    assert_drained(redis_client, redis_prefix)


def test_pipeline_error_puts_the_request_back_then_gives_up(
    server: KitServer, redis_client: redis.Redis, redis_prefix: str
) -> None:
    push_seeds(redis_client, redis_prefix, [server.base + "/fail-1"])
    settings = kit_settings(
        TEST_REDIS_URL,
        redis_prefix,
        ITEM_PIPELINES={"test_frontier_kit.FailingPipeline": 100},
        CRAWLER_MAX_ATTEMPTS=2,
    )
    stats = run_kit(settings)
    assert server.hits["/fail-1"] == 2
    assert stats["frontier/requeued_after_error"] == 1 and stats["frontier/gave_up"] == 1
    assert_drained(redis_client, redis_prefix)


def test_idle_worker_picks_up_new_work_quickly(
    server: KitServer, redis_client: redis.Redis, redis_prefix: str
) -> None:
    proc = start_kit(kit_settings(TEST_REDIS_URL, redis_prefix, CRAWLER_EXIT_WHEN_IDLE=3.0))
    try:
        deadline = time.monotonic() + 20
        while not redis_client.zscore(f"{redis_prefix}:workers", "kit") is not None:
            assert time.monotonic() < deadline and proc.poll() is None, "worker did not start"
            time.sleep(0.1)
        time.sleep(0.5)  # idle now: the engine's own heartbeat would take 5 s
        pushed = time.monotonic()
        push_seeds(redis_client, redis_prefix, [server.base + "/page/5"])
        while not server.hits["/page/5"]:
            assert time.monotonic() - pushed < 2.0, "an idle worker took too long to pick up work"
            time.sleep(0.02)
    finally:
        code, stats, out = finish_kit(proc)
    assert code == 0, out
    assert stats["frontier/acked"] == 1


def test_sigterm_finishes_in_flight_and_returns_prefetched(
    server: KitServer, redis_client: redis.Redis, redis_prefix: str
) -> None:
    urls = [server.base + f"/slow/{n}" for n in range(8)]
    push_seeds(redis_client, redis_prefix, urls)
    settings = kit_settings(
        TEST_REDIS_URL, redis_prefix, CONCURRENT_REQUESTS=1, CRAWLER_EXIT_WHEN_IDLE=-1, KIT_STORE_DELAY=0
    )
    proc = start_kit(settings)
    deadline = time.monotonic() + 20
    while sum(server.hits[f"/slow/{n}"] for n in range(8)) < 1:
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    code, stats, out = finish_kit(proc)
    assert code == 0 and stats["finish_reason"] == "shutdown", out
    fetched = {p for p, n in server.hits.items() if p.startswith("/slow/") and n}
    stored = {json.loads(x)["url"] for x in redis_client.lrange(f"{redis_prefix}:kit:stored", 0, -1)}
    assert stored == {server.base + p for p in fetched}  # what was started was finished
    assert redis_client.zcard(f"{redis_prefix}:leases") == 0  # nothing left leased
    queued = {r["url"] for r in Frontier(redis_client, redis_prefix).peek(20)}
    assert queued | stored == set(urls) and not (queued & stored)  # the rest is back
    assert stats["frontier/released"] >= 1


def test_request_refused_by_robots_txt_is_acknowledged(
    server: KitServer, redis_client: redis.Redis, redis_prefix: str
) -> None:
    push_seeds(redis_client, redis_prefix, [server.base + "/private/1", server.base + "/page/5"])
    stats = run_kit(kit_settings(TEST_REDIS_URL, redis_prefix, KIT_STORE_DELAY=0))
    assert server.hits["/private/1"] == 0 and server.hits["/page/5"] == 1
    assert stats["robotstxt/forbidden"] == 1
    assert stats["frontier/acked"] == 2  # an IgnoreRequest is a finished request too
    assert_drained(redis_client, redis_prefix)
