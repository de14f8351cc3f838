"""Rebuilding the frontier from PostgreSQL, and seeds with their chain ends."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import psycopg
import redis
from conftest import TEST_REDIS_URL

from crawler.frontier.keys import META_DIRECTION, META_IS_SEED, META_SEED
from crawler.frontier.queue import Frontier
from crawler.frontier.recover import ensure_ready, recover
from crawler.frontier.seeds import chain_ends, enqueue_seeds
from crawler.frontier.seen import SeenSet
from crawler.items import ArticleItem
from crawler.text import content_hash
from crawler.urls import canonicalize_url
from pipelines.database import Rejection, write_rejections
from pipelines.store import write_items

SITE = "http://news.test"


def article(path: str, prev: str | None, nxt: str | None, seed: str | None) -> ArticleItem:
    url = SITE + path
    body = f"본문 {path}"
    return ArticleItem(
        url=url,
        canonical_url=canonicalize_url(url),
        profile="generic",
        title=f"제목 {path}",
        body_text=body,
        prev_url=SITE + prev if prev and prev.startswith("/") else prev,
        next_url=SITE + nxt if nxt and nxt.startswith("/") else nxt,
        content_hash=content_hash(body),
        seed_url=SITE + seed if seed else None,
    )


def store(pg_url: str, items: list[ArticleItem], rejected: list[str] = ()) -> None:  # type: ignore[assignment]
    async def go() -> None:
        async with await psycopg.AsyncConnection.connect(pg_url, autocommit=True) as conn, conn.transaction():
            await write_items(conn, items)
            if rejected:
                await write_rejections(
                    conn, [Rejection(url, "missing_title", "no title", {"url": url}) for url in rejected]
                )

    asyncio.run(go())


def queued(client: redis.Redis, prefix: str) -> dict[str, dict[str, Any]]:
    out = {}
    for item in Frontier(client, prefix).peek(100):
        out[str(item["url"])] = item
    return out


def test_recover_rebuilds_seen_set_and_frontier(
    db: psycopg.Connection, pg_url: str, redis_client: redis.Redis, redis_prefix: str
) -> None:
    store(
        pg_url,
        [
            article("/a", "/b", "/c", "/a"),  # /c was never stored: frontier
            article("/b", "http://elsewhere.test/d", "/e", "/a"),  # off-site /d: not followed
            article("/f", None, "/c?utm_source=x", "/a"),  # same page as /c: once
        ],
        rejected=[SITE + "/e"],  # refused, not to be fetched again
    )
    result = recover(redis_client, redis_prefix, db, buckets=64)
    assert (result.articles, result.rejected, result.frontier_pushed) == (3, 1, 1)
    seen = SeenSet(redis_client, redis_prefix, buckets=64)
    assert seen.is_marked()
    for path in ("/a", "/b", "/f", "/e", "/c"):
        assert seen.contains(SITE + path), path
    frontier = queued(redis_client, redis_prefix)
    assert list(frontier) == [SITE + "/c"]
    meta = frontier[SITE + "/c"]["meta"]
    assert meta[META_DIRECTION] == "next" and meta[META_SEED] == SITE + "/a"
    assert not frontier[SITE + "/c"].get("dont_filter")


def test_ensure_ready_rebuilds_once_across_processes(
    db: psycopg.Connection, pg_url: str, redis_client: redis.Redis, redis_prefix: str
) -> None:
    store(pg_url, [article("/a", None, "/b", "/a")])
    results: list[Any] = []

    def start_worker() -> None:
        client = redis.Redis.from_url(TEST_REDIS_URL)
        results.append(ensure_ready(client, redis_prefix, pg_url, buckets=64))
        client.close()

    threads = [threading.Thread(target=start_worker) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    rebuilt = [r for r in results if r is not None]
    assert len(results) == 3 and len(rebuilt) == 1
    assert rebuilt[0].frontier_pushed == 1
    assert Frontier(redis_client, redis_prefix).queued() == 1
    # Redis intact: nothing to do
    assert ensure_ready(redis_client, redis_prefix, pg_url, buckets=64) is None
    assert not redis_client.exists(f"{redis_prefix}:recover:lock")


def test_ensure_ready_on_empty_database_only_marks(
    db: psycopg.Connection, pg_url: str, redis_client: redis.Redis, redis_prefix: str
) -> None:
    assert ensure_ready(redis_client, redis_prefix, pg_url, buckets=64) is None
    assert SeenSet(redis_client, redis_prefix, buckets=64).is_marked()


def test_seed_is_forced_with_its_chain_ends(
    db: psycopg.Connection, pg_url: str, redis_client: redis.Redis, redis_prefix: str
) -> None:
    # gnuboard order: prev is the newer post. /s is the seed; /p1 is the newest known
    # (no prev); /n1 links to /n2 which was never stored (failed).
    store(
        pg_url,
        [
            article("/s", "/p1", "/n1", "/s"),
            article("/p1", None, "/s", "/s"),
            article("/n1", "/s", "/n2", "/s"),
            article("/x", None, None, "/other-seed"),  # another seed's chain: not touched
        ],
    )
    ends = {(e.url, e.direction, e.kind) for e in chain_ends(db, SITE + "/s")}
    assert ends == {(SITE + "/p1", "prev", "end"), (SITE + "/n2", "next", "dangling")}

    ensure_ready(redis_client, redis_prefix, pg_url, buckets=64)  # rebuild: all seen now
    redis_client.delete(f"{redis_prefix}:queue", f"{redis_prefix}:requests")
    result = enqueue_seeds(redis_client, redis_prefix, [SITE + "/s", "ftp://bad"], database_url=pg_url,
                           buckets=64, max_pages=5)  # fmt: skip
    assert (result.seeds, result.chain_ends, result.dangling, result.pushed) == (1, 1, 1, 3)
    assert result.invalid == ["ftp://bad"]
    frontier = queued(redis_client, redis_prefix)
    assert set(frontier) == {SITE + "/s", SITE + "/p1", SITE + "/n2"}
    assert all(r["dont_filter"] for r in frontier.values())  # seen, but forced
    assert frontier[SITE + "/s"]["meta"][META_IS_SEED] is True
    assert frontier[SITE + "/p1"]["meta"][META_DIRECTION] == "prev"
    assert frontier[SITE + "/n2"]["meta"][META_DIRECTION] == "next"
    assert frontier[SITE + "/p1"]["meta"]["chain_max_pages"] == 5
    assert json.loads(redis_client.hget(f"{redis_prefix}:seeds", SITE + "/s"))["max_pages"] == 5

    # only the prev direction asked: the next-side end is left alone
    redis_client.delete(f"{redis_prefix}:queue", f"{redis_prefix}:requests")
    result = enqueue_seeds(redis_client, redis_prefix, [SITE + "/s"], database_url=pg_url,
                           buckets=64, direction="prev")  # fmt: skip
    assert set(queued(redis_client, redis_prefix)) == {SITE + "/s", SITE + "/p1"}


def test_enqueue_urls_for_the_schedule_command(
    db: psycopg.Connection, make_settings, redis_client: redis.Redis, redis_prefix: str  # type: ignore[no-untyped-def]
) -> None:
    from crawler.frontier.commands import enqueue_urls

    settings = make_settings(CRAWLER_SEEN_BUCKETS=64)
    assert enqueue_urls(settings, [SITE + "/s1", SITE + "/s2"], direction="next", max_pages=2) == 2
    frontier = queued(redis_client, redis_prefix)
    assert set(frontier) == {SITE + "/s1", SITE + "/s2"}
    assert frontier[SITE + "/s1"]["meta"][META_DIRECTION] == "next"
