"""Fault suite, part 1: workers and backends die mid-crawl, and nothing is lost.

Every test crawls a generated site of chained boards with real ``crawler worker``
processes on a private ``redis-server`` and a private PostgreSQL cluster (see
``faultkit``), breaks something mid-crawl, and ends with every page of the site stored
exactly once (rows of ``article_urls`` and ``articles`` counted against the site) and
the last worker exiting cleanly (status 0).
"""

from __future__ import annotations

import json
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    PrivatePostgres,
    PrivateRedis,
    Worker,
    run_crawler,
    scalar,
    service_env,
    stored_counts,
    stored_urls,
    wait_until,
)

from crawler.demo.site import ChainSite, SiteServer
from crawler.urls import canonicalize_url

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

BOARDS = 6
POSTS = 80
#: Settings of every worker here: short leases so a killed worker's requests come back
#: within seconds, a small fleet-wide delay so a crawl lasts long enough to be cut.
SETTINGS: dict[str, Any] = {
    "lease_timeout": 4,
    "idle_poll": 0.2,
    "domain_delay": 0.01,
    "store_retry_interval": 1,
    "connect_timeout": 3,
}
IDLE_EXIT = "3"


@pytest.fixture
def database(pg_cluster: PrivatePostgres) -> str:
    if not pg_cluster.answers():  # a test that stopped it failed before starting it again
        pg_cluster.start()
    return pg_cluster.create_database()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    yield server
    server.close()


@pytest.fixture
def site() -> Iterator[SiteServer]:
    chain_site = ChainSite(boards=BOARDS, posts_per_board=POSTS, page_kib=4, reposts=6, seed=7)
    with SiteServer(chain_site) as server:
        yield server


class Crawl:
    """One test's crawl: environment, seeds, workers, and the checks at the end."""

    def __init__(self, site: SiteServer, database: str, redis: PrivateRedis, logs: Path, **settings: Any) -> None:
        self.site = site
        self.database = database
        self.redis = redis
        self.logs = logs
        self.env = service_env(database, redis.url, **{**SETTINGS, **settings})
        self.workers: list[Worker] = []

    def enqueue(self) -> None:
        seeds = [self.site.url(p) for p in self.site.site.oldest_paths()]
        run_crawler(self.env, "enqueue", *seeds)

    def worker(self, *args: str, name: str | None = None) -> Worker:
        name = name or f"w{len(self.workers) + 1}"
        worker = Worker(dict(self.env, CRAWLER_WORKER_ID=name), self.logs / f"{name}.log", *args)
        self.workers.append(worker)
        return worker

    def stored(self) -> int:
        return stored_counts(self.database)["article_urls"]

    def wait_stored(self, at_least: int, timeout: float = 60) -> int:
        return wait_until(
            lambda: (n := self.stored()) >= at_least and n,
            timeout=timeout,
            interval=0.05,
            what=f"{at_least} pages stored",
        )

    def stats(self) -> dict[str, Any]:
        out = run_crawler(self.env, "stats", "--json")
        return dict(json.loads(out.stdout))

    def assert_complete(self) -> None:
        """Every page of the site stored exactly once; duplicates by content in one row."""
        expected = {canonicalize_url(self.site.url(p)) for p in self.site.site.article_paths()}
        counts = stored_counts(self.database)
        got = {canonicalize_url(u) for u in stored_urls(self.database)}
        missing = sorted(expected - got)
        extra = sorted(got - expected)
        assert not missing, f"{len(missing)} pages never stored, e.g. {missing[:5]}; {self.tails()}"
        assert not extra, f"unexpected URLs stored: {extra[:5]}"
        assert counts["article_urls"] == len(expected), counts
        assert counts["articles"] == self.site.site.distinct_bodies(), counts
        reasons = scalar(self.database, "SELECT array_agg(reason) FROM rejected_items")
        assert counts["rejected_items"] == 0, f"rejected: {reasons}"
        unfetched = [p for p in self.site.site.article_paths() if self.site.article_hits()[p] == 0]
        assert not unfetched

    def tails(self) -> str:
        return "\n".join(f"--- {w.log_path.name} (exit {w.process.poll()}):\n{w.log_tail(25)}" for w in self.workers)

    def close(self) -> None:
        for worker in self.workers:
            if worker.alive():
                worker.kill()


@pytest.fixture
def crawl(site: SiteServer, database: str, private_redis: PrivateRedis, tmp_path: Path) -> Iterator[Crawl]:
    c = Crawl(site, database, private_redis, tmp_path)
    yield c
    c.close()


def _fetch_total(site: SiteServer) -> int:
    return sum(site.article_hits().values())


def test_worker_sigkilled_twice_mid_crawl_loses_nothing(crawl: Crawl) -> None:
    crawl.enqueue()
    first = crawl.worker()
    crawl.wait_stored(60)
    first.kill()
    assert first.process.returncode == -signal.SIGKILL
    second = crawl.worker()
    crawl.wait_stored(crawl.stored() + 60)
    second.kill()
    killed_at = crawl.stored()
    assert killed_at < BOARDS * POSTS, "the crawl ended before the second kill; make it longer"
    last = crawl.worker("--exit-when-idle", IDLE_EXIT)
    assert last.wait(120) == 0, last.log_tail()
    crawl.assert_complete()
    # The killed workers' leased requests came back because their leases ran out.
    assert crawl.stats()["frontier"]["lease_expired_reclaimed"] >= 1
    assert crawl.stats()["frontier"]["leased"] == 0


def test_sigterm_mid_crawl_stops_warmly_and_returns_its_work(crawl: Crawl) -> None:
    crawl.enqueue()
    first = crawl.worker()
    crawl.wait_stored(60)
    first.signal(signal.SIGTERM)
    assert first.wait(60) == 0, first.log_tail()
    stopped_at = crawl.stored()
    assert stopped_at < BOARDS * POSTS, "the crawl ended before SIGTERM; make it longer"
    # A warm stop leaves no lease behind: nothing has to wait for a lease to run out.
    frontier = crawl.stats()["frontier"]
    assert frontier["leased"] == 0, frontier
    assert frontier["queued"] > 0, frontier
    last = crawl.worker("--exit-when-idle", IDLE_EXIT)
    assert last.wait(120) == 0, last.log_tail()
    crawl.assert_complete()
    assert crawl.stats()["frontier"]["lease_expired_reclaimed"] == 0


def test_redis_restarted_mid_crawl_worker_reconnects_and_rebuilds(crawl: Crawl) -> None:
    crawl.enqueue()
    worker = crawl.worker("--exit-when-idle", "5")
    crawl.wait_stored(60)
    crawl.redis.restart(down_seconds=3)  # comes back empty: it keeps nothing on disk
    assert crawl.stored() < BOARDS * POSTS, "the crawl ended before the restart; make it longer"
    assert worker.wait(150) == 0, worker.log_tail()
    crawl.assert_complete()
    log = worker.log()
    assert re.search(r"Redis .*unreachable", log), "no log line says Redis was unreachable"
    assert re.search(r"Redis .*(reachable again|back)", log), "no log line says Redis came back"
    # Rebuilt from PostgreSQL, not crawled again from the seeds.
    assert _fetch_total(crawl.site) < 1.2 * BOARDS * POSTS


def test_redis_flushed_mid_crawl_frontier_rebuilt_from_postgres(crawl: Crawl) -> None:
    crawl.enqueue()
    first = crawl.worker("--exit-when-idle", IDLE_EXIT)
    crawl.wait_stored(60)
    crawl.redis.flush()
    flushed_at = crawl.stored()
    assert flushed_at < BOARDS * POSTS
    assert first.wait(120) == 0, first.log_tail()
    # A worker started on the emptied Redis rebuilds the frontier from PostgreSQL.
    second = crawl.worker("--exit-when-idle", IDLE_EXIT)
    assert second.wait(120) == 0, second.log_tail()
    crawl.assert_complete()
    assert _fetch_total(crawl.site) < 1.2 * BOARDS * POSTS, "the flush made the crawl start over"


def test_postgres_stopped_for_20_seconds_mid_crawl(crawl: Crawl, pg_cluster: PrivatePostgres) -> None:
    crawl.enqueue()
    worker = crawl.worker("--exit-when-idle", IDLE_EXIT)
    crawl.wait_stored(60)
    before = crawl.stored()
    pg_cluster.stop()
    down_at = time.monotonic()
    assert before < BOARDS * POSTS, "the crawl ended before PostgreSQL stopped; make it longer"
    time.sleep(20)
    assert worker.alive(), f"the worker died while PostgreSQL was down:\n{worker.log_tail()}"
    pg_cluster.start()
    assert worker.wait(150) == 0, worker.log_tail()
    assert time.monotonic() - down_at >= 20
    crawl.assert_complete()
    log = worker.log()
    assert re.search(r"PostgreSQL at .* unreachable", log), "no log line says PostgreSQL was unreachable"
    assert re.search(r"PostgreSQL at .* reachable again", log), "no log line says PostgreSQL came back"
