"""``crawler enqueue``, ``crawler stats``, ``crawler forget`` and ``crawler recover``."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from scrapy.settings import Settings

from crawler.config import get_settings
from crawler.connections import pg_connect, redis_client
from crawler.frontier.recover import recover
from crawler.frontier.seeds import EnqueueResult, enqueue_seeds
from crawler.frontier.seen import SeenSet
from crawler.frontier.stats import frontier_counts
from crawler.frontier.walk import WalkPolicy


def _policy(settings: Settings) -> WalkPolicy:
    return WalkPolicy(
        seed_priority=settings.getint("CRAWLER_SEED_PRIORITY"),
        next_bonus=settings.getint("CRAWLER_NEXT_PRIORITY_BONUS"),
        direction=settings.get("CRAWLER_DIRECTION"),
        max_pages=settings.getint("CRAWLER_MAX_PAGES"),
    )


def _backends(settings: Settings) -> tuple[Any, str, int, float]:
    timeout = settings.getfloat("CRAWLER_CONNECT_TIMEOUT")
    client = redis_client(settings.get("REDIS_URL"), timeout=timeout)
    return client, settings.get("CRAWLER_REDIS_PREFIX"), settings.getint("CRAWLER_SEEN_BUCKETS"), timeout


def enqueue_from_settings(
    settings: Settings,
    urls: list[str],
    *,
    profile: str | None = None,
    direction: str | None = None,
    max_pages: int | None = None,
) -> EnqueueResult:
    """:func:`crawler.frontier.seeds.enqueue_seeds` with the backends and policy of ``settings``."""
    client, prefix, buckets, timeout = _backends(settings)
    try:
        return enqueue_seeds(
            client,
            prefix,
            urls,
            database_url=settings.get("DATABASE_URL"),
            policy=_policy(settings),
            direction=direction,
            max_pages=max_pages,
            profile=profile,
            buckets=buckets,
            recover_missing=settings.getbool("CRAWLER_RECOVER_ON_START"),
            connect_timeout=timeout,
        )
    finally:
        client.close()


def enqueue_urls(
    settings: Settings,
    urls: list[str],
    *,
    profile: str | None = None,
    direction: str | None = None,
    max_pages: int | None = None,
) -> int:
    """Enqueue seeds as ``crawler enqueue`` does; returns the requests pushed (seeds and
    chain ends). Used by ``crawler schedule``."""
    result = enqueue_from_settings(
        settings, urls, profile=profile, direction=direction, max_pages=max_pages
    )
    return result.pushed


def enqueue_command(args: argparse.Namespace) -> int:
    """Put seed URLs (and the known ends of their chains) on the frontier."""
    settings = get_settings()
    prefix = settings.get("CRAWLER_REDIS_PREFIX")
    result = enqueue_from_settings(
        settings,
        args.urls,
        direction=getattr(args, "direction", None),
        max_pages=getattr(args, "max_pages", None),
        profile=getattr(args, "profile", None),
    )
    for url in result.invalid:
        print(f"crawler enqueue: not an http(s) URL, skipped: {url}", file=sys.stderr)
    print(
        f"enqueued {result.seeds} seed(s) and {result.chain_ends + result.dangling} chain "
        f"end(s) ({result.chain_ends} article(s) missing a link, {result.dangling} link(s) "
        f"never stored) on {prefix}"
    )
    return 1 if result.invalid and not result.seeds else 0


def stats_command(args: argparse.Namespace) -> int:
    """Print the frontier figures (Redis) and the stored ones (PostgreSQL)."""
    settings = get_settings()
    client, prefix, _buckets, timeout = _backends(settings)
    from crawler.storage.queries import counts

    frontier = frontier_counts(client, prefix)
    with pg_connect(settings.get("DATABASE_URL"), timeout=timeout) as conn:
        stored = counts(conn)
    out = {"frontier": frontier, "storage": stored}
    if getattr(args, "json", False):
        print(json.dumps(out, ensure_ascii=False, sort_keys=True))
        return 0
    print(f"frontier ({prefix}):")
    print(f"  queued                 {frontier['queued']}")
    print(f"  in-flight leases       {frontier['leased']}")
    print(f"  seen URLs              {frontier['seen']}")
    print(f"  seeds                  {frontier['seeds']}")
    print(f"  leases expired, taken  {frontier['lease_expired_reclaimed']}")
    for name, age in sorted(frontier["workers"].items()):
        print(f"  worker {name}: last renewal {age}s ago")
    print("storage (PostgreSQL):")
    for key in ("articles", "urls", "duplicates", "rejected", "versions", "runs"):
        if key in stored:
            label = "articles stored" if key == "articles" else key
            print(f"  {label:<22} {stored[key]}")
    return 0


def forget_command(args: argparse.Namespace) -> int:
    """Forget URLs' fingerprints so that they are fetched again when linked or enqueued."""
    settings = get_settings()
    client, prefix, buckets, _timeout = _backends(settings)
    seen = SeenSet(client, prefix, buckets=buckets)
    seen.settle_buckets()
    forgotten = seen.forget(args.urls)
    print(f"forgot {forgotten} of {len(args.urls)} URL(s) (the others were not seen)")
    return 0


def recover_command(args: argparse.Namespace) -> int:
    """Rebuild the Redis frontier and seen set from PostgreSQL."""
    settings = get_settings()
    client, prefix, buckets, timeout = _backends(settings)
    with pg_connect(settings.get("DATABASE_URL"), timeout=timeout) as conn:
        result = recover(client, prefix, conn, buckets=buckets, policy=_policy(settings))
    print(
        f"recovered {prefix}: {result.articles} stored URL(s) and {result.rejected} refused "
        f"URL(s) marked seen ({result.seen_added} new), {result.frontier_pushed} link(s) "
        "never stored put on the queue"
    )
    return 0
