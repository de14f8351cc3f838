"""Write rate of the store pipeline against per-item INSERTs, measured in the same run.

On a fresh temporary database (created on the server of ``BENCH_DATABASE_URL`` /
``DATABASE_URL``, dropped at the end), each round empties the tables and times:

* ``pipeline``: :class:`pipelines.store.StorePipeline` with the project's batch
  settings, items submitted as Scrapy would (many in flight), each ``process_item``
  returning once its batch is committed: new articles, 10% of them reposts of another
  article's content at a new URL;
* ``refetch``: the same items again (every page unchanged), with the store's query
  of known contents, and ``refetch_no_skip`` without it (every body sent again);
* ``per_item_insert``: the common baseline, one ``INSERT INTO articles ... ON CONFLICT
  DO NOTHING`` and one commit per item on one connection;
* ``per_item_same_work``: per item, in one transaction each, the same rows the
  pipeline writes (article, URL, version).

It also times a Redis ``SMISMEMBER`` of one batch of hashes against the store's
PostgreSQL lookup of the same hashes: the measure behind not putting a Redis check
in front of the database. Medians of the rounds are printed, with the ratios.

``python -m bench.store [N_ITEMS] [--rounds R]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

from crawler import defaults
from crawler.items import ArticleItem
from crawler.storage.migrate import apply_migrations
from crawler.text import content_hash
from pipelines.database import Database
from pipelines.store import StorePipeline, write_items

DATA_TABLES = ("article_versions", "article_urls", "articles", "rejected_items", "crawl_runs")
#: Items in flight at once, as a busy worker's scraper holds them.
IN_FLIGHT = 1_000
#: Share of items that repost another item's content at their own URL.
REPOST_EVERY = 10

_PARAGRAPH = (
    "인공지능(AI) 모델만으로는 산업 전반의 전환을 이룰 수 없다는 지적이 나왔다. 현장에 대한 "
    "이해와 양질의 데이터가 함께 갖춰져야 한다는 것이다. 정부와 기업은 협약을 맺고 "
)


def admin_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or defaults.DATABASE_URL


def make_items(n: int) -> list[ArticleItem]:
    """``n`` normalized items of about 3 KB of body; every tenth reposts an earlier one."""
    items = []
    for i in range(n):
        source = i - 1 if i % REPOST_EVERY == REPOST_EVERY - 1 else i
        body = "\n".join(f"{source}번 기사 {p}문단. {_PARAGRAPH * 4}" for p in range(7))
        url = f"http://bench{i % 7}.example/bbs/board.php?bo_table=news&wr_id={i}"
        items.append(
            ArticleItem(
                url=url,
                canonical_url=url,
                profile="gnuboard",
                title=f"벤치마크 기사 {i}",
                body_text=body,
                published_at="2024-10-15T09:30:00+09:00",
                author="박성현 기자",
                source="파이낸셜뉴스",
                prev_url=f"http://bench{i % 7}.example/bbs/board.php?bo_table=news&wr_id={i + 1}",
                next_url=f"http://bench{i % 7}.example/bbs/board.php?bo_table=news&wr_id={i - 1}",
                content_hash=content_hash(body),
                seed_url=f"http://bench{i % 7}.example/bbs/board.php?bo_table=news&wr_id=0",
            )
        )
    return items


def _reset(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
                sql.SQL(", ").join(map(sql.Identifier, DATA_TABLES))
            )
        )


async def _pipeline_rate(url: str, items: list[ArticleItem]) -> float:
    database = Database(
        url,
        worker="bench",
        pool_size=defaults.CRAWLER_PG_POOL_SIZE,
        batch_size=defaults.CRAWLER_STORE_BATCH_SIZE,
        batch_timeout=defaults.CRAWLER_STORE_BATCH_TIMEOUT,
        retry_interval=defaults.CRAWLER_STORE_RETRY_INTERVAL,
    )
    pipe = StorePipeline(database)
    await pipe.open_spider()
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(item: ArticleItem) -> None:
        async with gate:
            await pipe.process_item(item)

    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(one(item) for item in items))
        elapsed = time.perf_counter() - t0
    finally:
        await pipe.close_spider()
    return len(items) / elapsed


async def _write_rate_no_skip(url: str, items: list[ArticleItem]) -> float:
    """The pipeline's batches written straight, without the query of known contents."""
    batch = defaults.CRAWLER_STORE_BATCH_SIZE
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        for start in range(0, len(items), batch):
            async with conn.transaction():
                await write_items(conn, items[start : start + batch], skip_known=False)
        return len(items) / (time.perf_counter() - t0)


def _per_item_insert_rate(url: str, items: list[ArticleItem]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        for it in items:
            conn.execute(
                "INSERT INTO articles (content_hash, url, canonical_url, profile, title, body_text,"
                " published_at, author, source, prev_url, next_url, site)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (content_hash) DO NOTHING",
                (it.content_hash, it.url, it.canonical_url, it.profile, it.title, it.body_text,
                 it.published_at, it.author, it.source, it.prev_url, it.next_url,
                 urlsplit(it.url).hostname),
            )  # fmt: skip
        return len(items) / (time.perf_counter() - t0)


def _per_item_same_work_rate(url: str, items: list[ArticleItem]) -> float:
    with psycopg.connect(url, autocommit=True) as conn:
        t0 = time.perf_counter()
        for it in items:
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO articles (content_hash, url, canonical_url, profile, title,"
                    " body_text, published_at, author, source, prev_url, next_url, site)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (content_hash) DO NOTHING RETURNING id",
                    (it.content_hash, it.url, it.canonical_url, it.profile, it.title,
                     it.body_text, it.published_at, it.author, it.source, it.prev_url,
                     it.next_url, urlsplit(it.url).hostname),
                ).fetchone()  # fmt: skip
                if row is None:
                    row = conn.execute(
                        "SELECT id FROM articles WHERE content_hash = %s", (it.content_hash,)
                    ).fetchone()
                assert row is not None
                conn.execute(
                    "INSERT INTO article_urls (canonical_url, url, article_id, site, seed_url,"
                    " prev_url, next_url, content_hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (canonical_url) DO UPDATE SET last_seen_at = now()",
                    (it.canonical_url, it.url, row[0], urlsplit(it.url).hostname, it.seed_url,
                     it.prev_url, it.next_url, it.content_hash),
                )  # fmt: skip
                conn.execute(
                    "INSERT INTO article_versions (canonical_url, version, article_id,"
                    " content_hash, url) VALUES (%s, 1, %s, %s, %s) ON CONFLICT DO NOTHING",
                    (it.canonical_url, row[0], it.content_hash, it.url),
                )
        return len(items) / (time.perf_counter() - t0)


def _front_check_ms(url: str, hashes: list[str]) -> dict[str, float | str]:
    """Median milliseconds to look one batch of hashes up in PostgreSQL and in Redis."""
    out: dict[str, float | str] = {}
    with psycopg.connect(url, autocommit=True) as conn:
        times = []
        for _ in range(30):
            t0 = time.perf_counter()
            conn.execute(
                "SELECT content_hash, id FROM articles WHERE content_hash = ANY(%s::text[])",
                (hashes,),
            ).fetchall()
            times.append(time.perf_counter() - t0)
        out["pg_lookup_ms_per_batch"] = round(statistics.median(times) * 1000, 3)
    try:
        import redis

        client = redis.Redis.from_url(
            os.environ.get("REDIS_URL") or defaults.REDIS_URL, socket_timeout=5
        )
        key = f"crawler-bench:{uuid.uuid4().hex}:hashes"
        try:
            client.sadd(key, *hashes[::2])
            times = []
            for _ in range(30):
                t0 = time.perf_counter()
                client.smismember(key, hashes)
                times.append(time.perf_counter() - t0)
            out["redis_smismember_ms_per_batch"] = round(statistics.median(times) * 1000, 3)
        finally:
            client.delete(key)
            client.close()
    except Exception as exc:  # Redis is optional for this figure
        out["redis_smismember_ms_per_batch"] = f"not measured ({type(exc).__name__})"
    return out


def _temp_database() -> tuple[str, str]:
    admin = admin_url()
    name = f"crawler_bench_store_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = urlunsplit(urlsplit(admin)._replace(path=f"/{name}"))
    apply_migrations(url)
    return admin, url


def _drop_database(admin: str, url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run(n_items: int = 20_000, rounds: int = 3, baseline_items: int | None = None) -> dict[str, Any]:
    """Measure and return the medians (items/s) and ratios; see the module docstring.

    The per-item baselines write ``baseline_items`` items (default: ``n_items``, at
    most 5,000: their rate is flat, and at a few hundred items/s more only costs time).
    """
    n_items = max(1, n_items)
    n_base = max(1, min(n_items, baseline_items or 5_000))
    items = make_items(n_items)
    admin, url = _temp_database()
    rates: dict[str, list[float]] = {
        "pipeline": [], "refetch": [], "refetch_no_skip": [],
        "per_item_insert": [], "per_item_same_work": [],
    }  # fmt: skip
    try:
        for _ in range(max(1, rounds)):
            _reset(url)
            rates["per_item_insert"].append(_per_item_insert_rate(url, items[:n_base]))
            _reset(url)
            rates["pipeline"].append(asyncio.run(_pipeline_rate(url, items)))
            rates["refetch"].append(asyncio.run(_pipeline_rate(url, items)))
            rates["refetch_no_skip"].append(asyncio.run(_write_rate_no_skip(url, items)))
            _reset(url)
            rates["per_item_same_work"].append(_per_item_same_work_rate(url, items[:n_base]))
        _reset(url)
        asyncio.run(_pipeline_rate(url, items))
        batch = items[: defaults.CRAWLER_STORE_BATCH_SIZE]
        front = _front_check_ms(url, [it.content_hash for it in batch])
    finally:
        _drop_database(admin, url)

    med = {k: round(statistics.median(v), 1) for k, v in rates.items()}
    unchanged_batch_ms = round(defaults.CRAWLER_STORE_BATCH_SIZE / med["refetch"] * 1000, 2)
    return {
        "items": n_items,
        "baseline_items": n_base,
        "rounds": len(rates["pipeline"]),
        "batch_size": defaults.CRAWLER_STORE_BATCH_SIZE,
        "pipeline_items_per_s": med["pipeline"],
        "per_item_insert_items_per_s": med["per_item_insert"],
        "ratio_pipeline_to_per_item_insert": round(med["pipeline"] / med["per_item_insert"], 2),
        "per_item_same_work_items_per_s": med["per_item_same_work"],
        "ratio_pipeline_to_per_item_same_work": round(
            med["pipeline"] / med["per_item_same_work"], 2
        ),
        "refetch_unchanged_items_per_s": med["refetch"],
        "refetch_without_known_lookup_items_per_s": med["refetch_no_skip"],
        "unchanged_batch_ms": unchanged_batch_ms,
        **front,
        **{f"rounds_{k}": " / ".join(f"{x:.0f}" for x in v) for k, v in rates.items()},
        "note": (
            "items/s, medians of the rounds; pipeline = StorePipeline.process_item returning after "
            "COMMIT, batches of CRAWLER_STORE_BATCH_SIZE; baselines one commit per item on one connection"
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.store", description=__doc__.split("\n\n")[0])
    parser.add_argument("items", type=int, nargs="?", default=20_000, help="items per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline-items", type=int, default=None)
    args = parser.parse_args(argv)
    result = run(args.items, rounds=args.rounds, baseline_items=args.baseline_items)
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
