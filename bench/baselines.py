"""The peers the service is measured against, each run in its own process.

* ``default``: a plain Scrapy spider with Scrapy's default settings (memory
  scheduler, no storage); only ``LOG_LEVEL`` is raised to INFO so that the figure
  measures Scrapy, not a DEBUG line per request.
* ``default-items1``: the same with ``CONCURRENT_ITEMS=1`` alone, to show what
  the per-response fan-out of ``CONCURRENT_ITEMS`` tasks costs.
* ``tuned``: the same spider tuned as well as we could (see :data:`TUNED`).
* ``tuned-gc``: ``tuned`` with the service's garbage-collector settings too.
* ``scrapy-redis``: stock scrapy-redis (its Redis scheduler and set dupefilter,
  pickle serializer) with a pipeline that INSERTs each item with psycopg and
  commits it, the way such pipelines are commonly written.

Every spider parses the same fields with parsel (title, body paragraphs, author,
date, previous/next links), yields one item per article and follows 이전글 and
다음글; Scrapy's dupefilter (or scrapy-redis's) ends the walk at seen pages.

``python -m bench.baselines MODE --seeds FILE [--redis-url U] [--database-url U]``
prints one JSON object: items scraped and the crawl's wall time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from crawler import defaults

#: Settings every mode shares: nothing that changes the work, only the noise.
COMMON: dict[str, Any] = {
    "LOG_LEVEL": "INFO",
    "TELNETCONSOLE_ENABLED": False,
    "ROBOTSTXT_OBEY": False,
}

#: The tuned plain Scrapy spider: concurrency sized for one fast local host, no
#: per-response task fan-out, and every middleware and extension this crawl does
#: not use switched off.
TUNED: dict[str, Any] = {
    "LOG_LEVEL": "WARNING",
    "CONCURRENT_REQUESTS": 64,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
    "CONCURRENT_ITEMS": 1,
    "COOKIES_ENABLED": False,
    "RETRY_ENABLED": True,
    "REDIRECT_ENABLED": True,
    "DOWNLOAD_TIMEOUT": 30,
    "REACTOR_THREADPOOL_MAXSIZE": 4,
    "STATS_DUMP": False,
    "DOWNLOADER_MIDDLEWARES": {
        "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
        "scrapy.downloadermiddlewares.defaultheaders.DefaultHeadersMiddleware": None,
        "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
        "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
        "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,
        "scrapy.downloadermiddlewares.httpproxy.HttpProxyMiddleware": None,
        "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
        "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    },
    "SPIDER_MIDDLEWARES": {
        "scrapy.spidermiddlewares.referer.RefererMiddleware": None,
        "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
        "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
        "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
    },
    "EXTENSIONS": {
        "scrapy.extensions.memusage.MemoryUsage": None,
        "scrapy.extensions.logstats.LogStats": None,
        "scrapy.extensions.feedexport.FeedExporter": None,
        "scrapy.extensions.spiderstate.SpiderState": None,
        "scrapy.extensions.closespider.CloseSpider": None,
        "scrapy.extensions.throttle.AutoThrottle": None,
    },
}

#: The tuned spider with the service's garbage-collector settings as well (the
#: ``crawler.gctuning.GcTuning`` extension and its defaults), so that what the service
#: gains from them is not counted as the service's own advantage.
TUNED_GC: dict[str, Any] = {
    **TUNED,
    "EXTENSIONS": {**TUNED["EXTENSIONS"], "crawler.gctuning.GcTuning": 0},
    "CRAWLER_GC_THRESHOLD": defaults.CRAWLER_GC_THRESHOLD,
    "CRAWLER_GC_FREEZE": defaults.CRAWLER_GC_FREEZE,
}

#: Stock scrapy-redis: its scheduler and dupefilter as its README sets them up.
SCRAPY_REDIS: dict[str, Any] = {
    "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
    "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
    "SCHEDULER_PERSIST": False,
    "ITEM_PIPELINES": {"bench.baselines.InsertPipeline": 300},
}

MODES: dict[str, dict[str, Any]] = {
    "default": {},
    "default-items1": {"CONCURRENT_ITEMS": 1},
    "tuned": TUNED,
    "tuned-gc": TUNED_GC,
    "scrapy-redis": SCRAPY_REDIS,
}


def parse_article(response: Response) -> dict[str, Any]:
    """The fields the service extracts, read with parsel CSS selectors.

    Queries run inside the ``article#bo_v`` element, found once, rather than over
    the whole page (its board chrome is most of its 30 KiB).
    """
    art = response.selector.xpath("//article[@id='bo_v']")
    prev_href = art.css(".bo_v_nb li.btn_prv a::attr(href)").get()
    next_href = art.css(".bo_v_nb li.btn_next a::attr(href)").get()
    return {
        "url": response.url,
        "title": (art.css("#bo_v_title .bo_v_tit::text").get() or "").strip(),
        "body_text": "\n".join(t.strip() for t in art.css("#bo_v_con p::text").getall()),
        "author": art.css("#bo_v_info .sv_member::text").get(),
        "published_at": (art.css("#bo_v_info .if_date::text").get() or "").strip(),
        "prev_url": response.urljoin(prev_href) if prev_href else None,
        "next_url": response.urljoin(next_href) if next_href else None,
    }


class ChainSpider(scrapy.Spider):
    """Walks every chain from its seeds by 이전글 and 다음글 links."""

    name = "bench_chain"

    async def start(self) -> Any:
        # Seeds go through the dupefilter like any link, so a seed reached again
        # from its neighbour is not fetched twice.
        for url in self.start_urls:
            yield scrapy.Request(url)

    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        item = parse_article(response)
        yield item
        for link in (item["prev_url"], item["next_url"]):
            if link:
                yield scrapy.Request(link)


class InsertPipeline:
    """One ``INSERT`` and one commit per item, on one synchronous psycopg connection."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.conn: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> InsertPipeline:
        return cls(crawler.settings.get("DATABASE_URL"))

    def open_spider(self, spider: Any = None) -> None:
        import psycopg

        self.conn = psycopg.connect(self.database_url)

    def close_spider(self, spider: Any = None) -> None:
        self.conn.close()

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        content_hash = hashlib.sha256(item["body_text"].encode()).hexdigest()
        with self.conn.cursor() as cur:
            cur.execute(
                "INSERT INTO articles (content_hash, url, canonical_url, profile, title, body_text,"
                " author, prev_url, next_url) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (content_hash) DO NOTHING",
                (
                    content_hash, item["url"], item["url"], "bench", item["title"], item["body_text"],
                    item["author"], item["prev_url"], item["next_url"],
                ),
            )  # fmt: skip
        self.conn.commit()
        return item


def settings_for(mode: str, *, redis_url: str | None, database_url: str | None) -> dict[str, Any]:
    """The Scrapy settings of one mode."""
    settings = dict(COMMON)
    settings.update(MODES[mode])
    if redis_url:
        settings["REDIS_URL"] = redis_url
    if database_url:
        settings["DATABASE_URL"] = database_url
    return settings


def run(
    mode: str, seeds: list[str], *, redis_url: str | None = None, database_url: str | None = None
) -> dict[str, Any]:
    """Crawl from ``seeds`` in this process; items scraped and seconds from open to close."""
    process = CrawlerProcess(settings_for(mode, redis_url=redis_url, database_url=database_url))
    crawler = process.create_crawler(ChainSpider)
    times: dict[str, float] = {}

    def opened(spider: Any) -> None:
        times["opened"] = time.time()

    def closed(spider: Any, reason: str) -> None:
        times["closed"] = time.time()
        times["reason"] = reason  # type: ignore[assignment]

    crawler.signals.connect(opened, signal=scrapy.signals.spider_opened)
    crawler.signals.connect(closed, signal=scrapy.signals.spider_closed)
    process.crawl(crawler, start_urls=seeds)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    return {
        "mode": mode,
        "items": int(stats.get("item_scraped_count", 0)),
        "responses": int(stats.get("response_received_count", 0)),
        "seconds": times.get("closed", 0.0) - times.get("opened", 0.0),
        "opened": times.get("opened"),
        "finish_reason": times.get("reason"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run one baseline crawl and print JSON")
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--seeds", required=True, help="JSON file with a list of seed URLs")
    parser.add_argument("--redis-url")
    parser.add_argument("--database-url")
    args = parser.parse_args(argv)
    with open(args.seeds) as fh:
        seeds = json.load(fh)
    result = run(args.mode, seeds, redis_url=args.redis_url, database_url=args.database_url)
    print("BENCH-RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
