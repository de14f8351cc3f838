"""Putting seeds on the frontier, with the known ends of their chains.

A seed is always fetched again, even when seen. So is every known *chain end* of a
seed: an article stored with that ``seed_url`` whose previous or next link was missing
when it was last fetched (the end of the walk in that direction: new posts appear
there), and every link of the seed's articles that was never stored (a page that
failed: the walk was cut there). Each chain end walks on only in its open direction.
On an unchanged site a re-trigger therefore fetches the seeds and the chain ends and
nothing else (their known neighbours are seen); new posts appended to a chain are
found from the end they were appended to.

Chain ends are read from PostgreSQL (``article_urls``, the record), so they survive a
lost Redis. ``crawler enqueue`` and ``crawler schedule`` call :func:`enqueue_seeds`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
import redis

from crawler.connections import pg_connect
from crawler.frontier.queue import Frontier, PushEntry
from crawler.frontier.recover import canonical_forms, ensure_ready
from crawler.frontier.serialize import request_to_json
from crawler.frontier.walk import WalkPolicy, check_direction, same_site, seed_request, start_request
from crawler.urls import canonicalize_url, is_http_url, url_fingerprint


@dataclass
class EnqueueResult:
    """What :func:`enqueue_seeds` put on the frontier."""

    seeds: int = 0
    chain_ends: int = 0
    dangling: int = 0
    pushed: int = 0
    invalid: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ChainEnd:
    """A walk start found in PostgreSQL for a seed."""

    url: str
    direction: str
    kind: str  # "end": a stored article missing a link; "dangling": a link never stored


def chain_ends(conn: psycopg.Connection, seed: str) -> list[ChainEnd]:
    """The chain ends of ``seed`` in the database of ``conn`` (see the module docstring)."""
    forms = canonical_forms(seed)
    rows = conn.execute(
        "SELECT url, canonical_url, prev_url, next_url FROM article_urls "
        "WHERE seed_url = ANY(%s)",
        (forms,),
    ).fetchall()
    seed_canonical = canonicalize_url(seed)
    ends: list[ChainEnd] = []
    links: dict[str, tuple[str, str]] = {}  # canonical link -> (link, direction)
    for url, canonical, prev_url, next_url in rows:
        if canonical == seed_canonical:
            continue  # the seed itself is fetched anyway, in every direction asked
        missing = [side for side, link in (("prev", prev_url), ("next", next_url)) if not link]
        if missing:
            ends.append(ChainEnd(url, "both" if len(missing) == 2 else missing[0], "end"))
        for side, link in (("prev", prev_url), ("next", next_url)):
            if link and same_site(link, url):
                links.setdefault(canonicalize_url(link), (link, side))
    if links:
        known = {
            r[0]
            for r in conn.execute(
                "SELECT canonical_url FROM article_urls WHERE canonical_url = ANY(%s)",
                (list(links),),
            )
        }
        refused = {
            canonicalize_url(r[0])
            for r in conn.execute(
                "SELECT url FROM rejected_items WHERE url = ANY(%s)",
                ([link for link, _ in links.values()],),
            )
        }
        for canonical, (link, side) in links.items():
            if canonical not in known and canonical not in refused and canonical != seed_canonical:
                ends.append(ChainEnd(link, side, "dangling"))
    return ends


def enqueue_seeds(
    client: redis.Redis,
    prefix: str,
    urls: Sequence[str],
    *,
    database_url: str | None = None,
    policy: WalkPolicy | None = None,
    direction: str | None = None,
    max_pages: int | None = None,
    profile: str | None = None,
    buckets: int = 8192,
    recover_missing: bool = True,
    connect_timeout: float = 5.0,
) -> EnqueueResult:
    """Put ``urls`` on the frontier as seeds (always fetched), with their chain ends when
    ``database_url`` is given. Seeds are recorded in ``{prefix}:seeds``.

    When Redis lost its data, the frontier is first rebuilt from PostgreSQL
    (:func:`crawler.frontier.recover.ensure_ready`), as a starting worker would.
    """
    policy = policy or WalkPolicy()
    direction = check_direction(direction or policy.direction)
    max_pages = policy.max_pages if max_pages is None else max_pages
    ensure_ready(
        client, prefix, database_url, buckets=buckets, policy=policy,
        recover_missing=recover_missing, connect_timeout=connect_timeout,
    )
    frontier = Frontier(client, prefix, seen_buckets=buckets)
    frontier.settle()
    if database_url:
        with pg_connect(database_url, timeout=connect_timeout) as conn:
            return _enqueue(frontier, urls, conn, policy, direction, max_pages, profile)
    return _enqueue(frontier, urls, None, policy, direction, max_pages, profile)


def _enqueue(
    frontier: Frontier,
    urls: Sequence[str],
    conn: psycopg.Connection | None,
    policy: WalkPolicy,
    direction: str,
    max_pages: int,
    profile: str | None,
) -> EnqueueResult:
    result = EnqueueResult()
    entries: list[PushEntry] = []
    record: dict[Any, Any] = {}
    for url in urls:
        url = url.strip()
        if not is_http_url(url):
            result.invalid.append(url)
            continue
        request = seed_request(
            url, policy, direction=direction, max_pages=max_pages, profile=profile
        )
        entries.append(
            PushEntry(url_fingerprint(url), request_to_json(request), request.priority, True)
        )
        result.seeds += 1
        record[url] = json.dumps(
            {"direction": direction, "max_pages": max_pages, "profile": profile,
             "enqueued_at": time.time()}
        )
        if conn is None:
            continue
        for end in chain_ends(conn, url):
            if direction != "both" and end.direction not in (direction, "both"):
                continue
            walk = end.direction if direction == "both" else direction
            start = start_request(
                end.url,
                url,
                policy,
                direction=walk,
                max_pages=max_pages,
                profile=profile,
                priority=policy.seed_priority,
                force=True,
            )
            entries.append(
                PushEntry(url_fingerprint(end.url), request_to_json(start), start.priority, True)
            )
            if end.kind == "end":
                result.chain_ends += 1
            else:
                result.dangling += 1
    if entries:
        result.pushed = frontier.push(entries).pushed
    if record:
        frontier.client.hset(frontier.keys.seeds, mapping=record)
    return result
