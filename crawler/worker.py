"""``crawler worker``: one long-running crawl worker on the shared Redis frontier.

The worker runs the ``chain`` spider in a Scrapy ``CrawlerProcess`` with the project
settings (``crawler.config.get_settings``): requests come from Redis
(:class:`crawler.frontier.scheduler.RedisScheduler`), items go to PostgreSQL through
the pipelines. On an empty frontier it idles, polling Redis, until stopped; with
``--exit-when-idle SECONDS`` it exits once the whole frontier (queue and every lease,
its own and other workers') has been empty that long.

Stopping: SIGTERM (or Ctrl-C) stops it warmly: it takes no new work, finishes the
requests in flight (their items are stored and their children pushed, then their
leases acknowledged), returns the prefetched requests it had not started to the queue,
closes the pipelines and exits 0. A second signal forces an unclean stop; anything
leased comes back to the queue after ``CRAWLER_LEASE_TIMEOUT``, as after SIGKILL.

At start it checks that Redis and PostgreSQL answer (exit status 2 and a message naming
the URL when one does not), and rebuilds the frontier from PostgreSQL when Redis lost it
(``CRAWLER_RECOVER_ON_START``). While running, a Redis outage is waited out: the
worker logs it, keeps its buffered work and reconnects.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.settings import Settings

from crawler.config import get_settings
from crawler.connections import pg_connect, redis_client, safe_url
from crawler.logs import configure_logging, resolve_worker_id

logger = logging.getLogger("crawler.worker")

#: Finish reasons of a worker that stopped as asked (exit status 0).
CLEAN_REASONS = ("finished", "shutdown")


def check_backends(settings: Settings) -> None:
    """Raise :class:`crawler.connections.BackendUnavailable` unless Redis and PostgreSQL answer."""
    timeout = settings.getfloat("CRAWLER_CONNECT_TIMEOUT")
    redis_client(settings.get("REDIS_URL"), timeout=timeout).close()
    pg_connect(settings.get("DATABASE_URL"), timeout=timeout).close()


def worker_settings(exit_when_idle: float | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """The settings of a worker: the project's, the environment's, then these overrides."""
    values: dict[str, Any] = dict(overrides or {})
    if exit_when_idle is not None:
        values["CRAWLER_EXIT_WHEN_IDLE"] = float(exit_when_idle)
    settings = get_settings(values)
    settings.set(
        "CRAWLER_WORKER_ID", resolve_worker_id(settings.get("CRAWLER_WORKER_ID")), priority="cmdline"
    )
    return settings


def run_worker(settings: Settings) -> int:
    """Run the ``chain`` spider until it is stopped or idle long enough; the exit status."""
    from scrapy.crawler import CrawlerProcess

    worker = settings.get("CRAWLER_WORKER_ID")
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    process = CrawlerProcess(settings)
    handler = configure_logging(settings, worker=worker)
    # Scrapy sets its own loggers to DEBUG; LOG_LEVEL applies at the handler.
    handler.setLevel(settings.get("LOG_LEVEL") or "INFO")
    logger.info(
        "worker %s starting: Redis %s (prefix %s), PostgreSQL %s",
        worker, safe_url(settings.get("REDIS_URL")), settings.get("CRAWLER_REDIS_PREFIX"),
        safe_url(settings.get("DATABASE_URL")),
    )
    crawler = process.create_crawler("chain")
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    reason = stats.get("finish_reason")
    logger.info(
        "worker %s stopped (%s): %s pages fetched, %s items, %s requests acknowledged",
        worker, reason, stats.get("response_received_count", 0),
        stats.get("item_scraped_count", 0), stats.get("frontier/acked", 0),
    )
    return 0 if reason in CLEAN_REASONS else 1


def command(args: argparse.Namespace) -> int:
    """``crawler worker [--exit-when-idle SECONDS]``."""
    settings = worker_settings(getattr(args, "exit_when_idle", None))
    check_backends(settings)
    return run_worker(settings)
