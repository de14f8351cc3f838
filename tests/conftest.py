"""Shared fixtures: a fresh PostgreSQL database per test run, an isolated Redis key space
per test, and project settings pointing at both.

The servers are real: ``TEST_DATABASE_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
is used only to create and drop the per-run database; ``TEST_REDIS_URL`` (default
``redis://127.0.0.1:6379/0``) is shared, so every test writes under its own key prefix.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import redis

from crawler.config import get_settings
from crawler.storage.migrate import apply_migrations

ADMIN_DATABASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
FIXTURES = Path(__file__).parent / "fixtures"
#: Where the suite starts its own PostgreSQL and Redis when none answer (a fresh laptop).
PRIVATE_SERVICES_DIR = Path(__file__).resolve().parent.parent / ".data" / "test-services"


def _resolve_backends() -> bool:
    """Point the suite at private PostgreSQL/Redis servers when the configured ones do not
    answer, so that ``make test`` runs on a machine with neither installed; True if it did."""
    global ADMIN_DATABASE_URL, TEST_REDIS_URL
    from crawler.localservices import ensure_services, postgres_answers, redis_answers

    if postgres_answers(ADMIN_DATABASE_URL) and redis_answers(TEST_REDIS_URL):
        return False
    services = ensure_services(ADMIN_DATABASE_URL, TEST_REDIS_URL, PRIVATE_SERVICES_DIR)
    ADMIN_DATABASE_URL, TEST_REDIS_URL = services.database_url, services.redis_url
    os.environ["TEST_DATABASE_URL"], os.environ["TEST_REDIS_URL"] = ADMIN_DATABASE_URL, TEST_REDIS_URL
    for line in services.messages:
        print(f"[tests] {line}")
    return services.any_private


_STARTED_PRIVATE = _resolve_backends()


def pytest_unconfigure(config: pytest.Config) -> None:
    if _STARTED_PRIVATE:
        from crawler.localservices import stop_services

        stop_services(PRIVATE_SERVICES_DIR)

DATA_TABLES = ("article_versions", "article_urls", "articles", "rejected_items", "crawl_runs")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, migrated database, dropped when the run ends."""
    name = f"crawler_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(ADMIN_DATABASE_URL, name)
    apply_migrations(url)
    yield url
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as admin:
        admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,)
        )
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


@pytest.fixture
def db(pg_url: str) -> Iterator[psycopg.Connection]:
    """An autocommit connection to the test database, its data tables emptied first."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")
        yield conn


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A Redis key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"crawler-test:{uuid.uuid4().hex[:10]}"
    yield prefix
    client = redis.Redis.from_url(TEST_REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    for start in range(0, len(keys), 500):
        client.delete(*keys[start : start + 500])
    client.close()


@pytest.fixture
def redis_client(redis_prefix: str) -> Iterator[redis.Redis]:
    """A client of the test Redis (keys must be written under ``redis_prefix``)."""
    client = redis.Redis.from_url(TEST_REDIS_URL)
    yield client
    client.close()


@pytest.fixture
def crawler_env(pg_url: str, redis_prefix: str) -> dict[str, str]:
    """Environment for a ``crawler`` subprocess using this test's database and Redis keys."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=pg_url,
        REDIS_URL=TEST_REDIS_URL,
        CRAWLER_REDIS_PREFIX=redis_prefix,
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture
def make_settings(pg_url: str, redis_prefix: str):  # type: ignore[no-untyped-def]
    """Factory of project settings pointing at the test database and Redis prefix."""

    def factory(**overrides: Any):  # type: ignore[no-untyped-def]
        values = {
            "DATABASE_URL": pg_url,
            "REDIS_URL": TEST_REDIS_URL,
            "CRAWLER_REDIS_PREFIX": redis_prefix,
        }
        values.update(overrides)
        return get_settings(values, environ={})

    return factory


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A fresh data folder for private servers, outside pytest's tmp root: pytest makes that
    root private (0700) at each session start, and the private PostgreSQL runs as another
    user when tests run as root. Its servers are stopped afterwards."""
    from crawler.localservices import stop_services

    root = Path(tempfile.mkdtemp(prefix="crawler-services-test-"))
    yield root / "data"
    stop_services(root / "data")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_cluster() -> Iterator[Any]:
    """A private PostgreSQL cluster the fault tests may stop and start (one per module)."""
    from faultkit import PrivatePostgres

    cluster = PrivatePostgres()
    yield cluster
    cluster.close()
