"""Read-only figures of the stored record, for ``crawler stats`` and the metrics."""

from __future__ import annotations

from typing import Any

import psycopg

#: One round trip for every figure. ``duplicates``: URLs whose article was first
#: stored at another URL. ``versions``: content changes recorded (versions after the
#: first of each URL). ``runs``: worker runs recorded.
_COUNTS = """
SELECT
    (SELECT count(*) FROM articles) AS articles,
    (SELECT count(*) FROM article_urls) AS urls,
    (SELECT count(*) FROM article_urls u JOIN articles a ON a.id = u.article_id
      WHERE a.canonical_url <> u.canonical_url) AS duplicates,
    (SELECT count(*) FROM article_versions WHERE version > 1) AS versions,
    (SELECT count(*) FROM rejected_items) AS rejected,
    (SELECT count(*) FROM crawl_runs) AS runs
"""

COUNT_KEYS = ("articles", "urls", "duplicates", "versions", "rejected", "runs")


def counts(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """``{articles, urls, duplicates, versions, rejected, runs}`` of the database of ``conn``."""
    row = conn.execute(_COUNTS).fetchone()
    if row is None:  # pragma: no cover - a SELECT without FROM always returns a row
        return dict.fromkeys(COUNT_KEYS, 0)
    return {key: int(value) for key, value in zip(COUNT_KEYS, row, strict=True)}


async def acounts(conn: psycopg.AsyncConnection[Any]) -> dict[str, int]:
    """:func:`counts` on an async connection."""
    cur = await conn.execute(_COUNTS)
    row = await cur.fetchone()
    if row is None:  # pragma: no cover
        return dict.fromkeys(COUNT_KEYS, 0)
    return {key: int(value) for key, value in zip(COUNT_KEYS, row, strict=True)}


def rejected_by_reason(conn: psycopg.Connection[Any]) -> dict[str, int]:
    """Refused items per reason code, most frequent first."""
    rows = conn.execute(
        "SELECT reason, count(*) FROM rejected_items GROUP BY reason ORDER BY 2 DESC, 1"
    ).fetchall()
    return {reason: int(n) for reason, n in rows}
