"""Third pipeline: make sure each item carries the right deduplication key.

Two items are the same article when their ``content_hash`` (hex SHA-256 of the
normalized, cleaned body) is equal; two fetches are of the same page when their
``canonical_url`` is equal. This stage recomputes both from the fields as they are
now, so an item changed after normalization (by a pipeline inserted between
them) cannot be stored under a stale key.

The decision itself is taken by the store's transaction against ``UNIQUE
(content_hash)`` in PostgreSQL, the only check that holds across every worker at
once. A fast shared check in Redis in front of it was measured (``bench/store.py``,
see docs/storage.md) and not built: a duplicate must still write its
``article_urls`` row and a re-fetch its ``last_seen_at`` and links, so a Redis hit
saves no transaction, only the sending of a body the store already leaves out for
contents it knows (its first query of each batch).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from crawler.items import ArticleItem
from crawler.text import content_hash
from crawler.urls import canonicalize_url

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


def dedupe_key(item: ArticleItem) -> tuple[str, str]:
    """``(canonical_url, content_hash)`` computed from the item's current fields."""
    return canonicalize_url(item.url), content_hash(item.body_text)


class DedupePipeline:
    """Sets ``canonical_url`` and ``content_hash`` from the item's current fields.

    Counts ``dedupe/rekeyed`` for items whose key had to be corrected.
    """

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        canonical, digest = dedupe_key(item)
        if canonical == item.canonical_url and digest == item.content_hash:
            return item
        if self.stats is not None:
            self.stats.inc_value("dedupe/rekeyed")
        return replace(item, canonical_url=canonical, content_hash=digest)
