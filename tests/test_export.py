"""``crawler export``: streamed JSON lines / CSV of articles inserted through the real schema."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from crawler.export import ExportError, export, iter_articles, normalize_site, parse_since
from crawler.text import content_hash

SEEN = datetime(2025, 10, 15, 4, 0, tzinfo=UTC)


def insert_article(
    conn: psycopg.Connection, n: int, *, site: str, seen: datetime, urls: int = 1, body: str | None = None
) -> int:
    body = body if body is not None else f'[파이낸셜뉴스] {n}번째 기사 본문.\n둘째 문단, "따옴표"와 쉼표.'
    url = f"https://{site}/news/{n}"
    row = conn.execute(
        "INSERT INTO articles (content_hash, url, canonical_url, profile, title, body_text, published_at,"
        " author, source, images, prev_url, next_url, site, first_seen_at)"
        " VALUES (%s, %s, %s, 'daum', %s, %s, %s, '박성현 기자', '파이낸셜뉴스', %s, %s, NULL, %s, %s) RETURNING id",
        (
            content_hash(body), url, url, f"AI 모델만으로 AX 성공 안 돼 #{n}", body, seen - timedelta(hours=1),
            json.dumps([{"url": f"https://img.{site}/{n}.jpg", "caption": "사진=박성현 기자"}]),
            f"https://{site}/news/{n - 1}", site, seen,
        ),
    ).fetchone()  # fmt: skip
    assert row is not None
    for i in range(urls):
        u = url if i == 0 else f"{url}?from=list{i}"
        conn.execute(
            "INSERT INTO article_urls (canonical_url, url, article_id, site, content_hash, first_seen_at)"
            " VALUES (%s, %s, %s, %s, %s, %s)",
            (u, u, row[0], site, content_hash(body), seen + timedelta(seconds=i)),
        )
    return int(row[0])


@pytest.fixture
def articles(db: psycopg.Connection) -> psycopg.Connection:
    insert_article(db, 1, site="news.example.com", seen=SEEN, urls=2)
    insert_article(db, 2, site="news.example.com", seen=SEEN + timedelta(days=1))
    insert_article(db, 3, site="blog.example.org", seen=SEEN + timedelta(days=2))
    insert_article(db, 4, site="example.org", seen=SEEN + timedelta(days=3))
    insert_article(db, 5, site="notexample.org", seen=SEEN + timedelta(days=4))
    return db


def run_export(pg_url: str, fmt: str, **kw: Any) -> str:
    out = io.StringIO()
    export(pg_url, out, fmt=fmt, **kw)
    return out.getvalue()


def test_jsonl_one_article_per_line(pg_url: str, articles: psycopg.Connection) -> None:
    text = run_export(pg_url, "jsonl")
    records = [json.loads(line) for line in text.splitlines()]
    assert [r["title"][-2:] for r in records] == ["#1", "#2", "#3", "#4", "#5"]  # oldest first
    first = records[0]
    assert first["body_text"].startswith("[파이낸셜뉴스] 1번째") and "\n" in first["body_text"]
    assert first["images"] == [{"url": "https://img.news.example.com/1.jpg", "caption": "사진=박성현 기자"}]
    assert first["urls"] == ["https://news.example.com/news/1", "https://news.example.com/news/1?from=list1"]
    assert first["published_at"] == "2025-10-15T03:00:00+00:00"
    assert first["first_seen_at"] == "2025-10-15T04:00:00+00:00"
    assert first["next_url"] is None and first["author"] == "박성현 기자"
    assert first["content_hash"] == content_hash(first["body_text"])
    assert "파이낸셜뉴스" in text  # UTF-8, not \\u escapes


def test_csv_round_trips(pg_url: str, articles: psycopg.Connection) -> None:
    text = run_export(pg_url, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 5
    assert rows[0]["body_text"].endswith('"따옴표"와 쉼표.') and "\n" in rows[0]["body_text"]
    assert json.loads(rows[0]["urls"])[1].endswith("?from=list1")
    assert json.loads(rows[0]["images"])[0]["caption"] == "사진=박성현 기자"
    assert rows[0]["next_url"] == ""


def test_since_and_site_filters(pg_url: str, articles: psycopg.Connection) -> None:
    def titles(**kw: Any) -> list[str]:
        return [json.loads(x)["title"][-2:] for x in run_export(pg_url, "jsonl", **kw).splitlines()]

    assert titles(since=SEEN + timedelta(days=1)) == ["#2", "#3", "#4", "#5"]
    assert titles(since=parse_since("2025-10-17")) == ["#3", "#4", "#5"]
    assert titles(site="news.example.com") == ["#1", "#2"]
    assert titles(site="example.org") == ["#3", "#4"]  # subdomains, not notexample.org
    assert titles(site="example.org", since=SEEN + timedelta(days=3)) == ["#4"]
    assert titles(site="nowhere.test") == []


def test_parse_since_and_site() -> None:
    now = datetime(2025, 10, 20, tzinfo=UTC)
    assert parse_since("2025-10-15") == datetime(2025, 10, 15, tzinfo=UTC)
    assert parse_since("2025-10-15T09:00:00+09:00") == datetime(2025, 10, 15, tzinfo=UTC)
    assert parse_since("2025-10-15T09:00Z") == datetime(2025, 10, 15, 9, tzinfo=UTC)
    assert parse_since("7d", now=now) == datetime(2025, 10, 13, tzinfo=UTC)
    assert parse_since("12h", now=now) == datetime(2025, 10, 19, 12, tzinfo=UTC)
    with pytest.raises(ExportError, match="--since 'last week'"):
        parse_since("last week")
    assert normalize_site("https://www.Example.org/x") == "example.org"
    assert normalize_site("news.example.com") == "news.example.com"
    with pytest.raises(ExportError):
        normalize_site("   ")


def test_rows_come_through_a_server_side_cursor(pg_url: str, articles: psycopg.Connection) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        rows = iter_articles(conn, batch_size=2)
        next(rows)
        cursors = [r[0] for r in conn.execute("SELECT name FROM pg_cursors").fetchall()]
        assert "crawler_export" in cursors
        assert len(list(rows)) == 4


def test_memory_stays_flat_however_many_rows(pg_url: str, db: psycopg.Connection) -> None:
    """6000 articles of 4 KB (24 MB of text): the export's peak Python memory stays a small,
    fixed multiple of one batch, not of the table."""
    db.execute(
        "INSERT INTO articles (content_hash, url, canonical_url, profile, title, body_text, site, first_seen_at)"
        " SELECT md5(g::text), 'https://big.test/' || g, 'https://big.test/' || g, 'generic', '제목 ' || g,"
        "        repeat('본문', 680) || g, 'big.test', now()"
        " FROM generate_series(1, 6000) g"
    )

    class Counting(io.TextIOBase):
        def __init__(self) -> None:
            self.chars = 0

        def write(self, s: str) -> int:
            self.chars += len(s)
            return len(s)

    sink = Counting()
    tracemalloc.start()
    try:
        count = export(pg_url, sink, fmt="jsonl", batch_size=200)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 6000 and sink.chars > 8_000_000  # 1360 Hangul syllables each: 24 MB of UTF-8
    print(f"export peak Python memory: {peak / 1e6:.2f} MB for {sink.chars} characters")
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB for a 24 MB export"


def test_command_writes_a_file(tmp_path: Path, crawler_env: dict[str, str], articles: psycopg.Connection) -> None:
    out = tmp_path / "articles.csv"
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "export", "--format", "csv", "--site", "news.example.com",
         "--since", "2025-10-15", "-o", str(out)],
        env=crawler_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "exported 2 article(s) as csv" in proc.stderr
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 2
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "export", "--since", "yesterday-ish"],
        env=crawler_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2 and "--since 'yesterday-ish'" in proc.stderr
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "export"],
        env=crawler_env, capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0 and len(proc.stdout.decode("utf-8").splitlines()) == 5


def test_a_reader_that_stops_early_ends_the_export_quietly(crawler_env: dict[str, str], db: psycopg.Connection) -> None:
    """``crawler export | head -1``: the export stops without a traceback when the pipe closes."""
    db.execute(
        "INSERT INTO articles (content_hash, url, canonical_url, profile, title, body_text, site)"
        " SELECT md5(g::text), 'https://big.test/' || g, 'https://big.test/' || g, 'generic', 't' || g,"
        "        repeat('본문', 500), 'big.test' FROM generate_series(1, 3000) g"
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "export"],
        env=crawler_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0
    assert json.loads(first)["site"] == "big.test"
    assert "Traceback" not in err and "rollback" not in err


def test_an_age_out_of_range_is_a_bad_value() -> None:
    with pytest.raises(ExportError, match="--since '99999999d'"):
        parse_since("99999999d")
    with pytest.raises(ExportError, match=r"--since '9+w'"):
        parse_since("9" * 400 + "w")


def test_command_refuses_an_age_out_of_range(crawler_env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "export", "--since", "99999999d"],
        env=crawler_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "crawler export: --since '99999999d': the age reaches back before the year 1"
    ]
    assert proc.stdout == ""
