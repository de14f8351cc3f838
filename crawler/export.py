"""``crawler export``: stream stored articles out of PostgreSQL as JSON lines or CSV.

Rows come through a server-side cursor (a named psycopg cursor fetching ``batch_size``
rows at a time), so memory stays constant however many articles there are. Output is
UTF-8; JSON lines hold one article per line, with ``images`` as a list and ``urls``
(every URL the content was found at); CSV has one header line and the same columns,
``images`` and ``urls`` as JSON text.

Filters: ``--since`` (an ISO date or date-time, or an age such as ``7d`` / ``12h``) keeps
articles first seen at or after it; ``--site`` keeps one site (its host, ``www.`` left
out, as stored in ``articles.site``; subdomains included).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections.abc import Generator, Iterator
from contextlib import ExitStack, closing
from datetime import UTC, date, datetime, timedelta
from typing import IO, Any

from psycopg import sql
from psycopg.rows import dict_row

from crawler.connections import pg_connect
from crawler.urls import site_of

#: Columns written, in order.
COLUMNS = (
    "id",
    "url",
    "canonical_url",
    "site",
    "profile",
    "title",
    "body_text",
    "published_at",
    "author",
    "source",
    "images",
    "prev_url",
    "next_url",
    "content_hash",
    "first_seen_at",
    "urls",
)
FORMATS = ("jsonl", "csv")
_AGE_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhdw])$", re.IGNORECASE)
_AGE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class ExportError(ValueError):
    """A bad export option; the message names the value."""


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """``2025-10-15``, ``2025-10-15T09:00:00+09:00`` or an age (``7d``, ``12h``) as an aware datetime.

    Dates and date-times without a zone are read as UTC.
    """
    text = value.strip()
    match = _AGE_RE.match(text)
    if match:
        now = now or datetime.now(UTC)
        try:
            return now - timedelta(seconds=float(match.group(1)) * _AGE_UNITS[match.group(2).lower()])
        except OverflowError:  # 99999999d reaches back past the year 1
            raise ExportError(f"--since {value!r}: the age reaches back before the year 1") from None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(text), datetime.min.time())
        except ValueError:
            raise ExportError(
                f"--since {value!r}: expected a date (2025-10-15), a date-time (2025-10-15T09:00+09:00) "
                "or an age (7d, 12h)"
            ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def normalize_site(value: str) -> str:
    """``https://www.Example.org/x`` or ``www.example.org`` -> ``example.org``."""
    text = value.strip()
    if "://" not in text:
        text = "http://" + text
    site = site_of(text)
    if not site:
        raise ExportError(f"--site {value!r}: expected a domain such as example.org")
    return site


def build_query(*, since: datetime | None, site: str | None) -> tuple[sql.Composed, list[Any]]:
    """The SELECT of an export and its parameters."""
    where: list[sql.Composable] = []
    params: list[Any] = []
    if since is not None:
        where.append(sql.SQL("a.first_seen_at >= %s"))
        params.append(since)
    if site is not None:
        where.append(sql.SQL("(a.site = %s OR a.site LIKE %s)"))
        params += [site, "%." + site.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")]
    query = sql.SQL(
        "SELECT a.id, a.url, a.canonical_url, a.site, a.profile, a.title, a.body_text, a.published_at,"
        " a.author, a.source, a.images, a.prev_url, a.next_url, a.content_hash, a.first_seen_at,"
        " COALESCE((SELECT array_agg(u.url ORDER BY u.first_seen_at, u.canonical_url)"
        "           FROM article_urls u WHERE u.article_id = a.id), ARRAY[]::text[]) AS urls"
        " FROM articles a {where} ORDER BY a.first_seen_at, a.id"
    ).format(where=sql.SQL("WHERE ") + sql.SQL(" AND ").join(where) if where else sql.SQL(""))
    return query, params


def iter_articles(
    conn: Any, *, since: datetime | None = None, site: str | None = None, batch_size: int = 500
) -> Generator[dict[str, Any], None, None]:
    """Stored articles as dicts, oldest first, through a server-side cursor.

    The cursor lives in a transaction of its own on ``conn`` (a psycopg connection),
    fetching ``batch_size`` rows per round trip.
    """
    query, params = build_query(since=since, site=site)
    with conn.transaction(), conn.cursor(name="crawler_export", row_factory=dict_row) as cur:
        cur.itersize = batch_size
        cur.execute(query, params)
        yield from cur


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def to_record(row: dict[str, Any]) -> dict[str, Any]:
    """A JSON-ready article: dates as ISO 8601, images and urls as lists."""
    out = {col: _iso(row.get(col)) for col in COLUMNS}
    out["images"] = row.get("images") or []
    out["urls"] = list(row.get("urls") or [])
    return out


def write_jsonl(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per line; return the count."""
    count = 0
    for row in rows:
        out.write(json.dumps(to_record(row), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def write_csv(rows: Iterator[dict[str, Any]], out: IO[str]) -> int:
    """Write a header line, then one line per article; return the count."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    count = 0
    for row in rows:
        record = to_record(row)
        record["images"] = json.dumps(record["images"], ensure_ascii=False)
        record["urls"] = json.dumps(record["urls"], ensure_ascii=False)
        writer.writerow(["" if record[c] is None else record[c] for c in COLUMNS])
        count += 1
    return count


def export(
    database_url: str,
    out: IO[str],
    *,
    fmt: str = "jsonl",
    since: datetime | None = None,
    site: str | None = None,
    batch_size: int = 500,
    timeout: float = 5.0,
) -> int:
    """Stream the articles of ``database_url`` to ``out`` in ``fmt``; return how many were written."""
    if fmt not in FORMATS:
        raise ExportError(f"--format {fmt!r}: expected one of {', '.join(FORMATS)}")
    writer = write_jsonl if fmt == "jsonl" else write_csv
    with (
        pg_connect(database_url, timeout=timeout, autocommit=True) as conn,
        closing(iter_articles(conn, since=since, site=site, batch_size=batch_size)) as rows,
    ):
        return writer(rows, out)


def command(args: argparse.Namespace) -> int:
    """``crawler export --format jsonl|csv [--since DATE] [--site DOMAIN] [-o FILE]``."""
    from crawler.config import get_settings

    settings = get_settings()
    try:
        since = parse_since(args.since) if args.since else None
        site = normalize_site(args.site) if args.site else None
    except ExportError as exc:
        print(f"crawler export: {exc}", file=sys.stderr)
        return 2
    with ExitStack() as stack:
        if args.output and args.output != "-":
            out: IO[str] = stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
        else:
            sys.stdout.reconfigure(encoding="utf-8")  # type: ignore[union-attr]
            out = sys.stdout
        try:
            count = export(
                settings.get("DATABASE_URL"),
                out,
                fmt=args.format,
                since=since,
                site=site,
                timeout=settings.getfloat("CRAWLER_CONNECT_TIMEOUT"),
            )
        except BrokenPipeError:
            # The reader (head, less) went away: stop quietly, as other command-line tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    target = args.output if args.output and args.output != "-" else "standard output"
    print(f"exported {count} article(s) as {args.format} to {target}", file=sys.stderr)
    return 0
