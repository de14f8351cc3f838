"""Versioned schema migrations: ``crawler migrate``.

Migrations are the numbered ``migrations/NNNN_name.sql`` files, applied in order,
each in its own transaction, under a PostgreSQL advisory lock so that two
processes migrating at once apply each file exactly once.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from importlib import resources

from crawler.config import get_settings
from crawler.connections import pg_connect, safe_url

logger = logging.getLogger(__name__)

#: Arbitrary constant key of the advisory lock held while migrating.
MIGRATION_LOCK_KEY = 0x63726177  # "craw"


@dataclass(frozen=True)
class Migration:
    """One numbered SQL file."""

    version: int
    name: str
    sql: str


def load_migrations() -> list[Migration]:
    """The bundled migrations, sorted by version."""
    out = []
    for entry in resources.files("crawler.storage").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            out.append(Migration(version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out, key=lambda m: m.version)


def apply_migrations(url: str) -> list[str]:
    """Apply every pending migration to the database at ``url``; return the names applied."""
    applied: list[str] = []
    with pg_connect(url) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_KEY,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for migration in load_migrations():
                if migration.version in done:
                    continue
                with conn.transaction():
                    conn.execute(migration.sql)  # type: ignore[arg-type]  # trusted bundled file
                    conn.execute(
                        "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                        (migration.version, migration.name),
                    )
                applied.append(migration.name)
                logger.info("applied migration %s", migration.name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_KEY,))
    return applied


def command(args: argparse.Namespace) -> int:
    """``crawler migrate``."""
    url = get_settings().get("DATABASE_URL")
    applied = apply_migrations(url)
    if applied:
        print(f"migrated {safe_url(url)}: applied {', '.join(applied)}")
    else:
        print(f"schema of {safe_url(url)} is up to date")
    return 0
