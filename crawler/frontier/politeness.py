"""Politeness for the whole fleet: per-host concurrency and delay enforced through Redis.

Scrapy's ``CONCURRENT_REQUESTS_PER_DOMAIN`` and ``DOWNLOAD_DELAY`` hold per process;
ten workers would hit a site ten times as hard. :class:`FleetPolitenessMiddleware`
takes a token from ``{prefix}:polite:{host}`` before a request goes to the downloader
(at most ``CRAWLER_DOMAIN_CONCURRENCY`` tokens per host across all workers, and starts
at least ``CRAWLER_DOMAIN_DELAY`` seconds apart, by Redis's clock) and gives it back
when the response or error arrives. A token carries an expiry (``DOWNLOAD_TIMEOUT`` plus
a margin), so the tokens of a worker killed mid-request free themselves.

Round trips. Without a delay (``CRAWLER_DOMAIN_DELAY`` 0, the default) a finished token
stays with this worker for ``release_delay`` seconds: handed at once to a request of
this worker waiting for the host, or taken by its next request for the host, with no
Redis call; only then is it given back, so the fleet-wide count never changes by
reuse. A token is reused only while its expiry in Redis leaves a whole
``DOWNLOAD_TIMEOUT`` ahead (``reuse_for``). With a delay every start needs Redis's
clock: a token given back travels with the next acquisition for the same host (one Lua
call does both), or within ``release_delay`` seconds when none comes; when a request of
this worker already waits for that host, it is given back at once.

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
import time
from collections import Counter, deque
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

#: Request meta key holding ``(host, token, taken_at)`` while a request holds a politeness
#: token (``taken_at``: this process's monotonic clock when Redis granted it).
META_TOKEN = "fleet_polite_token"


class FleetPolitenessMiddleware:
    """Downloader middleware holding a fleet-wide per-host slot for each request in flight.

    :param concurrency: requests in flight to one host across the fleet (0: unlimited).
    :param delay: seconds between the starts of two requests to one host across the fleet.
    :param token_ttl: seconds after which a token not given back frees itself.
    :param poll: seconds between attempts while a host is at its concurrency.
    :param release_delay: seconds a finished token stays with this worker (reused by its
        next request for the host, or travelling with the next acquisition) before it
        is given back.
    :param reuse_for: seconds after it was granted during which a token may be reused
        (default: half of ``token_ttl``); 0 never reuses.
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
        release_delay: float = 0.2,
        reuse_for: float | None = None,
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
        # Reuse needs no delay between starts: with one, each start asks Redis's clock.
        reuse = token_ttl / 2 if reuse_for is None else reuse_for
        self.reuse_for = max(0.0, reuse) if self.delay_ms == 0 else 0.0
        self._acquire = client.register_script(scripts.ACQUIRE)
        self._ids = itertools.count()
        self._warned_down = False
        # host -> tokens finished here and reusable: (token, taken_at, released_at)
        self._free: dict[str, deque[tuple[str, float, float]]] = {}
        self._returns: dict[str, list[str]] = {}  # host -> tokens to give back to Redis
        self._waiters: dict[str, deque[asyncio.Future[tuple[str, float]]]] = {}
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
        download_timeout = s.getfloat("DOWNLOAD_TIMEOUT")
        margin = 30.0
        mw = cls(
            client,
            s.get("CRAWLER_REDIS_PREFIX"),
            concurrency=concurrency,
            delay=delay,
            token_ttl=download_timeout + margin,
            # a reused token must outlive a whole download started on it
            reuse_for=margin - 5.0,
            worker=s.get("CRAWLER_WORKER_ID") or "",
            stats=crawler.stats,
        )
        crawler.signals.connect(mw.flush_releases, signal=signals.spider_closed)
        return mw

    async def process_request(self, request: Request) -> None:
        host = urlparse_cached(request).hostname
        if not host:
            return
        held = self._reuse(host)
        if held is not None:
            request.meta[META_TOKEN] = (host, *held)
            self._inc("politeness/reused")
            return
        token = f"{self.worker}:{next(self._ids)}"
        keys = [self.keys.polite(host), self.keys.polite_next(host)]
        args: list[str | int] = [self.concurrency, self.delay_ms, self.ttl_ms, token]
        waited = False
        while True:
            given_back = self._returns.pop(host, [])
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
                held = (token, time.monotonic())
                break
            waited = True
            timeout = wait_ms / 1000 if wait_ms > 0 else self.poll * (0.5 + random.random())
            held = await self._wait(host, timeout)
            if held is not None:
                break  # handed over by a request of this worker that finished
        self._warned_down = False
        request.meta[META_TOKEN] = (host, *held)
        if waited:
            self._inc("politeness/waited")

    def process_response(self, request: Request, response: Response) -> Response:
        self._release(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self._release(request)

    def _reuse(self, host: str) -> tuple[str, float] | None:
        """A token this worker finished with for ``host`` and may still use, or None."""
        free = self._free.get(host)
        now = time.monotonic()
        while free:
            token, taken_at, _ = free.pop()  # the last finished
            if now - taken_at < self.reuse_for:
                return token, taken_at
            self._returns.setdefault(host, []).append(token)
        return None

    async def _wait(self, host: str, timeout: float) -> tuple[str, float] | None:
        """Sleep ``timeout`` seconds, or less when a request of this worker hands over its
        token for ``host`` (only without a delay); that token, or None."""
        self._waiting[host] += 1
        try:
            if not self.reuse_for:
                await asyncio.sleep(timeout)
                return None
            future: asyncio.Future[tuple[str, float]] = asyncio.get_running_loop().create_future()
            waiters = self._waiters.setdefault(host, deque())
            waiters.append(future)
            try:
                await asyncio.wait_for(asyncio.shield(future), timeout)
            except TimeoutError:
                pass
            except BaseException:
                if future.done():  # handed over as this request was cancelled: keep it
                    self._keep(host, *future.result())
                raise
            finally:
                with contextlib.suppress(ValueError):
                    waiters.remove(future)
                if not waiters:
                    self._waiters.pop(host, None)
            if future.done():
                return future.result()
            future.cancel()
            return None
        finally:
            self._waiting[host] -= 1
            if not self._waiting[host]:
                del self._waiting[host]

    def _release(self, request: Request) -> None:
        held = request.meta.pop(META_TOKEN, None)
        if held is None:
            return
        host, token, taken_at = held
        if time.monotonic() - taken_at < self.reuse_for:
            waiters = self._waiters.get(host)
            while waiters:
                future = waiters.popleft()
                if not future.done():
                    future.set_result((token, taken_at))
                    self._inc("politeness/handed_over")
                    return
            self._keep(host, token, taken_at)
            return
        self._returns.setdefault(host, []).append(token)
        if self._waiting.get(host):
            self._give_back({host: self._returns.pop(host)})  # a request here waits for it
        elif self._flush_call is None:
            self._flush_call = call_later(self.release_delay, self._flush_idle)

    def _keep(self, host: str, token: str, taken_at: float) -> None:
        """Hold a finished token for reuse; it is given back if unused for ``release_delay``."""
        self._free.setdefault(host, deque()).append((token, taken_at, time.monotonic()))
        if self._flush_call is None:
            self._flush_call = call_later(self.release_delay, self._flush_idle)

    def _flush_idle(self) -> None:
        """Give back the tokens not reused within ``release_delay``; look again later for
        the others."""
        self._flush_call = None
        limit = time.monotonic() - self.release_delay
        for host in list(self._free):
            free = self._free[host]
            while free and free[0][2] <= limit:
                self._returns.setdefault(host, []).append(free.popleft()[0])
            if not free:
                del self._free[host]
        returns, self._returns = self._returns, {}
        if returns:
            self._give_back(returns)
        if self._free:
            self._flush_call = call_later(self.release_delay, self._flush_idle)

    def flush_releases(self) -> None:
        """Give back every finished token now (also called when the spider closes)."""
        if self._flush_call is not None:
            self._flush_call.cancel()
            self._flush_call = None
        for host, free in self._free.items():
            self._returns.setdefault(host, []).extend(token for token, _, _ in free)
        self._free.clear()
        returns, self._returns = self._returns, {}
        if returns:
            self._give_back(returns)

    def _give_back(self, tokens: dict[str, list[str]]) -> None:
        with contextlib.suppress(*REDIS_DOWN):  # else the tokens expire by themselves
            pipe = self.client.pipeline(transaction=False)
            for host, held in tokens.items():
                pipe.zrem(self.keys.polite(host), *held)
            pipe.execute()

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
