"""Scrapy settings of the project: wiring only; defaults and their docs live in ``defaults``.

``scrapy crawl chain`` and ``crawler worker`` both load this module; environment
overrides are applied on top by :func:`crawler.config.get_settings`.
"""

from __future__ import annotations

from crawler.defaults import *  # noqa: F403

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = "chain-crawler/0.1 (+https://example.invalid/bot)"
ROBOTSTXT_OBEY = True
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# Each response yields one item and at most a few requests, processed in order: a
# larger CONCURRENT_ITEMS only creates that many asyncio tasks per response for nothing
# (measured: Scrapy's default of 100 costs ~1 ms of CPU per page).
CONCURRENT_ITEMS = 1
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 16
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
REDIRECT_MAX_TIMES = 5
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
AUTOTHROTTLE_ENABLED = False
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False

# Frontier: the shared Redis queue with leases; fleet-wide politeness (near the
# downloader, so a token is held only while a request is really in flight) and the
# private-address guard (before robots.txt, so a refused host is never contacted).
SCHEDULER = "crawler.frontier.scheduler.RedisScheduler"
# Per-request work that buys nothing here is switched off: the walk policy
# (crawler.frontier.walk) bounds chains and ends off-site walks, the spider has no
# allowed_domains for OffsiteMiddleware to check, and validation refuses long URLs.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.frontier.guard.PrivateAddressMiddleware": 60,
    "crawler.frontier.politeness.FleetPolitenessMiddleware": 950,
}

# Items: refuse (and record) -> normalize -> check the dedup key -> store in batches.
ITEM_PIPELINES = {
    "pipelines.validate.ValidatePipeline": 100,
    "pipelines.normalize.NormalizePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}

# Operations: /metrics and /healthz of each worker (off while CRAWLER_METRICS_PORT is 0).
EXTENSIONS = {
    "crawler.metrics.MetricsExtension": 500,
}
