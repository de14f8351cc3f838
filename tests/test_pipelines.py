"""The item pipelines against a real PostgreSQL: validate -> normalize -> dedupe -> store."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.pipelines import ItemPipelineManager
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.connections import BackendUnavailable
from crawler.items import ArticleItem, Image
from crawler.storage.queries import counts, rejected_by_reason
from crawler.text import content_hash
from crawler.urls import canonicalize_url
from pipelines.database import Database
from pipelines.dedupe import DedupePipeline, dedupe_key
from pipelines.normalize import normalize_item
from pipelines.store import StorePipeline
from pipelines.validate import Limits, check_item

BOARD = "http://news.example.com/bbs/board.php"
#: A hung writer fails the test in a minute, not at the suite's 5-minute limit.
pytestmark = pytest.mark.timeout(120)


def crawler_for(settings: Settings) -> Crawler:
    """A crawler with the project settings, for the reactor-less test process."""
    values = settings.copy_to_dict()
    for key in ("TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "EXTENSIONS"):
        values.pop(key, None)
    return get_crawler(settings_dict=values)


def article(n: int, *, body: str | None = None, url: str | None = None, **fields: Any) -> ArticleItem:
    body = f"{n}번 기사의 첫 문단입니다.\n둘째 문단 {n}." if body is None else body
    url = url or f"{BOARD}?bo_table=news&wr_id={n}&page=3"
    values: dict[str, Any] = {
        "url": url,
        "canonical_url": url,
        "profile": "gnuboard",
        "title": f"기사 {n}",
        "body_text": body,
        "published_at": "2024-10-15T09:30:00+09:00",
        "source": "파이낸셜뉴스",
        "prev_url": f"{BOARD}?bo_table=news&wr_id={n + 1}",
        "next_url": f"{BOARD}?bo_table=news&wr_id={n - 1}" if n > 1 else None,
        "content_hash": content_hash(body),
        "seed_url": f"{BOARD}?bo_table=news&wr_id=1",
    }
    values.update(fields)
    return ArticleItem(**values)


async def run_pipelines(crawler: Crawler, items: list[Any]) -> list[Any]:
    """Open the crawler's ITEM_PIPELINES, push ``items`` through them at once, close."""
    manager = ItemPipelineManager.from_crawler(crawler)
    await manager.open_spider_async()
    try:
        return await asyncio.gather(
            *(manager.process_item_async(item) for item in items), return_exceptions=True
        )
    finally:
        await manager.close_spider_async()


@pytest.fixture
def crawler(make_settings: Callable[..., Settings], db: psycopg.Connection) -> Crawler:
    return crawler_for(make_settings(CRAWLER_STORE_BATCH_TIMEOUT=0.01))


# --- pure functions -------------------------------------------------------------


def test_check_item_reasons() -> None:
    limits = Limits(max_body_chars=50, min_body_chars=5, max_title_chars=10, max_url_chars=80)
    now = datetime(2024, 10, 15, tzinfo=UTC)
    ok = article(1, body="충분히 긴 본문입니다.", title="짧은 제목")
    assert check_item(ok, limits, now=now) is None
    cases = {
        "bad_url": {"url": "/bbs/board.php?wr_id=1"},
        "url_too_long": {"url": "http://x.example/" + "a" * 100},
        "missing_title": {"title": " \u200b "},
        "title_too_long": {"title": "제목" * 20},
        "missing_body": {"body_text": "목록\n댓글 0\n\u200b"},
        "body_too_short": {"body_text": "짧다"},
        "body_too_long": {"body_text": "가" * 51},
        "missing_hash": {"content_hash": ""},
        "bad_hash": {"content_hash": "abc"},
        "bad_date": {"published_at": "10-15 어제"},
        "future_date": {"published_at": "2024-10-20T00:00:00+09:00"},
    }
    for reason, change in cases.items():
        values = ok.to_dict() | change
        result = check_item(ArticleItem.from_dict(values), limits, now=now)
        assert result is not None and result[0] == reason, (reason, result)
        assert result[1]
    # Within the allowed days, and a date without offset read in the default zone.
    near = ArticleItem.from_dict(ok.to_dict() | {"published_at": "2024-10-16T23:00:00"})
    assert check_item(near, limits, now=now) is None


def test_normalize_item_makes_reposts_hash_the_same() -> None:
    press = article(
        1,
        url="https://www.fnnews.com/news/202410150930?utm_source=daum#top",
        body="[파이낸셜뉴스] 첫 문단.\n\n둘째 문단.\n박성현 기자 psh@fnnews.com\n"
        "Copyright ⓒ 파이낸셜뉴스. 무단전재 및 재배포 금지",
        content_hash="0" * 64,
    )
    board = article(
        2,
        body="\ufeff[파이낸셜뉴스]\u00a0첫 문단.\u200b\r\n둘째   문단.\n목록\n댓글 0",
        title="  기사\u00a0 1 ",
        author="\u200b",
        images=[Image("https://img.example/a.jpg", " 캡션\u200b "), Image("/relative.jpg")],
        prev_url="javascript:void(0)",
    )
    a, b = normalize_item(press), normalize_item(board)
    assert a.body_text == b.body_text == "[파이낸셜뉴스] 첫 문단.\n둘째 문단."
    assert a.content_hash == b.content_hash == content_hash(a.body_text)
    assert a.canonical_url == "https://www.fnnews.com/news/202410150930"
    assert b.title == "기사 1" and b.author is None and b.prev_url is None
    assert b.images == [Image("https://img.example/a.jpg", "캡션")]
    assert normalize_item(b) == b  # idempotent
    naive = normalize_item(article(3, published_at="2024-10-15 09:30"), datetime.now().astimezone().tzinfo or UTC)
    assert naive.published_at is not None and naive.published_at.startswith("2024-10-15T09:30:00")
    assert "\x00" not in normalize_item(article(4, body="널\x00문자", title="t\x00")).body_text


def test_dedupe_key_is_recomputed_from_current_fields() -> None:
    item = article(5)
    stale = ArticleItem.from_dict(item.to_dict() | {"content_hash": "f" * 64, "canonical_url": ""})
    fixed = asyncio.run(DedupePipeline().process_item(stale))
    assert (fixed.canonical_url, fixed.content_hash) == dedupe_key(item)
    assert fixed.canonical_url == canonicalize_url(item.url)
    assert fixed.content_hash == content_hash(item.body_text)


# --- through PostgreSQL ------------------------------------------------------------


def test_items_are_stored_once_per_content_with_every_url(
    crawler: Crawler, db: psycopg.Connection
) -> None:
    same = "같은 기사가 두 사이트에 올라왔다.\n둘째 문단."
    items = [article(n) for n in range(1, 6)]
    items.append(article(10, body=same, url="https://press.example/news/77?utm_medium=x"))
    items.append(article(11, body=f"\u200b{same}\n목록", url="https://board.example/bbs/9"))
    results = asyncio.run(run_pipelines(crawler, items))
    assert all(isinstance(r, ArticleItem) for r in results), results

    assert counts(db) == {
        "articles": 6, "urls": 7, "duplicates": 1, "versions": 0, "rejected": 0, "runs": 1,
    }
    row = db.execute(
        "SELECT a.canonical_url, count(u.*) FROM articles a JOIN article_urls u"
        " ON u.article_id = a.id WHERE a.content_hash = %s GROUP BY 1",
        (content_hash(same),),
    ).fetchone()
    assert row == ("https://press.example/news/77", 2)
    stored = db.execute(
        "SELECT url, canonical_url, title, published_at, images, site FROM articles"
        " WHERE canonical_url = %s",
        (canonicalize_url(items[0].url),),
    ).fetchone()
    assert stored is not None
    assert stored[1] == f"{BOARD}?bo_table=news&wr_id=1"
    assert stored[3] == datetime(2024, 10, 15, 0, 30, tzinfo=UTC)
    assert stored[4] == [] and stored[5] == "news.example.com"
    links = db.execute(
        "SELECT seed_url, prev_url, next_url, version FROM article_urls WHERE canonical_url = %s",
        (f"{BOARD}?bo_table=news&wr_id=2",),
    ).fetchone()
    assert links == (
        f"{BOARD}?bo_table=news&wr_id=1",
        f"{BOARD}?bo_table=news&wr_id=3",
        f"{BOARD}?bo_table=news&wr_id=1",
        1,
    )
    stats = crawler.stats.get_stats()
    assert stats["store/stored"] == 6 and stats["store/duplicates"] == 1
    assert stats["store/batches"] >= 1 and "validate/rejected" not in stats
    run = db.execute(
        "SELECT stored, duplicates, versions, unchanged, rejected, batches, finished_at, stats"
        " FROM crawl_runs"
    ).fetchone()
    assert run is not None and run[:5] == (6, 1, 0, 0, 0) and run[5] >= 1
    assert run[6] is not None and run[7]["store/stored"] == 6


def test_refused_items_are_recorded_with_reasons(
    make_settings: Callable[..., Settings], db: psycopg.Connection
) -> None:
    crawler = crawler_for(make_settings(CRAWLER_MAX_BODY_CHARS=40, CRAWLER_STORE_BATCH_TIMEOUT=0.01))
    future = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    items: list[Any] = [
        article(1),
        article(2, title=""),
        article(3, body="목록\n관련자료\n댓글 0"),
        article(4, url="ftp://files.example/4"),
        article(5, published_at=future),
        article(6, body="가" * 50),
        {"url": "http://x.example/dict", "title": "dict item", "body_text": "사전으로 온 기사.",
         "canonical_url": "", "profile": "p", "content_hash": content_hash("사전으로 온 기사.")},
        {"not": "an article"},
    ]
    results = asyncio.run(run_pipelines(crawler, items))

    assert isinstance(results[0], ArticleItem) and isinstance(results[6], ArticleItem)
    drops = [r for r in results if isinstance(r, DropItem)]
    assert len(drops) == 6
    assert str(results[1]).startswith("missing_title:")
    assert rejected_by_reason(db) == {
        "bad_item": 1, "bad_url": 1, "body_too_long": 1, "future_date": 1,
        "missing_body": 1, "missing_title": 1,
    }
    row = db.execute(
        "SELECT url, message, raw, worker, run_id FROM rejected_items WHERE reason = 'missing_title'"
    ).fetchone()
    assert row is not None
    url, message, raw, worker, run_id = row
    assert url == items[1].url and "title" in message
    assert raw["body_text"] == items[1].body_text and raw["title"] == ""
    assert worker and run_id is not None
    stats = crawler.stats.get_stats()
    assert stats["validate/rejected"] == 6
    assert stats["validate/rejected/missing_title"] == 1
    assert counts(db)["articles"] == 2
    assert db.execute("SELECT rejected FROM crawl_runs").fetchone() == (6,)


def test_changed_page_is_a_new_version_and_history_survives_a_return(
    make_settings: Callable[..., Settings], db: psycopg.Connection
) -> None:
    url = f"{BOARD}?bo_table=news&wr_id=42"
    first = article(42, body="처음 본문.")
    edited = article(42, body="고친 본문.")

    def run(*items: ArticleItem) -> dict[str, Any]:
        crawler = crawler_for(make_settings(CRAWLER_STORE_BATCH_TIMEOUT=0.01))
        results = asyncio.run(run_pipelines(crawler, list(items)))
        assert all(isinstance(r, ArticleItem) for r in results), results
        return {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("store/")}

    def history() -> list[tuple[int, str]]:
        return db.execute(
            "SELECT version, content_hash FROM article_versions WHERE canonical_url = %s"
            " ORDER BY version",
            (url,),
        ).fetchall()

    run(first)
    assert history() == [(1, first.content_hash)]

    # An unchanged re-fetch writes nothing new (only the URL's last_seen_at moves).
    before = db.execute("SELECT last_seen_at FROM article_urls").fetchone()
    stats = run(first)
    assert stats.get("store/unchanged") == 1 and "store/versions" not in stats
    assert history() == [(1, first.content_hash)]
    assert counts(db)["articles"] == 1
    after = db.execute("SELECT last_seen_at FROM article_urls").fetchone()
    assert before is not None and after is not None and after[0] > before[0]

    # The page changed: a new article, a new version; the old one is kept.
    stats = run(edited)
    assert stats.get("store/stored") == 1 and stats.get("store/versions") == 1
    assert history() == [(1, first.content_hash), (2, edited.content_hash)]

    # ... and changed back (A -> B -> A): the return is history too.
    stats = run(first)
    assert stats.get("store/versions") == 1 and "store/stored" not in stats
    assert history() == [(1, first.content_hash), (2, edited.content_hash), (3, first.content_hash)]
    current = db.execute(
        "SELECT a.content_hash, u.version FROM article_urls u JOIN articles a ON a.id = u.article_id"
    ).fetchall()
    assert current == [(first.content_hash, 3)]
    assert counts(db) == {
        "articles": 2, "urls": 1, "duplicates": 0, "versions": 2, "rejected": 0, "runs": 4,
    }

    # Both states of a page in one batch are written in order.
    stats = run(edited, first)
    assert [v for v, _ in history()] == [1, 2, 3, 4, 5]


def test_states_of_one_page_keep_their_order_across_concurrent_batches(
    make_settings: Callable[..., Settings], db: psycopg.Connection
) -> None:
    # One item per batch, two batches in flight: the page's states must still land in order.
    crawler = crawler_for(make_settings(CRAWLER_STORE_BATCH_SIZE=1, CRAWLER_STORE_BATCH_TIMEOUT=0))
    states = ["하나", "둘", "하나", "셋", "둘", "둘"]
    items: list[ArticleItem] = []
    for k, state in enumerate(states):
        items += [article(7, body=f"{state} 본문."), article(100 + k)]

    async def main() -> None:
        pipe = StorePipeline.from_crawler(crawler)
        await pipe.open_spider()
        try:
            await asyncio.gather(*(pipe.process_item(item) for item in items))
        finally:
            await pipe.close_spider()

    asyncio.run(main())
    history = db.execute(
        "SELECT v.version, a.body_text FROM article_versions v JOIN articles a ON a.id = v.article_id"
        " WHERE v.canonical_url = %s ORDER BY v.version",
        (items[0].canonical_url,),
    ).fetchall()
    assert history == [(1, "하나 본문."), (2, "둘 본문."), (3, "하나 본문."), (4, "셋 본문."), (5, "둘 본문.")]
    assert crawler.stats.get_value("store/unchanged") == 1
    assert crawler.stats.get_value("store/batches") == len(items)


def test_batch_writer_keeps_the_order_of_equal_keys(pg_url: str, db: psycopg.Connection) -> None:
    async def main() -> list[tuple[int, int]]:
        database = Database(pg_url, batch_size=2, batch_timeout=0)
        await database.open()
        order: list[tuple[int, int]] = []

        async def write(conn: psycopg.AsyncConnection[Any], entries: list[tuple[int, int]]) -> list[None]:
            await conn.execute("SELECT 1")
            # Every third batch is slow, so later batches would overtake it.
            await asyncio.sleep(0.02 if entries[0][1] // 2 % 3 == 0 else 0)
            order.extend(entries)
            return [None] * len(entries)

        writer = database.writer(write, name="test", max_concurrent=3, key=lambda e: e[0])
        await asyncio.gather(*(writer.submit((i % 4, i)) for i in range(80)))
        await writer.close()
        await database.close()
        assert writer.batches >= 40
        return order

    order = asyncio.run(main())
    assert sorted(order) == sorted((i % 4, i) for i in range(80))
    for key in range(4):
        written = [i for k, i in order if k == key]
        assert written == sorted(written)


def test_batch_writer_writes_a_full_batch_at_once_and_the_rest_at_its_timeout(
    pg_url: str, db: psycopg.Connection
) -> None:
    # The writer is woken by the first entry of a batch and by a full batch only; entries
    # in between must neither wait past their batch's timeout nor miss a full batch.
    async def main() -> list[tuple[list[int], float]]:
        database = Database(pg_url, batch_size=3, batch_timeout=0.5)
        await database.open()
        written: list[tuple[list[int], float]] = []
        start = time.monotonic()

        async def write(conn: psycopg.AsyncConnection[Any], entries: list[int]) -> list[None]:
            written.append((list(entries), time.monotonic() - start))
            return [None] * len(entries)

        writer = database.writer(write, name="test")
        waiting = [asyncio.ensure_future(writer.submit(1))]
        await asyncio.sleep(0.05)  # the writer now waits for the first batch's timeout
        waiting += [asyncio.ensure_future(writer.submit(e)) for e in (2, 3, 4, 5)]
        await asyncio.gather(*waiting)
        await writer.close()
        await database.close()
        return written

    written = asyncio.run(main())
    assert [entries for entries, _ in written] == [[1, 2, 3], [4, 5]]
    (_, full_at), (_, rest_at) = written
    assert full_at < 0.4  # full: written without waiting for the 0.5 s timeout
    assert rest_at >= 0.45  # partial: written when its timeout ran out, not before


def test_batch_writer_caps_the_weight_of_a_batch(pg_url: str, db: psycopg.Connection) -> None:
    async def main() -> list[list[int]]:
        database = Database(pg_url, batch_size=100, batch_timeout=0.05)
        await database.open()
        batches: list[list[int]] = []

        async def write(conn: psycopg.AsyncConnection[Any], entries: list[int]) -> list[None]:
            batches.append(list(entries))
            return [None] * len(entries)

        writer = database.writer(write, name="test", weight=lambda e: e, max_batch_weight=10)
        await asyncio.gather(*(writer.submit(e) for e in (6, 6, 3, 1, 30, 2)))
        await writer.close()
        await database.close()
        return batches

    assert asyncio.run(main()) == [[6], [6, 3, 1], [30], [2]]


def test_the_store_writes_every_field_exactly_as_given(crawler: Crawler, db: psycopg.Connection) -> None:
    # Quotes, backslashes, control and astral characters, a nested JSON list and SQL
    # nulls go through the batch statements' parameters and come back unchanged.
    body = '첫 문단 "인용" \\ 백슬래시\t탭\n둘째 문단 😀 \u00a0끝 </script>'
    item = article(
        1,
        body=body,
        title='제목 "따옴표" \\n 아님 😀',
        author=None,
        source=None,
        published_at=None,
        images=[Image(url="http://img.example/a.jpg", caption='캡션 "1" \\'), Image(url="http://img.example/b.jpg")],
    )

    async def store_alone() -> ArticleItem:
        pipe = StorePipeline.from_crawler(crawler)
        await pipe.open_spider()
        try:
            return await pipe.process_item(item)
        finally:
            await pipe.close_spider()

    assert asyncio.run(store_alone()) is item
    row = db.execute(
        "SELECT title, body_text, author, source, published_at, images, prev_url, next_url, site"
        " FROM articles"
    ).fetchone()
    assert row == (
        item.title, body, None, None, None,
        [{"url": "http://img.example/a.jpg", "caption": '캡션 "1" \\'},
         {"url": "http://img.example/b.jpg", "caption": None}],
        item.prev_url, None, "news.example.com",
    )
    urls = db.execute("SELECT url, seed_url, prev_url, next_url, content_hash FROM article_urls").fetchone()
    assert urls == (item.url, item.seed_url, item.prev_url, None, content_hash(body))


def test_an_item_postgres_refuses_is_recorded_and_the_rest_stored(
    make_settings: Callable[..., Settings], db: psycopg.Connection
) -> None:
    crawler = crawler_for(make_settings(CRAWLER_STORE_BATCH_TIMEOUT=0.05))
    # Straight to the store (validation would refuse it): a URL too long for a btree key.
    huge = article(2, url=f"http://x.example/{secrets.token_urlsafe(6000)}")
    huge = ArticleItem.from_dict(huge.to_dict() | {"canonical_url": huge.url})
    items = [article(1), huge, article(3)]

    async def main() -> list[Any]:
        database = Database.from_crawler(crawler)
        pipe = StorePipeline.from_crawler(crawler)
        await pipe.open_spider()
        try:
            return await asyncio.gather(*(pipe.process_item(i) for i in items), return_exceptions=True)
        finally:
            await pipe.close_spider()
            assert database.run_id is not None

    results = asyncio.run(main())
    assert isinstance(results[0], ArticleItem) and isinstance(results[2], ArticleItem)
    assert isinstance(results[1], DropItem) and "store_error" in str(results[1])
    assert counts(db)["articles"] == 2
    assert rejected_by_reason(db) == {"store_error": 1}
    assert crawler.stats.get_value("store/errors") == 1


def test_store_refuses_to_start_on_an_unmigrated_database(pg_url: str) -> None:
    name = f"{urlsplit(pg_url).path.strip('/')}_bare"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        database = Database(urlunsplit(urlsplit(pg_url)._replace(path=f"/{name}")))
        with pytest.raises(BackendUnavailable, match="run `crawler migrate`"):
            asyncio.run(database.open())
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- concurrency -------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    from scrapy.utils.test import get_crawler
    from crawler.config import get_settings
    from crawler.items import ArticleItem
    from pipelines.store import StorePipeline

    url, name, go, n = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
    values = get_settings({"DATABASE_URL": url, "CRAWLER_STORE_BATCH_SIZE": 25,
                           "CRAWLER_STORE_BATCH_TIMEOUT": 0.002}, environ={}).copy_to_dict()
    for key in ("TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "EXTENSIONS"):
        values.pop(key)
    crawler = get_crawler(settings_dict=values)
    order = range(n) if name == "a" else reversed(range(n))
    items = []
    for i in order:
        body = f"공유된 기사 {i}"
        from crawler.text import content_hash
        for site in (name, "shared"):
            u = f"http://{site}.example/article/{i}"
            items.append(ArticleItem(url=u, canonical_url=u, profile="p", title=f"t{i}",
                                     body_text=body, content_hash=content_hash(body)))

    async def main():
        pipe = StorePipeline.from_crawler(crawler)
        await pipe.open_spider()
        print("ready", flush=True)
        while not go.exists():
            await asyncio.sleep(0.005)
        await asyncio.gather(*(pipe.process_item(it) for it in items))
        await pipe.close_spider()
        print(json.dumps({k: v for k, v in crawler.stats.get_stats().items()
                          if k.startswith("store/")}), flush=True)

    asyncio.run(main())
    """
)


def test_two_writer_processes_store_each_content_once_and_keep_every_url(
    pg_url: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    n = 150
    script = tmp_path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), pg_url, name, str(go), str(n)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready", proc.stderr and proc.stderr.read()
        go.touch()
        outputs = [proc.communicate(timeout=120) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    stats = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]

    assert counts(db) == {
        "articles": n, "urls": 3 * n, "duplicates": 2 * n, "versions": 0, "rejected": 0, "runs": 2,
    }
    # Every URL points at the article of its content.
    wrong = db.execute(
        "SELECT count(*) FROM article_urls u JOIN articles a ON a.id = u.article_id"
        " WHERE a.content_hash <> u.content_hash"
    ).fetchone()
    assert wrong == (0,)
    # Between them the two writers stored each content exactly once.
    assert sum(s.get("store/stored", 0) for s in stats) == n
    assert sum(s.get("store/stored", 0) + s.get("store/duplicates", 0) for s in stats) == 3 * n
    assert sum(s.get("store/unchanged", 0) for s in stats) == n
    assert db.execute("SELECT sum(stored), sum(duplicates) FROM crawl_runs").fetchone() == (n, 2 * n)


def test_two_writers_in_one_loop_race_on_the_same_contents(
    make_settings: Callable[..., Settings], db: psycopg.Connection, caplog: pytest.LogCaptureFixture
) -> None:
    n = 120
    crawlers = [crawler_for(make_settings(CRAWLER_STORE_BATCH_SIZE=20)) for _ in range(2)]

    async def main() -> None:
        pipes = [StorePipeline.from_crawler(c) for c in crawlers]
        for pipe in pipes:
            await pipe.open_spider()
        jobs = []
        for k, pipe in enumerate(pipes):
            order = range(n) if k == 0 else reversed(range(n))
            jobs += [pipe.process_item(article(i, url=f"http://w{k}.example/{i}")) for i in order]
        await asyncio.gather(*jobs)
        for pipe in pipes:
            await pipe.close_spider()

    with caplog.at_level(logging.WARNING):
        asyncio.run(main())
    assert counts(db)["articles"] == n and counts(db)["urls"] == 2 * n
    assert sum(c.stats.get_value("store/stored", 0) for c in crawlers) == n
    assert not [r for r in caplog.records if "unreachable" in r.getMessage()]


ENGINE_RUN = textwrap.dedent(
    """
    import json, sys
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from crawler.config import get_settings
    from crawler.items import ArticleItem
    from crawler.text import content_hash

    class Items(scrapy.Spider):
        name = "items"

        async def start(self):
            for i in range(60):
                body = f"엔진을 거친 기사 {i % 50}."
                url = f"http://engine.example/bbs/board.php?bo_table=a&wr_id={i}&page=2"
                yield ArticleItem(url=url, canonical_url=url, profile="p",
                                  title="" if i == 7 else f"t{i}", body_text=body,
                                  content_hash=content_hash(body))

    settings = get_settings({
        "DATABASE_URL": sys.argv[1],
        "SCHEDULER": "scrapy.core.scheduler.Scheduler",
        "DOWNLOADER_MIDDLEWARES": {},
        "LOG_LEVEL": "INFO",
    }, environ={})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(Items)
    process.crawl(crawler)
    process.start()
    print(json.dumps({k: v for k, v in crawler.stats.get_stats().items()
                      if k.startswith(("store/", "validate/", "item_", "finish_reason"))}))
    """
)


def test_pipelines_under_scrapys_engine_and_asyncio_reactor(
    pg_url: str, db: psycopg.Connection, tmp_path: Path
) -> None:
    script = tmp_path / "engine.py"
    script.write_text(ENGINE_RUN, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, str(script), pg_url], capture_output=True, text=True, timeout=90
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    stats = json.loads(proc.stdout.strip().splitlines()[-1])
    assert stats["finish_reason"] == "finished"
    assert stats["item_scraped_count"] == 59 and stats["item_dropped_count"] == 1
    assert stats["store/stored"] == 50 and stats["store/duplicates"] == 9
    assert stats["validate/rejected/missing_title"] == 1
    assert counts(db) == {
        "articles": 50, "urls": 59, "duplicates": 9, "versions": 0, "rejected": 1, "runs": 1,
    }
    row = db.execute("SELECT canonical_url FROM article_urls ORDER BY canonical_url LIMIT 1").fetchone()
    assert row == ("http://engine.example/bbs/board.php?bo_table=a&wr_id=0",)
    assert db.execute("SELECT finished_at IS NOT NULL FROM crawl_runs").fetchone() == (True,)
