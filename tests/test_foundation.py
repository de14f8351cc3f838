"""The shared pieces every component relies on: config, URLs, text, migrations."""

from __future__ import annotations

import psycopg

from crawler.config import env_overrides, get_settings
from crawler.connections import safe_url
from crawler.storage.migrate import apply_migrations
from crawler.text import content_hash, normalize_text
from crawler.urls import canonicalize_url, url_fingerprint


def test_env_overrides_project_and_scrapy_settings() -> None:
    env = {
        "CRAWLER_LEASE_TIMEOUT": "7.5",
        "CRAWLER_CONCURRENT_REQUESTS": "64",
        "DATABASE_URL": "postgresql://u@h/db",
        "CRAWLER_LOG_FORMAT": "json",
    }
    out = env_overrides(env)
    assert out == {
        "CRAWLER_LEASE_TIMEOUT": 7.5,
        "CONCURRENT_REQUESTS": 64,
        "DATABASE_URL": "postgresql://u@h/db",
        "CRAWLER_LOG_FORMAT": "json",
    }
    settings = get_settings(environ=env)
    assert settings.getfloat("CRAWLER_LEASE_TIMEOUT") == 7.5
    assert settings.getint("CONCURRENT_REQUESTS") == 64
    assert get_settings(environ={}).get("REDIS_URL") == "redis://127.0.0.1:6379/0"


def test_safe_url_hides_password() -> None:
    assert safe_url("postgresql://bob:s3cret@db:5432/x") == "postgresql://bob:***@db:5432/x"
    assert safe_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_canonicalize_keeps_article_identity_and_drops_list_state() -> None:
    url = "HTTP://Example.COM:80/bbs/board.php?wr_id=5&page=3&bo_table=free&sca=x&utm_source=t#c1"
    assert canonicalize_url(url) == "http://example.com/bbs/board.php?bo_table=free&wr_id=5"
    assert url_fingerprint(url) == url_fingerprint("http://example.com/bbs/board.php?bo_table=free&wr_id=5")
    assert url_fingerprint(url) != url_fingerprint("http://example.com/bbs/board.php?bo_table=free&wr_id=6")
    assert -(2**63) <= url_fingerprint(url) < 2**63


def test_normalize_and_hash_ignore_invisible_differences() -> None:
    a = "첫 문단\u200b  입니다.\r\n\r\n\u00a0두 번째\t문단 "
    b = "첫 문단 입니다.\n두 번째 문단"
    assert normalize_text(a) == b
    assert content_hash(a) == content_hash(b)
    assert content_hash(b) != content_hash(b + ".")
    assert len(content_hash(b)) == 64


def test_migrations_are_idempotent(pg_url: str) -> None:
    assert apply_migrations(pg_url) == []
    with psycopg.connect(pg_url) as conn:
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema='public'"
            )
        }
    assert {"articles", "article_urls", "rejected_items", "article_versions"} <= tables
