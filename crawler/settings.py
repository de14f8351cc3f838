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
# Article pages do not redirect by <meta http-equiv="refresh">, and looking for one costs
# every response a decode and a scan of its head (54 µs per response in a microbenchmark
# of the downloader middleware chain, of a worker's ~1.9-2.7 ms of CPU per page by machine).
# Turn it on (CRAWLER_METAREFRESH_ENABLED=true) for a site that does.
METAREFRESH_ENABLED = False
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
AUTOTHROTTLE_ENABLED = False
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
# No interactive consoles on a worker: Scrapy's telnet console and its remote-control
# HTTP server (which executes code sent to it) are off; /metrics and /healthz serve operators.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
COOKIES_ENABLED = False

# Frontier: the shared Redis queue with leases; fleet-wide politeness (near the
# downloader, so a token is held only while a request is really in flight) and the
# private-address guard (before robots.txt, so a refused host is never contacted).
SCHEDULER = "crawler.frontier.scheduler.RedisScheduler"
# Per-request work that buys nothing here is switched off (each middleware in a chain
# costs every request or output, whatever it does): the walk policy
# (crawler.frontier.walk) bounds chains and ends off-site walks, the spider has no
# allowed_domains for OffsiteMiddleware to check, validation refuses long URLs, no
# request carries HTTP credentials, meta-copy detection is a development aid, and the
# downloader's stats skip serializing every request to count its bytes.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,
}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,
    "scrapy.downloadermiddlewares.stats.DownloaderStats": None,
    "crawler.downloaderstats.DownloaderStats": 850,
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

# Operations: /metrics and /healthz of each worker (off while CRAWLER_METRICS_PORT is 0);
# the garbage collector's thresholds while a crawl runs (crawler.gctuning).
EXTENSIONS = {
    "crawler.metrics.MetricsExtension": 500,
    "crawler.gctuning.GcTuning": 0,
}
