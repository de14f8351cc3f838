"""``RedisScheduler``: the Scrapy scheduler of the shared Redis frontier, with leases.

Enable it with ``SCHEDULER = "crawler.frontier.scheduler.RedisScheduler"``.

What it adds to scrapy-redis's design:

* **Leases.** ``next_request`` hands out requests leased to this worker (see
  :mod:`crawler.frontier.queue`). A request is acknowledged only when its response
  (or failure) is completely processed: its items went through every pipeline (the
  store pipeline returns once the batch is committed) and the requests it yielded
  are on the frontier. A live worker renews its leases every
  ``CRAWLER_LEASE_RENEW_INTERVAL``; a killed one stops, and its requests come back.
* **Continuations.** A request the downloader turns into a new one (a redirect, a
  RetryMiddleware retry) reaches ``enqueue_request`` with the lease id still in its
  meta: the new request is pushed (a retry of the same URL bypasses the seen filter;
  a redirect target is dedup-checked) and the old lease acknowledged, atomically.
* **Few round trips.** Pushes and acknowledgements are buffered and sent with one Lua
  call every ``CRAWLER_FLUSH_INTERVAL`` (or when ``CRAWLER_FLUSH_SIZE`` are waiting),
  and that same call pops the next ``CRAWLER_PREFETCH`` requests when needed.
  ``enqueue_request`` answers True at once; what the seen filter dropped is counted
  in the stats (``scheduler/filtered``). A worker starved for work with children of its
  own buffered pushes and pops at once, so a chain walk never waits for the tick.
* **Fair share.** Every sync records the worker as alive and returns how many workers
  are; with others alive a worker holds at most its share of the outstanding requests,
  so the first worker to start does not take the whole frontier.
* **Redis outages.** Calls that fail keep their buffer and retry every
  ``CRAWLER_REDIS_RETRY_INTERVAL`` with one log line per outage; nothing acknowledged
  is lost because an acknowledgement only ever travels with its children.

Why the acknowledgement hooks ``Scraper.enqueue_scrape``: Scrapy has no "this request
is done" signal. In ``scrapy/core/engine.py``, ``_handle_downloader_output`` passes
every Response or Failure of a scheduled request to ``scraper.enqueue_scrape(result,
request)``, whose Deferred fires only after ``_scrape`` has run the callback or errback
and ``handle_spider_output_async`` has awaited every output: items through the whole
pipeline chain (``start_itemproc_async``) and requests handed synchronously to
``engine.crawl`` -> ``scheduler.enqueue_request``. IgnoreRequest failures (robots.txt,
offsite) take the same path. Requests returned by downloader middlewares (redirects,
retries) skip it and come back through ``engine.crawl`` instead: the continuation case
above. ``tests/test_frontier_scheduler.py`` pins these facts, so a Scrapy upgrade that
changes them fails loudly.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import redis
from scrapy import signals
from scrapy.core.scheduler import BaseScheduler
from scrapy.exceptions import DontCloseSpider
from scrapy.utils.asyncio import call_later
from scrapy.utils.defer import deferred_from_coro

from crawler.connections import redis_client, safe_url
from crawler.frontier.keys import META_ATTEMPTS, META_LEASE
from crawler.frontier.queue import Frontier, PushEntry, SyncResult
from crawler.frontier.recover import ensure_ready
from crawler.frontier.serialize import request_from_json, request_to_json
from crawler.frontier.walk import WalkPolicy
from crawler.logs import resolve_worker_id
from crawler.urls import url_fingerprint

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request, Spider
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector
    from twisted.internet.defer import Deferred
    from twisted.python.failure import Failure

logger = logging.getLogger(__name__)

#: Seconds a closing worker waits for an unreachable Redis before leaving its leases to expire.
CLOSE_WAIT = 10.0

#: Errors that mean "Redis is not reachable right now" (anything else is a bug and raises).
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError, redis.BusyLoadingError)


def worker_name(configured: str = "") -> str:
    """``configured`` or ``host-pid``: how this process names itself in leases and logs."""
    return resolve_worker_id(configured)


@dataclass
class _Lease:
    fingerprint: int
    url: str
    taken_at: float = 0.0


class RedisScheduler(BaseScheduler):
    """Scrapy scheduler over the shared Redis frontier (see the module docstring).

    :param crawler: the crawler (its engine is reached for acknowledgements and wake-ups).
    :param client: a Redis client; ``redis_url`` is only used in log lines.
    :param prefix: the ``CRAWLER_REDIS_PREFIX`` of every key.
    :param worker: this worker's name in leases.
    :param lease_timeout: seconds a request stays leased without renewal.
    :param renew_interval: seconds between renewals of the leases held.
    :param prefetch: requests popped in one round trip.
    :param flush_interval: seconds between flushes of buffered pushes/acknowledgements.
    :param flush_size: buffered entries that trigger a flush at once.
    :param idle_poll: seconds between polls of an empty frontier.
    :param retry_interval: seconds between attempts while Redis is unreachable.
    :param max_attempts: times a request whose items failed in a pipeline is tried.
    :param exit_when_idle: let the spider close once the whole frontier (queue and every
        lease) has been empty this many seconds; negative: never (a long-running worker).
    :param database_url: PostgreSQL URL, for rebuilding a lost frontier (None: never).
    """

    def __init__(
        self,
        crawler: Crawler,
        client: redis.Redis,
        *,
        redis_url: str = "",
        prefix: str = "crawler",
        worker: str = "",
        lease_timeout: float = 120.0,
        renew_interval: float = 0.0,
        prefetch: int = 16,
        flush_interval: float = 0.05,
        flush_size: int = 256,
        seen_buckets: int = 8192,
        idle_poll: float = 1.0,
        retry_interval: float = 2.0,
        max_attempts: int = 3,
        exit_when_idle: float = -1.0,
        database_url: str | None = None,
        recover: bool = True,
        policy: WalkPolicy | None = None,
        stats: StatsCollector | None = None,
    ) -> None:
        self.crawler = crawler
        self.client = client
        self.redis_url = redis_url
        self.worker = worker_name(worker)
        self.frontier = Frontier(
            client, prefix, worker=self.worker, lease_timeout=lease_timeout, seen_buckets=seen_buckets
        )
        self.lease_timeout = lease_timeout
        self.renew_interval = renew_interval if renew_interval > 0 else lease_timeout / 3
        self.prefetch = max(1, prefetch)
        self.flush_interval = flush_interval
        self.flush_size = max(1, flush_size)
        self.idle_poll = idle_poll
        self.retry_interval = retry_interval
        self.max_attempts = max(1, max_attempts)
        self.exit_when_idle = exit_when_idle
        self.database_url = database_url
        self.recover = recover
        self.policy = policy or WalkPolicy()
        self.stats = stats
        self.spider: Spider | None = None
        self._default_errback: Any = None

        self._local: deque[Request] = deque()  # leased to us, not yet handed to the engine
        self._held: dict[str, _Lease] = {}  # every lease we hold and have not acked
        self._scraping: set[str] = set()  # leases whose response is being processed
        self._failed: set[str] = set()  # leases whose items failed in a pipeline
        self._children: list[PushEntry] = []
        # Children sent while a lease taken before them is still unacknowledged: if Redis
        # loses its data meanwhile, they are sent again (their parents may not be in
        # PostgreSQL yet, so a rebuild from it cannot know them).
        self._sent: deque[tuple[float, PushEntry]] = deque()
        self._epoch: bytes | None = None
        self._stale: set[str] = set()  # leases of a Redis data set that was lost
        self._acks: list[str] = []
        self._closing = False
        self._next_poll = 0.0
        self._next_renew = 0.0
        self._last_flush = 0.0
        self._down_since: float | None = None
        self._empty_since: float | None = None
        self._alive = 1  # workers that synced within a lease timeout, as of the last sync
        self._outstanding = 0  # queued + leased requests, as of the last sync
        self._timer: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        url = s.get("REDIS_URL")
        client = redis_client(url, timeout=s.getfloat("CRAWLER_CONNECT_TIMEOUT"), check=False)
        return cls(
            crawler,
            client,
            redis_url=url,
            prefix=s.get("CRAWLER_REDIS_PREFIX"),
            worker=s.get("CRAWLER_WORKER_ID") or "",
            lease_timeout=s.getfloat("CRAWLER_LEASE_TIMEOUT"),
            renew_interval=s.getfloat("CRAWLER_LEASE_RENEW_INTERVAL"),
            prefetch=s.getint("CRAWLER_PREFETCH"),
            flush_interval=s.getfloat("CRAWLER_FLUSH_INTERVAL"),
            flush_size=s.getint("CRAWLER_FLUSH_SIZE"),
            seen_buckets=s.getint("CRAWLER_SEEN_BUCKETS"),
            idle_poll=s.getfloat("CRAWLER_IDLE_POLL"),
            retry_interval=s.getfloat("CRAWLER_REDIS_RETRY_INTERVAL"),
            max_attempts=s.getint("CRAWLER_MAX_ATTEMPTS"),
            exit_when_idle=s.getfloat("CRAWLER_EXIT_WHEN_IDLE"),
            database_url=s.get("DATABASE_URL"),
            recover=s.getbool("CRAWLER_RECOVER_ON_START"),
            policy=WalkPolicy(
                seed_priority=s.getint("CRAWLER_SEED_PRIORITY"),
                next_bonus=s.getint("CRAWLER_NEXT_PRIORITY_BONUS"),
                direction=s.get("CRAWLER_DIRECTION"),
                max_pages=s.getint("CRAWLER_MAX_PAGES"),
            ),
            stats=crawler.stats,
        )

    # --- lifecycle ------------------------------------------------------------------

    def open(self, spider: Spider) -> None:
        self.spider = spider
        # Requests from the frontier without an errback get the spider's
        # ``default_errback``, so that every failed fetch is reported in one line.
        errback = getattr(spider, "default_errback", None)
        self._default_errback = errback if callable(errback) else None
        self._ensure_ready()
        self.frontier.settle()
        self._epoch = self.frontier.epoch()
        self._hook_scraper()
        self.crawler.signals.connect(self._item_error, signal=signals.item_error)
        self.crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        logger.info(
            "worker %s: frontier %s at %s (lease %.0fs, renewed every %.1fs, prefetch %d)",
            self.worker, self.frontier.keys.prefix, safe_url(self.redis_url),
            self.lease_timeout, self.renew_interval, self.prefetch,
        )
        self._schedule_tick()

    def close(self, reason: str) -> Deferred[None]:
        return deferred_from_coro(self._close(reason))

    async def _close(self, reason: str) -> None:
        import asyncio

        self._closing = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        # Everything the engine started has finished by now (it closes the scheduler
        # last): what is still held and not being acknowledged was never processed.
        unstarted = [r.meta[META_LEASE] for r in self._local if META_LEASE in r.meta]
        self._local.clear()
        pending = set(self._acks)
        releases = [lid for lid in self._held if lid not in pending]
        # Redis down at close: wait a little for it; past that, leases run out by themselves
        deadline = time.monotonic() + CLOSE_WAIT
        while True:
            result = self._sync(pop=0, releases=releases)
            if result is not None:
                self._inc("frontier/released", result.released)
                break
            if time.monotonic() > deadline:
                logger.error(
                    "worker %s: Redis at %s still unreachable at close: %d requests stay "
                    "leased until their leases run out, %d pushes and %d acknowledgements "
                    "not sent (their parents come back with the leases)",
                    self.worker, safe_url(self.redis_url), len(releases),
                    len(self._children), len(self._acks),
                )
                break
            await asyncio.sleep(min(self.retry_interval, 1.0))
        with contextlib.suppress(*REDIS_DOWN):
            self.frontier.forget_worker()
        logger.info(
            "worker %s: scheduler closed (%s): %d unstarted requests returned to the queue",
            self.worker, reason, len(unstarted),
        )

    # --- the engine's interface --------------------------------------------------------

    def has_pending_requests(self) -> bool:
        return bool(self._local)

    def enqueue_request(self, request: Request) -> bool:
        lease = request.meta.pop(META_LEASE, None)
        fp = url_fingerprint(request.url)
        bypass = request.dont_filter
        parent = None
        retry = False
        if lease is not None and lease in self._held and lease not in self._scraping:
            # A redirect or retry of a leased request: it replaces its parent.
            parent = lease
            retry = fp == self._held[lease].fingerprint
            bypass = bypass or retry
        self._children.append(
            PushEntry(fp, request_to_json(request, self.spider), request.priority, bypass)
        )
        if parent is not None:
            self._acks.append(parent)
            self._inc("frontier/continued")
            if not retry:
                # A redirect to another URL: say so, since a target already seen (a
                # redirect loop, a known page) silently ends it in the seen filter.
                self._inc("frontier/redirected")
                logger.info(
                    "redirect %s -> %s (ends here if the target was already seen)",
                    self._held[parent].url, request.url,
                )
        if len(self._children) + len(self._acks) >= self.flush_size:
            self._sync(pop=0)
        return True

    def next_request(self) -> Request | None:
        if not self._local and not self._closing:
            now = time.monotonic()
            # Starving with children of our own buffered: push them and pop in the same
            # round trip rather than wait for the flush tick (a chain walk is sequential:
            # each step would otherwise wait up to CRAWLER_FLUSH_INTERVAL).
            pop = self._pop_size()
            if (pop and now >= self._next_poll) or (self._children and self._down_since is None):
                self._sync(pop=pop)
        if not self._local:
            return None
        request = self._local.popleft()
        self._inc("scheduler/dequeued/redis")
        return request

    # --- state for the spider and the worker ---------------------------------------------

    def _pop_size(self) -> int:
        # Fair share: with other workers alive, hold at most ceil(outstanding / workers)
        # requests (outstanding = queued + leased, as of the last sync), so that a worker
        # that started first does not take the whole frontier; its surplus children go to
        # the queue for the others. Alone, it takes its full prefetch; holding nothing, it
        # always asks for at least one (which also refreshes the figures).
        if self._alive <= 1:
            return self.prefetch
        share = -(-self._outstanding // self._alive)
        holding = len(self._held) - len(self._acks)
        if holding <= 0:
            return max(1, min(self.prefetch, share))
        return max(0, min(self.prefetch, share - holding))

    def held_leases(self) -> int:
        """Leases this worker holds and has not acknowledged."""
        return len(self._held)

    def idle_for(self) -> float:
        """Seconds the whole frontier (queue and every lease) has been empty with nothing
        buffered here; 0 when it is not empty."""
        if self._empty_since is None or self._children or self._acks or self._held:
            return 0.0
        return time.monotonic() - self._empty_since

    def may_exit(self) -> bool:
        """True when ``exit_when_idle`` is set and has elapsed with an empty frontier."""
        if self.exit_when_idle < 0 or self._empty_since is None:
            return False
        if self._children or self._acks or self._held or self._local:
            return False
        return time.monotonic() - self._empty_since >= self.exit_when_idle

    def _spider_idle(self, spider: Spider) -> None:
        # A worker is long-running: an empty frontier only means "poll again" (the tick
        # does, every idle_poll seconds), unless exit_when_idle says otherwise.
        if not self.may_exit():
            raise DontCloseSpider
        logger.info(
            "worker %s: frontier empty for %.1fs: exiting", self.worker, self.exit_when_idle
        )

    # --- Redis round trips ----------------------------------------------------------------

    def _sync(self, pop: int, releases: list[str] | None = None) -> SyncResult | None:
        # After an outage, rebuild a Redis that came back empty *before* sending what is
        # buffered: the rebuild starts from PostgreSQL, and children pushed first would
        # be dropped by it or keep it from running (the seen set would look alive).
        if self._down_since is not None and not self._redis_back():
            return None
        children, acks = self._children, self._acks
        self._children, self._acks = [], []
        now = time.monotonic()
        try:
            result = self.frontier.sync(children, acks, releases or (), pop)
        except REDIS_DOWN as exc:
            self._children = children + self._children
            self._acks = acks + self._acks
            self._redis_down(exc)
            return None
        self._last_flush = now
        self._remember_sent(children, now)
        for lid in acks:
            self._held.pop(lid, None)
        for lid in releases or ():
            self._held.pop(lid, None)
        for lid, raw in result.popped:
            request = request_from_json(raw, self.spider)
            if request.errback is None and self._default_errback is not None:
                request.errback = self._default_errback
            request.meta[META_LEASE] = lid
            self._held[lid] = _Lease(url_fingerprint(request.url), request.url, now)
            self._local.append(request)
        self._count(result, acks)
        self._alive = max(1, result.alive)
        self._outstanding = result.queued + result.leased
        if result.popped or result.pushed:
            self._next_poll = 0.0
        elif pop:
            # Nothing to take. Other workers' leases will yield children (or give work up
            # to their fair share): look again soon; else idle at the idle poll pace.
            others_busy = result.leased > len(self._held)
            self._next_poll = now + (self.flush_interval if others_busy else self.idle_poll)
        if result.queued == 0 and result.leased == 0 and not self._local:
            if self._empty_since is None:
                self._empty_since = now
        else:
            self._empty_since = None
        return result

    def _count(self, result: SyncResult, acks: list[str]) -> None:
        self._inc("scheduler/enqueued/redis", result.pushed)
        self._inc("scheduler/filtered", result.filtered)
        self._inc("frontier/acked", result.acked)
        self._inc("frontier/ack_lost", result.lost)
        self._inc("frontier/lease_expired_reclaimed", result.reclaimed)
        self._inc("frontier/popped", len(result.popped))
        if result.reclaimed:
            logger.info(
                "worker %s: %d expired leases returned to the queue", self.worker, result.reclaimed
            )
        if result.lost:
            logger.warning(
                "worker %s: %d finished requests were no longer leased to it "
                "(lease ran out and another worker took them)",
                self.worker, result.lost,
            )

    def _renew(self) -> None:
        ids = list(self._held)
        try:
            lost = self.frontier.renew(ids)
        except REDIS_DOWN as exc:
            self._redis_down(exc)
            return
        if lost:
            self._inc("frontier/lease_lost", len(lost))
            for lid in lost:
                lease = self._held.get(lid)
                logger.warning(
                    "worker %s: lost the lease of %s (ran out before renewal)",
                    self.worker, lease.url if lease else lid,
                )

    def _redis_down(self, exc: Exception) -> None:
        now = time.monotonic()
        self._inc("frontier/redis_errors")
        if self._down_since is None:
            self._down_since = now
            logger.warning(
                "worker %s: Redis at %s unreachable (%s); waiting and reconnecting every "
                "%.1fs (%d pushes, %d acknowledgements buffered)",
                self.worker, safe_url(self.redis_url), exc, self.retry_interval,
                len(self._children), len(self._acks),
            )
        self._next_poll = now + self.retry_interval

    def _ensure_ready(self) -> None:
        """Rebuild the frontier from PostgreSQL if Redis lost it (once across the fleet)."""
        ensure_ready(
            self.client,
            self.frontier.keys.prefix,
            self.database_url,
            buckets=self.frontier.seen.buckets,
            policy=self.policy,
            recover_missing=self.recover,
        )

    def _remember_sent(self, children: list[PushEntry], now: float) -> None:
        self._sent.extend((now, entry) for entry in children)
        if not self._held:
            self._sent.clear()
            return
        oldest = min(lease.taken_at for lease in self._held.values())
        while self._sent and self._sent[0][0] < oldest:
            self._sent.popleft()

    def _resend_if_lost(self) -> None:
        """When Redis holds another data set than before the outage (it restarted empty and
        was rebuilt), send again the children whose parents are still unacknowledged."""
        epoch = self.frontier.epoch()
        if epoch is None:
            self.frontier.settle()
            epoch = self.frontier.epoch()
        if epoch == self._epoch:
            return
        self._epoch = epoch
        # Lease ids restart with the new data set: acknowledging an old one could remove
        # a new, unrelated request. The old leases are gone; forget them.
        self._stale.update(self._held)
        self._held.clear()
        self._acks.clear()
        if self._sent:
            logger.warning(
                "worker %s: Redis lost its data: sending again %d links of requests not yet "
                "acknowledged", self.worker, len(self._sent),
            )
            self._children = [entry for _, entry in self._sent] + self._children
            self._sent.clear()

    def _redis_back(self) -> bool:
        """After an outage: True once Redis answers again (rebuilt from PostgreSQL first
        when it came back empty), False while it still does not."""
        assert self._down_since is not None
        try:
            lost = not self.frontier.seen.is_marked()
        except REDIS_DOWN as exc:
            self._redis_down(exc)
            return False
        logger.warning(
            "worker %s: Redis at %s reachable again after %.1fs",
            self.worker, safe_url(self.redis_url), time.monotonic() - self._down_since,
        )
        self._down_since = None
        try:
            if lost:
                logger.warning("worker %s: Redis came back empty", self.worker)
                self._ensure_ready()
            self._resend_if_lost()
        except REDIS_DOWN as exc:
            self._redis_down(exc)
            return False
        return True

    # --- the periodic tick -------------------------------------------------------------

    def _schedule_tick(self) -> None:
        if not self._closing:
            self._timer = call_later(self.flush_interval, self._tick)

    def _tick(self) -> None:
        try:
            now = time.monotonic()
            if self._down_since is not None and now < self._next_poll:
                return
            if now >= self._next_renew:
                self._next_renew = now + self.renew_interval
                self._renew()
            pop = self._pop_size() if not self._local and now >= self._next_poll else 0
            if self._children or self._acks or pop:
                result = self._sync(pop=pop)
                if result is not None and result.popped:
                    self._wake_engine()
            if self.may_exit():
                self._wake_engine()  # lets the engine see it is idle and ask spider_idle
        except Exception:
            logger.exception("worker %s: frontier tick failed", self.worker)
        finally:
            self._schedule_tick()

    def _wake_engine(self) -> None:
        # The engine only asks for requests when something happens (a download ends) or
        # on its 5 s heartbeat; requests popped by the tick should start now. Scrapy has no
        # public "wake up" call: this is the engine's own CallLaterOnce
        # (tests/test_frontier_scheduler.py checks an idle worker picks up work quickly).
        slot = getattr(self.crawler.engine, "_slot", None)
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()

    # --- acknowledgement ------------------------------------------------------------------

    def _hook_scraper(self) -> None:
        scraper = self.crawler.engine.scraper
        original = scraper.enqueue_scrape

        def enqueue_scrape(result: Any, request: Request) -> Deferred[None]:
            lease = request.meta.get(META_LEASE)
            if lease is None:
                return original(result, request)
            self._scraping.add(lease)
            d = original(result, request)
            d.addBoth(self._scrape_done, request, lease)
            return d

        scraper.enqueue_scrape = enqueue_scrape  # type: ignore[method-assign]

    def _scrape_done(self, outcome: Any, request: Request, lease: str) -> Any:
        self._scraping.discard(lease)
        if lease in self._failed:
            self._failed.discard(lease)
            attempts = int(request.meta.get(META_ATTEMPTS, 0)) + 1
            if attempts < self.max_attempts:
                retry = request.replace(dont_filter=True)
                retry.meta.pop(META_LEASE, None)
                retry.meta[META_ATTEMPTS] = attempts
                self._children.append(
                    PushEntry(
                        self._held[lease].fingerprint if lease in self._held else url_fingerprint(request.url),
                        request_to_json(retry, self.spider),
                        request.priority,
                        True,
                    )
                )
                self._inc("frontier/requeued_after_error")
                logger.warning(
                    "worker %s: items of %s failed in a pipeline; put back (attempt %d of %d)",
                    self.worker, request.url, attempts + 1, self.max_attempts,
                )
            else:
                self._inc("frontier/gave_up")
                logger.error(
                    "worker %s: items of %s failed in a pipeline %d times; giving up",
                    self.worker, request.url, attempts,
                )
        if lease in self._stale:
            self._stale.discard(lease)
        else:
            self._acks.append(lease)
        if len(self._children) + len(self._acks) >= self.flush_size:
            self._sync(pop=0)
        return outcome

    def _item_error(self, item: Any, response: Any, spider: Spider, failure: Failure) -> None:
        request = getattr(response, "request", None)
        lease = request.meta.get(META_LEASE) if request is not None else None
        if lease is not None:
            self._failed.add(lease)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(key, n)
