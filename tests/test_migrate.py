"""``crawler migrate``: idempotent, and safe with several processes at once."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from crawler.connections import BackendUnavailable
from crawler.storage.migrate import (
    MIGRATION_LOCK_KEY,
    apply_migrations,
    check_schema,
    latest_version,
    load_migrations,
    schema_version,
)

#: A migrate process stuck on the lock fails the test in a minute.
pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def fresh_db(pg_url: str) -> Iterator[str]:
    """URL of an empty database of this test (on the server of ``pg_url``)."""
    name = f"crawler_migrate_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(urlsplit(pg_url)._replace(path=f"/{name}"))
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate_process(url: str) -> subprocess.Popen[str]:
    env = dict(os.environ, DATABASE_URL=url)
    return subprocess.Popen(
        [sys.executable, "-m", "crawler.cli", "migrate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_migrate_twice_is_a_no_op(fresh_db: str) -> None:
    names = [m.name for m in load_migrations()]
    assert apply_migrations(fresh_db) == names
    assert apply_migrations(fresh_db) == []
    with psycopg.connect(fresh_db) as conn:
        assert schema_version(conn) == latest_version()
        check_schema(conn, fresh_db)
        rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
    assert [v for v, _ in rows] == [m.version for m in load_migrations()]
    assert all(len(c) == 64 for _, c in rows)


def test_processes_migrating_at_once_apply_each_file_once(fresh_db: str) -> None:
    # Hold the lock so that both processes are certainly waiting at the same time.
    with psycopg.connect(fresh_db, autocommit=True) as holder:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        procs = [_migrate_process(fresh_db) for _ in range(3)]
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            row = holder.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            ).fetchone()
            if row and row[0] == len(procs):
                break
            time.sleep(0.05)
        else:
            pytest.fail("the migrate processes never waited for the lock")
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    outputs = [p.communicate(timeout=60) for p in procs]
    for proc, (_out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "another process is migrating" in err
    said = [out.strip() for out, _ in outputs]
    assert sum(s.startswith("migrated ") for s in said) == 1, said
    assert sum(s.endswith("is up to date") for s in said) == 2, said
    with psycopg.connect(fresh_db) as conn:
        assert schema_version(conn) == latest_version()
        row = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
    assert row == (len(load_migrations()),)


def test_unmigrated_or_edited_schema_is_reported(
    fresh_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    with psycopg.connect(fresh_db) as conn:
        assert schema_version(conn) == 0
        with pytest.raises(BackendUnavailable, match="run `crawler migrate`"):
            check_schema(conn, fresh_db)
    apply_migrations(fresh_db)
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    with caplog.at_level(logging.WARNING, logger="crawler.storage.migrate"):
        assert apply_migrations(fresh_db) == []
    assert any("changed after it was applied" in r.getMessage() for r in caplog.records)
