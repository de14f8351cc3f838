"""Versioned schema migrations: ``crawler migrate``.

Migrations are the numbered ``migrations/NNNN_name.sql`` files, applied in order,
each in its own transaction together with its row in ``schema_migrations``, under a
PostgreSQL advisory lock: two processes migrating at once apply each file exactly
once (the second waits, then finds nothing to do), and running it twice is a no-op.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
from dataclasses import dataclass
from importlib import resources

import psycopg

from crawler.config import get_settings
from crawler.connections import BackendUnavailable, pg_connect, safe_url

logger = logging.getLogger(__name__)

#: Arbitrary constant key of the advisory lock held while migrating.
MIGRATION_LOCK_KEY = 0x63726177  # "craw"

_CREATE_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    checksum   text        NOT NULL DEFAULT '',
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        """Hex SHA-256 of the file's text (a changed file after release is reported)."""
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


def load_migrations() -> list[Migration]:
    """The bundled migrations, sorted by version."""
    out = []
    for entry in resources.files("crawler.storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            out.append(Migration(version, entry.name, entry.read_text(encoding="utf-8")))
    versions = [m.version for m in out]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a version number: {sorted(versions)}")
    return sorted(out, key=lambda m: m.version)


def latest_version() -> int:
    """The version the code expects the schema to be at."""
    migrations = load_migrations()
    return migrations[-1].version if migrations else 0


def schema_version(conn: psycopg.Connection) -> int:
    """The highest migration applied to the database of ``conn`` (0 for none)."""
    exists = conn.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return 0
    row = conn.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    return int(row[0]) if row else 0


def _lock(conn: psycopg.Connection, url: str) -> None:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (MIGRATION_LOCK_KEY,)).fetchone()
    if row and row[0]:
        return
    logger.info("another process is migrating %s; waiting for it to finish", safe_url(url))
    conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))


def apply_migrations(url: str) -> list[str]:
    """Apply every pending migration to the database at ``url``; return the names applied."""
    applied: list[str] = []
    with pg_connect(url) as conn:
        _lock(conn, url)
        try:
            conn.execute(_CREATE_LEDGER)
            conn.execute(
                "ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text"
                " NOT NULL DEFAULT ''"
            )
            rows = conn.execute("SELECT version, checksum FROM schema_migrations").fetchall()
            done: dict[int, str] = dict(rows)
            for migration in load_migrations():
                if migration.version in done:
                    recorded = done[migration.version]
                    if recorded and recorded != migration.checksum:
                        logger.warning(
                            "migration %s changed after it was applied to %s; "
                            "the database keeps the old form",
                            migration.name,
                            safe_url(url),
                        )
                    continue
                with conn.transaction():
                    conn.execute(migration.sql.encode("utf-8"))  # a trusted bundled file
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name, checksum)"
                        " VALUES (%s, %s, %s)",
                        (migration.version, migration.name, migration.checksum),
                    )
                applied.append(migration.name)
                logger.info("applied migration %s", migration.name)
        finally:
            if not conn.closed:
                try:
                    conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
                except psycopg.Error:
                    # The session is gone, and its lock with it.
                    logger.debug("could not release the migration lock", exc_info=True)
    return applied


def check_schema(conn: psycopg.Connection, url: str) -> None:
    """Raise :class:`BackendUnavailable` unless the schema is at the code's version."""
    have, want = schema_version(conn), latest_version()
    if have < want:
        raise BackendUnavailable(
            f"the schema of {safe_url(url)} is at version {have}, this code needs {want}; "
            "run `crawler migrate`"
        )


def command(args: argparse.Namespace) -> int:
    """``crawler migrate``."""
    url = get_settings().get("DATABASE_URL")
    applied = apply_migrations(url)
    if applied:
        print(f"migrated {safe_url(url)}: applied {', '.join(applied)}")
    else:
        print(f"schema of {safe_url(url)} is up to date")
    return 0
