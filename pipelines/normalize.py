"""Second pipeline: put every item in the one form that is hashed and stored.

The body goes through :func:`crawler.text.clean_body` (NFC, whitespace, zero-width
characters, the extraction's boilerplate rules), so that the same article on two
sites hashes the same; ``content_hash`` is then recomputed from that body.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from datetime import UTC, tzinfo
from typing import TYPE_CHECKING

from crawler.items import ArticleItem, Image
from crawler.text import clean_body, content_hash, normalize_line
from crawler.urls import canonicalize_url, is_http_url
from pipelines.validate import parse_published_at, zone_setting

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector


def _line(value: str | None) -> str | None:
    if value is None:
        return None
    return normalize_line(value.replace("\x00", "")) or None


def _link(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().replace("\x00", "")
    return value if is_http_url(value) else None


def normalize_item(item: ArticleItem, default_tz: tzinfo = UTC) -> ArticleItem:
    """A normalized copy of ``item``. Pure and idempotent.

    - ``body_text``: :func:`~crawler.text.clean_body`; ``content_hash`` recomputed from it.
    - ``title``, ``author``, ``source``, image captions: NFC, zero-width characters
      removed, spaces collapsed (empty becomes None, the title stays a string).
    - ``url`` stripped; ``canonical_url`` recomputed by
      :func:`~crawler.urls.canonicalize_url`; ``prev_url``, ``next_url``, ``seed_url``
      and image URLs that are not absolute http(s) are dropped; repeated images too.
    - ``published_at`` rewritten as ISO 8601 with its offset (no offset: ``default_tz``);
      left as is if it does not parse (validation refuses those).
    - NUL characters, which PostgreSQL refuses in text, are removed everywhere.
    """
    url = item.url.strip().replace("\x00", "")
    body = clean_body(item.body_text.replace("\x00", ""))
    images: list[Image] = []
    seen: set[str] = set()
    for image in item.images:
        if isinstance(image, dict):
            image = Image(**image)
        src = _link(image.url)
        if src is None or src in seen:
            continue
        seen.add(src)
        images.append(Image(url=src, caption=_line(image.caption)))
    published = item.published_at
    if published:
        with contextlib.suppress(TypeError, ValueError):
            published = parse_published_at(published, default_tz).isoformat()
    return replace(
        item,
        url=url,
        canonical_url=canonicalize_url(url),
        profile=(item.profile or "").strip(),
        title=_line(item.title) or "",
        body_text=body,
        published_at=published or None,
        author=_line(item.author),
        source=_line(item.source),
        images=images,
        prev_url=_link(item.prev_url),
        next_url=_link(item.next_url),
        seed_url=_link(item.seed_url),
        content_hash=content_hash(body, normalized=True),
    )


class NormalizePipeline:
    """Replaces each item with :func:`normalize_item` of it.

    Counts ``normalize/rehashed`` for items whose ``content_hash`` changed (the
    extractor hashed a different form of the body).
    """

    def __init__(self, default_tz: tzinfo = UTC, stats: StatsCollector | None = None):
        self.default_tz = default_tz
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalizePipeline:
        return cls(zone_setting(crawler.settings.get("CRAWLER_DEFAULT_TIMEZONE")), crawler.stats)

    async def process_item(self, item: ArticleItem) -> ArticleItem:
        normalized = normalize_item(item, self.default_tz)
        if self.stats is not None and normalized.content_hash != item.content_hash:
            self.stats.inc_value("normalize/rehashed")
        return normalized
