"""First pipeline: refuse items that must not be stored, and keep a record of each.

A refused item is written to ``rejected_items`` (URL, reason code, message, raw
fields) and only then dropped, so nothing refused is silently lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.text import clean_body, normalize_line
from crawler.urls import is_http_url
from pipelines.database import Database, Rejection, json_safe

if TYPE_CHECKING:
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

#: The reason codes, stable (scripts and dashboards count them), with what they mean.
REASONS = {
    "bad_item": "not an article item",
    "bad_url": "url missing or not an absolute http(s) URL",
    "url_too_long": "url longer than CRAWLER_MAX_URL_CHARS",
    "missing_title": "title missing or blank",
    "title_too_long": "title longer than CRAWLER_MAX_TITLE_CHARS",
    "missing_body": "body missing, or nothing left once normalized and cleaned",
    "body_too_short": "body shorter than CRAWLER_MIN_BODY_CHARS",
    "body_too_long": "body longer than CRAWLER_MAX_BODY_CHARS",
    "missing_hash": "content_hash missing",
    "bad_hash": "content_hash not a hex SHA-256",
    "bad_date": "published_at not an ISO 8601 date",
    "future_date": "published_at further in the future than CRAWLER_MAX_FUTURE_DAYS",
    "store_error": "PostgreSQL refused the item's data",
}

_SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")


@dataclass(frozen=True)
class Limits:
    """What :func:`check_item` accepts."""

    max_body_chars: int = 2_000_000
    min_body_chars: int = 1
    max_title_chars: int = 1_000
    max_future_days: float = 2.0
    max_url_chars: int = 2_000
    default_timezone: tzinfo = UTC


def zone_setting(name: str | None) -> tzinfo:
    """The time zone named by ``CRAWLER_DEFAULT_TIMEZONE`` (empty: UTC); a bad name is an error."""
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"CRAWLER_DEFAULT_TIMEZONE={name!r} is not a known time zone") from exc


def parse_published_at(value: str, default_tz: tzinfo) -> datetime:
    """An aware datetime from ISO 8601 ``value``; a value without offset is read in
    ``default_tz``. Raises ``ValueError`` when it does not parse."""
    parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=default_tz)
    return parsed


def check_item(
    item: ArticleItem, limits: Limits, *, now: datetime | None = None
) -> tuple[str, str] | None:
    """``(reason, message)`` when ``item`` must be refused, else None. Pure."""
    if not is_http_url(item.url):
        return "bad_url", f"url {item.url!r} is not an absolute http(s) URL"
    if len(item.url) > limits.max_url_chars:
        return "url_too_long", (
            f"url has {len(item.url)} characters, more than {limits.max_url_chars}"
        )
    title = normalize_line(item.title or "")
    if not title:
        return "missing_title", "the item has no title"
    if len(title) > limits.max_title_chars:
        return "title_too_long", (
            f"title has {len(title)} characters, more than {limits.max_title_chars}"
        )
    body = clean_body(item.body_text or "")
    if not body:
        return "missing_body", "the body is empty once normalized and cleaned of boilerplate"
    if len(body) < limits.min_body_chars:
        return "body_too_short", (
            f"body has {len(body)} characters, fewer than {limits.min_body_chars}"
        )
    if len(body) > limits.max_body_chars:
        return "body_too_long", (
            f"body has {len(body)} characters, more than {limits.max_body_chars}"
        )
    if not item.content_hash:
        return "missing_hash", "the item has no content_hash"
    if not _SHA256.match(item.content_hash):
        return "bad_hash", f"content_hash {item.content_hash[:80]!r} is not a hex SHA-256"
    if item.published_at:
        try:
            published = parse_published_at(item.published_at, limits.default_timezone)
        except (TypeError, ValueError):
            return "bad_date", f"published_at {item.published_at!r} is not an ISO 8601 date"
        current = now or datetime.now(UTC)
        if published > current + timedelta(days=limits.max_future_days):
            return "future_date", (
                f"published_at {item.published_at} is more than "
                f"{limits.max_future_days:g} days in the future"
            )
    return None


def raw_fields(item: Any) -> dict[str, Any]:
    """The item's fields as JSON-ready values, whatever the item is."""
    if isinstance(item, ArticleItem):
        data: Any = item.to_dict()
    elif isinstance(item, dict):
        data = dict(item)
    else:
        data = {"repr": repr(item)[:10_000], "type": type(item).__name__}
    return dict(json_safe(data))


class ValidatePipeline:
    """Refuses items that cannot be stored; each refusal is committed to
    ``rejected_items`` before the item is dropped (``DropItem`` with the reason code).

    Counts ``validate/rejected`` and ``validate/rejected/<reason>``. Items given as
    dicts are turned into :class:`~crawler.items.ArticleItem` here.
    """

    def __init__(
        self, database: Database, limits: Limits, stats: StatsCollector | None = None
    ) -> None:
        self.database = database
        self.limits = limits
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        s = crawler.settings
        limits = Limits(
            max_body_chars=s.getint("CRAWLER_MAX_BODY_CHARS", 2_000_000),
            min_body_chars=s.getint("CRAWLER_MIN_BODY_CHARS", 1),
            max_title_chars=s.getint("CRAWLER_MAX_TITLE_CHARS", 1_000),
            max_future_days=s.getfloat("CRAWLER_MAX_FUTURE_DAYS", 2.0),
            max_url_chars=s.getint("CRAWLER_MAX_URL_CHARS", 2_000),
            default_timezone=zone_setting(s.get("CRAWLER_DEFAULT_TIMEZONE")),
        )
        return cls(Database.from_crawler(crawler), limits, crawler.stats)

    async def open_spider(self) -> None:
        await self.database.open()

    async def close_spider(self) -> None:
        await self.database.close()

    async def process_item(self, item: Any) -> ArticleItem:
        if isinstance(item, dict):
            try:
                item = ArticleItem.from_dict(item)
            except TypeError as exc:
                await self._refuse(item, "bad_item", f"cannot make an article of it: {exc}")
        if not isinstance(item, ArticleItem):
            await self._refuse(item, "bad_item", f"{type(item).__name__} is not an ArticleItem")
        problem = check_item(item, self.limits)
        if problem is not None:
            await self._refuse(item, *problem)
        return item

    async def _refuse(self, item: Any, reason: str, message: str) -> None:
        url = getattr(item, "url", None) if not isinstance(item, dict) else item.get("url")
        await self.database.reject(
            Rejection(
                url=url if isinstance(url, str) else None,
                reason=reason,
                message=message,
                raw=raw_fields(item),
            )
        )
        if self.stats is not None:
            self.stats.inc_value("validate/rejected")
            self.stats.inc_value(f"validate/rejected/{reason}")
        raise DropItem(f"{reason}: {message}", log_level="WARNING")
