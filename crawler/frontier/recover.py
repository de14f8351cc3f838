"""Redis is a cache of the frontier; PostgreSQL is the record. Rebuild one from the other.

:func:`recover` marks every stored article URL (``article_urls.canonical_url``) and
every refused URL (``rejected_items.url``) seen, and pushes every prev/next link of a
stored article that was never stored itself (and is on the article's site) as a walk
start in that link's direction. Nothing already stored is fetched again; every walk
that was cut short (by a lost Redis, a killed fleet, a failed page) continues.

:func:`ensure_ready` is what every process that writes the frontier calls first:
when Redis does not hold the seen-set record (``{prefix}:seen:buckets``), Redis lost
its data or was never used; if PostgreSQL holds articles, the frontier is rebuilt,
under a lock so that workers starting together rebuild it once.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import psycopg
import redis
from scrapy import Request

from crawler.connections import pg_connect
from crawler.frontier.queue import Frontier, PushEntry
from crawler.frontier.serialize import request_to_json
from crawler.frontier.walk import WalkPolicy, same_site, seed_meta
from crawler.urls import canonicalize_url, url_fingerprint

logger = logging.getLogger(__name__)

#: Seconds the recovery lock is held at most (a crashed holder frees it after this).
LOCK_SECONDS = 600
_BATCH = 5000


@dataclass
class RecoverResult:
    """What a rebuild did."""

    articles: int = 0
    rejected: int = 0
    seen_added: int = 0
    frontier_pushed: int = 0
    skipped: bool = False


def _rows(conn: psycopg.Connection, query: str) -> Iterator[tuple[str | None, ...]]:
    with conn.transaction(), conn.cursor(name=f"recover_{uuid.uuid4().hex[:8]}") as cur:
        cur.itersize = _BATCH
        cur.execute(query)
        yield from cur


def recover(
    client: redis.Redis,
    prefix: str,
    conn: psycopg.Connection,
    *,
    buckets: int = 8192,
    policy: WalkPolicy | None = None,
) -> RecoverResult:
    """Rebuild the seen set and the frontier under ``prefix`` from the database of ``conn``."""
    policy = policy or WalkPolicy()
    frontier = Frontier(client, prefix, seen_buckets=buckets)
    if frontier.seen.is_marked():
        frontier.settle()  # adopt the bucket count in use
    frontier.start_sequence()
    result = RecoverResult()
    stored: set[int] = set()
    for (canonical,) in _rows(conn, "SELECT canonical_url FROM article_urls"):
        assert canonical is not None
        stored.add(url_fingerprint(canonical, canonical=True))
    result.articles = len(stored)
    refused: set[int] = set()
    for (url,) in _rows(conn, "SELECT DISTINCT url FROM rejected_items WHERE url IS NOT NULL"):
        assert url is not None
        refused.add(url_fingerprint(url))
    result.rejected = len(refused)
    result.seen_added = frontier.seen.add_fingerprints(stored | refused)

    batch: list[PushEntry] = []
    query = "SELECT url, seed_url, prev_url, next_url FROM article_urls"
    for url, seed, prev_url, next_url in _rows(conn, query):
        assert url is not None
        for side, link in (("prev", prev_url), ("next", next_url)):
            if not link or not same_site(link, url):
                continue
            fp = url_fingerprint(link)
            if fp in stored or fp in refused:
                continue
            meta = seed_meta(seed or url, direction=side, is_seed=False)
            priority = policy.next_bonus if side == "next" else 0
            request = Request(link, meta=meta, priority=priority)
            batch.append(PushEntry(fp, request_to_json(request), priority))
        if len(batch) >= _BATCH:
            result.frontier_pushed += frontier.push(batch).pushed
            batch = []
    if batch:
        result.frontier_pushed += frontier.push(batch).pushed
    frontier.settle()  # last: waiting workers start once the rebuild is complete
    logger.info(
        "recovered frontier under %s from PostgreSQL: %d stored URLs and %d refused ones "
        "marked seen, %d links never stored put back on the queue",
        prefix, result.articles, result.rejected, result.frontier_pushed,
    )
    return result


def _stored_count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT EXISTS (SELECT 1 FROM article_urls)").fetchone()
    return int(bool(row and row[0]))


def ensure_ready(
    client: redis.Redis,
    prefix: str,
    database_url: str | None,
    *,
    buckets: int = 8192,
    policy: WalkPolicy | None = None,
    recover_missing: bool = True,
    wait: float = LOCK_SECONDS,
    connect_timeout: float = 5.0,
) -> RecoverResult | None:
    """Make the frontier under ``prefix`` usable: when Redis lost (or never had) its data
    and PostgreSQL at ``database_url`` holds articles, rebuild it (once across the fleet).

    Returns the :class:`RecoverResult` when this call rebuilt, else None.
    """
    frontier = Frontier(client, prefix, seen_buckets=buckets)
    if frontier.seen.is_marked() or not recover_missing or not database_url:
        frontier.settle()
        return None
    keys = frontier.keys
    token = uuid.uuid4().hex
    deadline = time.monotonic() + wait
    waiting_logged = False
    while not client.set(keys.recover_lock, token, nx=True, ex=LOCK_SECONDS):
        if not waiting_logged:
            waiting_logged = True
            logger.info("another process is rebuilding the frontier under %s: waiting", prefix)
        if frontier.seen.is_marked():
            return None
        if time.monotonic() > deadline:
            raise TimeoutError(f"another process holds {keys.recover_lock} for too long")
        time.sleep(0.2)
    try:
        if frontier.seen.is_marked():
            return None
        with pg_connect(database_url, timeout=connect_timeout) as conn:
            if not _stored_count(conn):
                frontier.settle()
                return None
            logger.warning(
                "Redis holds no seen set under %s but PostgreSQL has articles: rebuilding", prefix
            )
            return recover(client, prefix, conn, buckets=buckets, policy=policy)
    finally:
        if client.get(keys.recover_lock) == token.encode():
            client.delete(keys.recover_lock)


def canonical_forms(url: str) -> list[str]:
    """``url`` and its canonical form (how seeds are matched in ``article_urls.seed_url``)."""
    canonical = canonicalize_url(url)
    return [url] if canonical == url else [url, canonical]
