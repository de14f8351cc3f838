"""The ``chain`` spider: walks articles by their previous/next links.

Seeds come from the Redis frontier (``crawler enqueue``), or from the ``seeds`` spider
argument (``scrapy crawl chain -a seeds=URL,URL``). A seed is an article page or a
list page (a board or section list): from a list page the spider takes the article
links, and follows the list's next list pages (the board list's ``?page=2``, for
profiles that name them with ``list_pages``) as list pages; from an article it follows
the previous and next links, both by default, or the one the walk's direction names (a
link reached going ``prev`` continues ``prev``). An article with neither link ends its
walk there, and the spider says so (one INFO line, ``chain/no_links``). Off-site links
end a walk; cycles and links back to seen pages end it too (the frontier's seen set
drops them); ``max pages`` bounds each direction, and the list pages of a seed list.

The spider routes and follows, nothing more: extraction is :mod:`crawler.extract`,
storage the item pipelines, dedup, leases and idling the scheduler
(:mod:`crawler.frontier.scheduler`).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionRefusedError as TxConnectionRefused
from twisted.internet.error import DNSLookupError
from twisted.internet.error import TimeoutError as TxTimeoutError

from crawler.extract import NoArticleError, extract_article
from crawler.extract.listing import ListPage, extract_list
from crawler.frontier.keys import (
    META_DIRECTION,
    META_IS_SEED,
    META_MAX_PAGES,
    META_PROFILE,
    META_SEED,
)
from crawler.frontier.walk import (
    META_LIST_PAGE,
    WalkPolicy,
    follow_requests,
    next_list_requests,
    seed_request,
    start_request,
)

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)


def failure_kind(failure: Failure) -> str:
    """A short stable name for why a fetch failed (a stats key part)."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"http_{exc.response.status}"
    text = str(exc).lower()
    if "max size" in text or "maxsize" in text or "warnsize" in text:
        return "maxsize"
    if isinstance(exc, IgnoreRequest):
        return "ignored"
    if isinstance(exc, (TxTimeoutError, TimeoutError)):
        return "timeout"
    if isinstance(exc, DNSLookupError):
        return "dns"
    if isinstance(exc, (TxConnectionRefused, ConnectionRefusedError)):
        return "connection_refused"
    return type(exc).__name__.lower()


class ChainSpider(scrapy.Spider):
    """Follows previous/next links from seed articles and list pages.

    Spider arguments (all optional): ``seeds`` (comma-separated URLs enqueued at start),
    ``direction`` (``prev``, ``next`` or ``both``), ``max_pages``, ``profile``.
    """

    name = "chain"

    def __init__(
        self,
        *args: Any,
        seeds: str | list[str] | None = None,
        direction: str | None = None,
        max_pages: int | str | None = None,
        profile: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(seeds, str):
            seeds = [u.strip() for u in seeds.split(",") if u.strip()]
        self.seed_urls: list[str] = list(seeds or [])
        self.seed_direction = direction
        self.seed_max_pages = int(max_pages) if max_pages not in (None, "") else None
        self.seed_profile = profile
        self.policy = WalkPolicy()
        self.profiles_dir: str | None = None
        self.default_timezone = "Asia/Seoul"

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        s = crawler.settings
        spider.policy = WalkPolicy(
            seed_priority=s.getint("CRAWLER_SEED_PRIORITY"),
            next_bonus=s.getint("CRAWLER_NEXT_PRIORITY_BONUS"),
            direction=s.get("CRAWLER_DIRECTION"),
            max_pages=s.getint("CRAWLER_MAX_PAGES"),
        )
        spider.profiles_dir = s.get("CRAWLER_PROFILES_DIR") or None
        spider.default_timezone = s.get("CRAWLER_DEFAULT_TIMEZONE")
        return spider

    async def start(self) -> AsyncIterator[Any]:
        # Work comes from the Redis frontier through the scheduler; only seeds given as
        # spider arguments are yielded here (they go to the frontier like any seed).
        for url in self.seed_urls:
            yield seed_request(
                url,
                self.policy,
                direction=self.seed_direction,
                max_pages=self.seed_max_pages,
                profile=self.seed_profile,
            )

    def parse(self, response: Response) -> Iterator[Any]:
        meta = response.meta
        profile = meta.get(META_PROFILE)
        headers = {"Content-Type": response.headers.get("Content-Type") or b""}
        try:
            item = extract_article(
                response.body,
                response.url,
                headers=headers,
                profile=profile,
                fetched_at=datetime.now(UTC),
                profiles_dir=self.profiles_dir,
                default_timezone=self.default_timezone,
            )
        except NoArticleError as exc:
            yield from self._list_or_nothing(response, exc)
            return
        item.seed_url = meta.get(META_SEED) or response.url
        if not item.prev_url and not item.next_url:
            # The walk ends here whatever its direction (a theme that prints no post
            # navigation, a board skin without 이전글/다음글): say so once.
            self.crawler.stats.inc_value("chain/no_links")
            logger.info("no previous/next links found on %s", response.url)
        # Links first: they reach the frontier at once, while the item waits for its
        # batch to commit (outputs are processed one by one: CONCURRENT_ITEMS = 1).
        yield from follow_requests(meta, response.url, item.prev_url, item.next_url, self.policy)
        yield item

    def default_errback(self, failure: Failure) -> None:
        """Every failed fetch (after retries): one log line with the reason, and a counter.

        The frontier's scheduler gives this errback to every request that has none.
        Refusals by rule (robots.txt, private addresses) log at INFO, failures at WARNING.
        """
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        kind = failure_kind(failure)
        self.crawler.stats.inc_value("chain/fetch_failed")
        self.crawler.stats.inc_value(f"chain/fetch_failed/{kind}")
        message = str(failure.value).strip() or type(failure.value).__name__
        level = logging.INFO if kind == "ignored" else logging.WARNING
        logger.log(level, "fetch failed %s: %s: %s", url, kind, message[:300])

    def _list_or_nothing(self, response: Response, exc: NoArticleError) -> Iterator[Any]:
        """A page without an article: when it is a seed, or a list page reached by a
        list's pagination, its article links start walks and its next list pages are
        followed as list pages; otherwise (or when it lists nothing) it is counted."""
        meta = response.meta
        listing = ListPage([], [])
        if meta.get(META_IS_SEED) or META_SEED not in meta or meta.get(META_LIST_PAGE):
            listing = extract_list(
                response.body,
                response.url,
                headers={"Content-Type": response.headers.get("Content-Type") or b""},
                profile=meta.get(META_PROFILE),
                profiles_dir=self.profiles_dir,
            )
        if not listing.links and not listing.pages:
            self.crawler.stats.inc_value("chain/no_article")
            logger.info("no article at %s: %s", response.url, exc)
            return
        stats = self.crawler.stats
        stats.inc_value("chain/list_pages")
        stats.inc_value("chain/list_links", len(listing.links))
        seed = meta.get(META_SEED) or response.url
        for url in listing.links:
            yield start_request(
                url,
                seed,
                self.policy,
                direction=meta.get(META_DIRECTION) or self.policy.direction,
                max_pages=int(meta.get(META_MAX_PAGES, 0) or 0),
                profile=meta.get(META_PROFILE),
            )
        next_pages = next_list_requests(meta, response.url, listing.pages, self.policy)
        if next_pages:
            stats.inc_value("chain/list_next_pages", len(next_pages))
        yield from next_pages
