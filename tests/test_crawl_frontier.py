"""The whole service against the demo site: ``crawler enqueue`` and ``crawler worker``
subprocesses sharing one Redis frontier and one PostgreSQL database.

Each test serves a generated gnuboard-style site (:mod:`crawler.demo.site`) from this
process, counting hits per page, and checks what the workers fetched and stored.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import redis

from crawler.demo.site import ChainSite, SiteServer
from crawler.frontier.seeds import enqueue_seeds
from crawler.frontier.stats import frontier_counts

CRAWLER = str(Path(sys.executable).with_name("crawler"))


@pytest.fixture
def env(crawler_env: dict[str, str]) -> dict[str, str]:
    """Worker environment: quick polls and short leases so that tests stay short."""
    return {
        **crawler_env,
        "CRAWLER_IDLE_POLL": "0.2",
        "CRAWLER_LEASE_TIMEOUT": "3",
        "CRAWLER_LOG_FORMAT": "text",
    }


def serve(site: ChainSite) -> SiteServer:
    return SiteServer(site).start()


@pytest.fixture
def stop_later() -> Iterator[list[SiteServer]]:
    servers: list[SiteServer] = []
    yield servers
    for s in servers:
        s.stop()


def enqueue(env: dict[str, str], *urls: str) -> str:
    out = subprocess.run(
        [CRAWLER, "enqueue", *urls], env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


def start_worker(env: dict[str, str], name: str, idle: float = 2.0, **extra: str) -> subprocess.Popen[str]:
    # the log goes to a file: a pipe nobody reads until the end could fill up and block it
    log = tempfile.TemporaryFile(mode="w+", prefix=f"worker-{name}-")  # noqa: SIM115
    proc = subprocess.Popen(
        [CRAWLER, "worker", "--exit-when-idle", str(idle)],
        env={**env, "CRAWLER_WORKER_ID": name, **extra},
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    proc.log_file = log  # type: ignore[attr-defined]
    return proc


def output(proc: subprocess.Popen[str]) -> str:
    log = proc.log_file  # type: ignore[attr-defined]
    log.seek(0)
    return str(log.read())


def finish(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    try:
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = output(proc)
    proc.log_file.close()  # type: ignore[attr-defined]
    assert proc.returncode == 0, out[-5000:]
    return out


def pages_fetched(log: str) -> int:
    match = re.search(r"stopped \(\w+\): (\d+) pages fetched", log)
    assert match, log[-3000:]
    return int(match.group(1))


def stored_urls(db: psycopg.Connection) -> set[str]:
    return {r[0] for r in db.execute("SELECT url FROM article_urls")}


def article_hits(server: SiteServer) -> dict[str, int]:
    return {server.url(p): n for p, n in server.article_hits().items()}


def wait_for(condition, timeout: float, what: str) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_two_workers_share_one_site_and_store_every_page_once(
    db: psycopg.Connection, env: dict[str, str], redis_client: redis.Redis, redis_prefix: str,
    stop_later: list[SiteServer],
) -> None:  # fmt: skip
    site = ChainSite(boards=4, posts_per_board=40, seed=1)
    server = serve(site)
    stop_later.append(server)
    # fleet-wide delay: about 100 pages/s for the whole fleet, so both workers get work
    workers = [start_worker(env, f"w{i}", idle=3, CRAWLER_DOMAIN_DELAY="0.01") for i in (1, 2)]
    wait_for(lambda: redis_client.zcard(f"{redis_prefix}:workers") == 2, 30, "two workers")
    # in-process (a CLI start-up could outlast the workers' idle time)
    enqueue_seeds(redis_client, redis_prefix, [server.url(p) for p in site.list_paths()])
    logs = [finish(w) for w in workers]

    every = {server.url(p) for p in site.article_paths()}
    assert stored_urls(db) == every
    hits = article_hits(server)
    assert set(hits) == every and set(hits.values()) == {1}, "a page was fetched twice"
    fetched = [pages_fetched(log) for log in logs]
    assert all(n > 10 for n in fetched), f"work not shared: {fetched}"
    counts = frontier_counts(redis_client, redis_prefix)
    assert (counts["queued"], counts["leased"]) == (0, 0)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(every)


@pytest.mark.slow
def test_a_late_worker_gets_its_share_of_chain_walks(
    db: psycopg.Connection, env: dict[str, str], stop_later: list[SiteServer]
) -> None:
    # Chain walks are sequential: without the fair share, the first worker keeps every
    # chain it popped (it pops its own children) and a worker started later idles.
    site = ChainSite(boards=8, posts_per_board=25, seed=8)
    server = serve(site)
    stop_later.append(server)
    enqueue(env, *(server.url(p) for p in site.oldest_paths()))
    slow = {"CRAWLER_DOMAIN_DELAY": "0.02"}
    first = start_worker(env, "early", idle=3, **slow)
    wait_for(lambda: len(server.article_hits()) >= 20, 30, "the first worker to be crawling")
    late = start_worker(env, "late", idle=3, **slow)
    logs = [finish(first), finish(late)]
    assert stored_urls(db) == {server.url(p) for p in site.article_paths()}
    assert set(article_hits(server).values()) == {1}
    fetched = [pages_fetched(log) for log in logs]
    assert fetched[1] >= 30, f"the late worker got no fair share: {fetched}"


@pytest.mark.slow
def test_sigkilled_worker_loses_nothing(
    db: psycopg.Connection, env: dict[str, str], redis_client: redis.Redis, redis_prefix: str,
    stop_later: list[SiteServer],
) -> None:  # fmt: skip
    site = ChainSite(boards=3, posts_per_board=30, seed=2)
    server = serve(site)
    stop_later.append(server)
    enqueue(env, *(server.url(p) for p in site.list_paths()))
    slow = {"CRAWLER_DOMAIN_DELAY": "0.03"}
    victim = start_worker(env, "victim", idle=30, **slow)
    wait_for(lambda: len(server.article_hits()) >= 15, 30, "the first worker to be mid-crawl")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    held = redis_client.zcard(f"{redis_prefix}:leases")
    assert held > 0, "the killed worker held no lease: nothing tested"

    started = time.monotonic()
    finish(start_worker(env, "survivor", idle=2))
    assert time.monotonic() - started < 40
    every = {server.url(p) for p in site.article_paths()}
    assert stored_urls(db) == every  # nothing lost
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(every)  # nor doubled
    counts = frontier_counts(redis_client, redis_prefix)
    assert counts["lease_expired_reclaimed"] >= held
    assert (counts["queued"], counts["leased"]) == (0, 0)


def test_sigterm_stops_a_worker_warmly(
    db: psycopg.Connection, env: dict[str, str], redis_client: redis.Redis, redis_prefix: str,
    stop_later: list[SiteServer],
) -> None:  # fmt: skip
    site = ChainSite(boards=2, posts_per_board=30, seed=3)
    server = serve(site)
    stop_later.append(server)
    enqueue(env, *(server.url(p) for p in site.list_paths()))
    worker = start_worker(env, "w1", idle=30, CRAWLER_DOMAIN_DELAY="0.05")
    wait_for(lambda: len(server.article_hits()) >= 5, 30, "the worker to be mid-crawl")
    worker.send_signal(signal.SIGTERM)
    log = finish(worker, timeout=30)  # exit status 0
    assert "shutting down gracefully" in log
    assert redis_client.zcard(f"{redis_prefix}:leases") == 0  # finished or returned
    stored = stored_urls(db)
    hits = article_hits(server)
    assert stored == set(hits)  # everything started was finished and stored
    queued = redis_client.zcard(f"{redis_prefix}:queue")
    assert queued > 0 and len(stored) + queued >= len(site.article_paths())


def test_retrigger_fetches_seeds_and_chain_ends_and_finds_new_posts(
    db: psycopg.Connection, env: dict[str, str], stop_later: list[SiteServer]
) -> None:
    site = ChainSite(boards=2, posts_per_board=12, seed=4)
    server = serve(site)
    stop_later.append(server)
    seeds = [server.url(p) for p in site.oldest_paths()]  # walks go up the 이전글 links
    enqueue(env, *seeds)
    finish(start_worker(env, "w1", idle=1))
    assert len(stored_urls(db)) == 24

    # unchanged site: the seeds and the newest post of each chain (no 이전글), nothing else
    server.hits.clear()
    out = enqueue(env, *seeds)
    assert "2 seed(s) and 2 chain end(s)" in out
    finish(start_worker(env, "w1", idle=1))
    newest = {server.url(posts[-1].path) for posts in site.boards.values()}
    assert set(article_hits(server)) == set(seeds) | newest
    assert set(article_hits(server).values()) == {1}

    # two posts appended to board1, one to board2: found from the chain ends
    added = [site.add_post("board1"), site.add_post("board1"), site.add_post("board2")]
    server.hits.clear()
    enqueue(env, *seeds)
    finish(start_worker(env, "w1", idle=1))
    assert {server.url(p.path) for p in added} <= stored_urls(db)
    assert len(stored_urls(db)) == 27
    assert set(article_hits(server)) == set(seeds) | newest | {server.url(p.path) for p in added}


@pytest.mark.slow
def test_worker_rebuilds_a_lost_frontier_from_postgresql(
    db: psycopg.Connection, env: dict[str, str], redis_client: redis.Redis, redis_prefix: str,
    stop_later: list[SiteServer],
) -> None:  # fmt: skip
    site = ChainSite(boards=3, posts_per_board=20, seed=5)
    server = serve(site)
    stop_later.append(server)
    enqueue(env, *(server.url(p) for p in site.oldest_paths()))
    victim = start_worker(env, "victim", idle=30, CRAWLER_DOMAIN_DELAY="0.05")
    wait_for(lambda: len(stored_urls(db)) >= 12, 30, "part of the site to be stored")
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    before = stored_urls(db)
    # Redis loses everything (a restart without persistence)
    keys = list(redis_client.scan_iter(match=f"{redis_prefix}:*"))
    redis_client.delete(*keys)

    log = finish(start_worker(env, "w2", idle=2))
    assert "rebuilding" in log
    every = {server.url(p) for p in site.article_paths()}
    assert stored_urls(db) == every
    hits = article_hits(server)
    assert all(hits[url] == 1 for url in before), "a stored page was fetched again"
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == len(every)


def test_worker_fails_fast_when_a_backend_is_down(crawler_env: dict[str, str]) -> None:
    bad = {**crawler_env, "REDIS_URL": "redis://127.0.0.1:1/0", "CRAWLER_CONNECT_TIMEOUT": "1"}
    out = subprocess.run([CRAWLER, "worker"], env=bad, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "redis://127.0.0.1:1/0" in out.stderr
    bad = {**crawler_env, "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/x", "CRAWLER_CONNECT_TIMEOUT": "1"}
    out = subprocess.run([CRAWLER, "worker"], env=bad, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2 and "127.0.0.1:1" in out.stderr


def test_stats_and_forget_commands(
    db: psycopg.Connection, env: dict[str, str], redis_client: redis.Redis, redis_prefix: str,
    stop_later: list[SiteServer],
) -> None:  # fmt: skip
    import json

    site = ChainSite(boards=1, posts_per_board=4, seed=6)
    server = serve(site)
    stop_later.append(server)
    enqueue(env, server.url(site.oldest_paths()[0]))
    run = subprocess.run([CRAWLER, "stats", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    stats = json.loads(run.stdout)
    assert stats["frontier"]["queued"] == 1 and stats["frontier"]["seen"] == 1
    assert stats["storage"]["articles"] == 0
    finish(start_worker(env, "w1", idle=1))
    text = subprocess.run([CRAWLER, "stats"], env=env, capture_output=True, text=True, timeout=60)
    assert "articles stored        4" in text.stdout and "in-flight leases       0" in text.stdout

    target = server.url(site.boards["board1"][2].path)
    run = subprocess.run([CRAWLER, "forget", target], env=env, capture_output=True, text=True, timeout=60)
    assert "forgot 1 of 1" in run.stdout
    server.hits.clear()
    # its neighbour is fetched again as a seed and links to the forgotten page: fetched again
    enqueue(env, server.url(site.boards["board1"][1].path))
    finish(start_worker(env, "w1", idle=1))
    assert target in article_hits(server)


class _RedisProcess:
    """A redis-server of this test's own, stoppable and restartable on the same port."""

    def __init__(self, tmp: Path) -> None:
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.tmp = tmp
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.tmp)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url)
        wait_for(lambda: _pings(client), 10, "redis-server to start")
        client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.mark.slow
def test_worker_waits_out_a_redis_outage(
    db: psycopg.Connection, env: dict[str, str], stop_later: list[SiteServer], tmp_path: Path
) -> None:
    site = ChainSite(boards=3, posts_per_board=20, seed=7)
    server = serve(site)
    stop_later.append(server)
    private = _RedisProcess(tmp_path)
    private.start()
    try:
        env = {**env, "REDIS_URL": private.url, "CRAWLER_REDIS_RETRY_INTERVAL": "0.3"}
        enqueue(env, *(server.url(p) for p in site.oldest_paths()))
        worker = start_worker(env, "w1", idle=2, CRAWLER_DOMAIN_DELAY="0.04")
        wait_for(lambda: len(server.article_hits()) >= 10 or worker.poll() is not None, 30, "mid-crawl")
        assert worker.poll() is None, output(worker)[-5000:]
        private.stop()  # Redis dies, and comes back empty (no persistence)
        time.sleep(1.5)
        assert worker.poll() is None, "the worker died with Redis"
        private.start()
        log = finish(worker, timeout=60)
    finally:
        private.stop()
    assert "unreachable" in log and "reachable again" in log
    assert stored_urls(db) == {server.url(p) for p in site.article_paths()}


def test_enqueue_direction_and_max_pages(db: psycopg.Connection, env: dict[str, str],
                                         stop_later: list[SiteServer]) -> None:  # fmt: skip
    site = ChainSite(boards=1, posts_per_board=10, seed=9)
    server = serve(site)
    stop_later.append(server)
    posts = site.boards["board1"]
    middle = server.url(posts[4].path)  # wr_id 5: 이전글 (prev) is wr_id 6, 다음글 (next) wr_id 4
    out = subprocess.run(
        [CRAWLER, "enqueue", middle, "--direction", "next", "--max-pages", "3"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    finish(start_worker(env, "w1", idle=1))
    assert stored_urls(db) == {server.url(posts[i].path) for i in (4, 3, 2)}
