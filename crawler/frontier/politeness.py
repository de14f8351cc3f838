"""Politeness for the whole fleet: per-host concurrency and delay enforced through Redis.

Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` hold per process;
ten workers would hit a site ten times as hard. :class:`FleetPolitenessMiddleware`
takes a token from ``{prefix}:polite:{host}`` before a request goes to the downloader
(at most ``CRAWLER_DOMAIN_CONCURRENCY`` tokens per host across all workers, and starts
at least ``CRAWLER_DOMAIN_DELAY`` seconds apart, by Redis's clock) and gives it back
when the response or error arrives. A token carries an expiry (``DOWNLOAD_TIMEOUT`` plus
a margin), so the tokens of a worker killed mid-request free themselves.

Round trips: a token given back travels with the next acquisition for the same host
(one Lua call does both), or within ``release_delay`` seconds when none comes; when a
request of this worker already waits for that host, it is given back at once.

With ``CRAWLER_FLEET_POLITENESS`` false the middleware raises ``NotConfigured`` and is
not in the chain at all: it costs nothing. It composes with Scrapy's own per-process
limits, robots.txt (``ROBOTSTXT_OBEY``) and AutoThrottle, which still apply.
If Redis is unreachable, requests go on under the per-process limits (logged once).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import random
from collections import Counter
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import call_later
from scrapy.utils.httpobj import urlparse_cached

from crawler.connections import redis_client
from crawler.frontier import scripts
from crawler.frontier.keys import Keys
from crawler.frontier.scheduler import REDIS_DOWN, worker_name

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Request meta key holding ``(host, token)`` while a request holds a politeness token.
META_TOKEN = "fleet_polite_token"


class FleetPolitenessMiddleware:
    """Downloader middleware holding a fleet-wide per-host slot for each request in flight.

    :param concurrency: requests in flight to one host across the fleet (0: unlimited).
    :param delay: seconds between the starts of two requests to one host across the fleet.
    :param token_ttl: seconds after which a token not given back frees itself.
    :param poll: seconds between attempts while a host is at its concurrency.
    :param release_delay: seconds a finished token may wait to travel with the next
        acquisition for its host.
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        *,
        concurrency: int = 8,
        delay: float = 0.0,
        token_ttl: float = 60.0,
        poll: float = 0.02,
        release_delay: float = 0.01,
        worker: str = "",
        stats: StatsCollector | None = None,
    ) -> None:
        self.client = client
        self.keys = Keys(prefix)
        self.concurrency = max(0, concurrency)
        self.delay_ms = max(0, int(delay * 1000))
        self.ttl_ms = max(1000, int(token_ttl * 1000))
        self.poll = poll
        self.worker = worker_name(worker)
        self.stats = stats
        self.release_delay = release_delay
        self._acquire = client.register_script(scripts.ACQUIRE)
        self._ids = itertools.count()
        self._warned_down = False
        self._pending: dict[str, list[str]] = {}  # host -> tokens to give back
        self._waiting: Counter[str] = Counter()  # host -> local requests waiting for a slot
        self._flush_call: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("CRAWLER_FLEET_POLITENESS"):
            raise NotConfigured("CRAWLER_FLEET_POLITENESS is off")
        concurrency = s.getint("CRAWLER_DOMAIN_CONCURRENCY")
        delay = s.getfloat("CRAWLER_DOMAIN_DELAY")
        if concurrency < 0 or delay < 0:
            raise ValueError(
                f"CRAWLER_DOMAIN_CONCURRENCY ({concurrency}) and CRAWLER_DOMAIN_DELAY ({delay}) "
                "must not be negative"
            )
        client = redis_client(
            s.get("REDIS_URL"), timeout=s.getfloat("CRAWLER_CONNECT_TIMEOUT"), check=False
        )
        mw = cls(
            client,
            s.get("CRAWLER_REDIS_PREFIX"),
            concurrency=concurrency,
            delay=delay,
            token_ttl=s.getfloat("DOWNLOAD_TIMEOUT") + 30.0,
            worker=s.get("CRAWLER_WORKER_ID") or "",
            stats=crawler.stats,
        )
        crawler.signals.connect(mw.flush_releases, signal=signals.spider_closed)
        return mw

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname
        if not host:
            return
        token = f"{self.worker}:{next(self._ids)}"
        keys = [self.keys.polite(host), self.keys.polite_next(host)]
        args: list[str | int] = [self.concurrency, self.delay_ms, self.ttl_ms, token]
        waited = False
        while True:
            given_back = self._pending.pop(host, [])
            try:
                wait_ms = int(self._acquire(keys=keys, args=[*args, *given_back]))
            except REDIS_DOWN as exc:
                if not self._warned_down:
                    self._warned_down = True
                    logger.warning(
                        "fleet politeness: Redis unreachable (%s); per-process limits only", exc
                    )
                return  # the tokens given back expire by themselves
            if wait_ms == 0:
                break
            waited = True
            self._waiting[host] += 1
            try:
                await asyncio.sleep(
                    wait_ms / 1000 if wait_ms > 0 else self.poll * (0.5 + random.random())
                )
            finally:
                self._waiting[host] -= 1
                if not self._waiting[host]:
                    del self._waiting[host]
        self._warned_down = False
        request.meta[META_TOKEN] = (host, token)
        if waited and self.stats is not None:
            self.stats.inc_value("politeness/waited")

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _release(self, request: Request) -> None:
        held = request.meta.pop(META_TOKEN, None)
        if held is None:
            return
        host, token = held
        self._pending.setdefault(host, []).append(token)
        if self._waiting.get(host):
            self._give_back({host: self._pending.pop(host)})  # a request here waits for it
        elif self._flush_call is None:
            self._flush_call = call_later(self.release_delay, self.flush_releases)

    def flush_releases(self) -> None:
        """Give back every finished token now (also called when the spider closes)."""
        if self._flush_call is not None:
            self._flush_call.cancel()
            self._flush_call = None
        pending, self._pending = self._pending, {}
        if pending:
            self._give_back(pending)

    def _give_back(self, tokens: dict[str, list[str]]) -> None:
        with contextlib.suppress(*REDIS_DOWN):  # else the tokens expire by themselves
            pipe = self.client.pipeline(transaction=False)
            for host, held in tokens.items():
                pipe.zrem(self.keys.polite(host), *held)
            pipe.execute()
