"""``crawler schedule``: the long-running trigger that enqueues configured seeds when due.

The schedule file and due times are described in :mod:`crawler.schedule_config`.
Each tick, a :class:`Scheduler` looks for entries with a due slot not yet fired and
fires each one: it takes the slot's lock in Redis (``SET NX`` on
``<prefix>:schedule:fired:<entry>:<due epoch seconds>``), enqueues the entry's URLs
through the same code as ``crawler enqueue``, and marks the slot done. Any number of
schedulers may run against one Redis: each slot is fired by exactly one of them. A
scheduler that dies mid-firing leaves a ``pending`` lock that expires after
``pending_ttl`` seconds, after which another scheduler fires the slot (if it is still
within its ``misfire_grace``).

While Redis does not answer the scheduler logs it once, keeps ticking, and fires
what is still due as soon as Redis is back.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shlex
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis

from crawler.connections import BackendUnavailable, redis_client, safe_url
from crawler.schedule_config import ScheduleEntry, ScheduleError, format_duration, load_schedule

if TYPE_CHECKING:
    from crawler.metrics import SchedulerMetrics

logger = logging.getLogger(__name__)

#: Seconds a slot's lock stays ``pending`` while its scheduler enqueues (then another may retry).
PENDING_TTL = 60
#: Seconds a fired slot's lock is kept beyond the entry's ``misfire_grace``.
DONE_TTL_MARGIN = 3600
#: Files ``crawler schedule`` looks for when neither ``--config`` nor ``CRAWLER_SCHEDULE_FILE`` names one.
DEFAULT_FILES = ("schedule.yaml", "schedule.yml", "schedule.toml")

Enqueue = Callable[[ScheduleEntry], int]


@dataclass(frozen=True)
class Firing:
    """One slot fired by this scheduler."""

    entry: str
    due: datetime
    enqueued: int
    fired_at: datetime


def lock_key(prefix: str, entry: str, due: datetime) -> str:
    """Redis key of the lock of one slot."""
    return f"{prefix}:schedule:fired:{entry}:{int(due.timestamp())}"


def last_key(prefix: str) -> str:
    """Redis hash of each entry's last firing (JSON), for operators."""
    return f"{prefix}:schedule:last"


class Scheduler:
    """Fires due schedule entries, once per slot across every scheduler sharing ``client``.

    :param entries: the parsed schedule.
    :param client: Redis client (locks live under ``prefix``).
    :param prefix: ``CRAWLER_REDIS_PREFIX``.
    :param enqueue: puts an entry's URLs on the frontier; returns how many were enqueued.
    :param instance: this scheduler's name in lock values and logs (default: host, pid, random).
    :param metrics: optional :class:`crawler.metrics.SchedulerMetrics` to count firings.
    :param clock: returns the current time (tests pass a fake clock).
    """

    def __init__(
        self,
        entries: Sequence[ScheduleEntry],
        *,
        client: redis.Redis,
        prefix: str,
        enqueue: Enqueue,
        instance: str | None = None,
        metrics: SchedulerMetrics | None = None,
        clock: Callable[[], datetime] | None = None,
        pending_ttl: int = PENDING_TTL,
    ) -> None:
        self.entries = [e for e in entries if e.enabled]
        self.client = client
        self.prefix = prefix
        self.enqueue = enqueue
        self.instance = instance or f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.metrics = metrics
        self.clock = clock or (lambda: datetime.now(UTC))
        self.pending_ttl = pending_ttl
        #: entry name -> the last slot (epoch seconds) this scheduler fired, saw fired, or skipped.
        self._handled: dict[str, float] = {}
        self._redis_down_since: float | None = None
        if metrics is not None:
            for entry in self.entries:
                metrics.register_entry(entry.name)

    @property
    def redis_down(self) -> bool:
        """True while the last Redis call of a tick failed."""
        return self._redis_down_since is not None

    # --- one tick -------------------------------------------------------------------

    def tick(self, now: datetime | None = None) -> list[Firing]:
        """Fire every entry whose latest slot is due, within its grace and not yet fired."""
        now = now or self.clock()
        fired: list[Firing] = []
        for entry in self.entries:
            due = entry.last_due(now)
            if self.metrics is not None:
                self.metrics.set_next_due(entry.name, entry.next_due(now))
            if self._handled.get(entry.name) == due.timestamp():
                continue
            try:
                late = (now - due).total_seconds()
                if late > entry.misfire_grace:
                    self._skip(entry, due, now, late)
                    continue
                firing = self._fire(entry, due, now)
            except (redis.RedisError, BackendUnavailable) as exc:
                self._redis_failed(exc)
                break
            self._redis_ok()
            if firing is not None:
                fired.append(firing)
        return fired

    def _skip(self, entry: ScheduleEntry, due: datetime, now: datetime, late: float) -> None:
        """A slot beyond its grace: say so once, unless some scheduler fired it in time."""
        fired_by = self.client.get(lock_key(self.prefix, entry.name, due))
        self._handled[entry.name] = due.timestamp()
        if fired_by is not None:
            return
        logger.info(
            "schedule entry %s: slot %s passed %s ago, beyond its misfire_grace of %s: skipped; next at %s",
            entry.name,
            due.isoformat(),
            format_duration(late),
            format_duration(entry.misfire_grace),
            entry.next_due(now).isoformat(),
        )

    def _fire(self, entry: ScheduleEntry, due: datetime, now: datetime) -> Firing | None:
        key = lock_key(self.prefix, entry.name, due)
        mine = f"{self.instance}:pending"
        if not self.client.set(key, mine, nx=True, ex=self.pending_ttl):
            holder = self.client.get(key)
            holder_text = holder.decode() if isinstance(holder, bytes) else str(holder)
            if holder is not None and holder_text != mine:
                if ":done" in holder_text:
                    self._handled[entry.name] = due.timestamp()
                    logger.debug("schedule entry %s: slot %s already fired (%s)", entry.name, due, holder_text)
                return None
            # Our own pending lock (an earlier attempt failed) or a lock that just expired: take it.
            self.client.set(key, mine, ex=self.pending_ttl)
        try:
            count = self.enqueue(entry)
        except (redis.RedisError, BackendUnavailable):
            self._release(key, mine)
            raise
        except Exception as exc:
            logger.error("schedule entry %s: enqueue of slot %s failed: %s", entry.name, due.isoformat(), exc)
            if self.metrics is not None:
                self.metrics.error(entry.name)
            self._release(key, mine)
            return None
        grace = int(entry.misfire_grace) + DONE_TTL_MARGIN
        fired_at = self.clock()
        self.client.set(key, f"{self.instance}:done:{count}", ex=grace)
        self.client.hset(
            last_key(self.prefix),
            entry.name,
            json.dumps(
                {"due": due.isoformat(), "fired_at": fired_at.isoformat(), "by": self.instance, "enqueued": count}
            ),
        )
        self._handled[entry.name] = due.timestamp()
        logger.info(
            "schedule entry %s fired (slot %s, %s): %d URL(s) enqueued, %d request(s) pushed%s",
            entry.name,
            due.isoformat(),
            entry.describe(),
            len(entry.urls),
            count,
            f", late by {format_duration((now - due).total_seconds())}" if (now - due).total_seconds() >= 1 else "",
        )
        logger.debug("as `%s` would", shlex.join(["crawler", *enqueue_args(entry)]))
        if self.metrics is not None:
            self.metrics.fired(entry.name, count, fired_at)
        return Firing(entry=entry.name, due=due, enqueued=count, fired_at=fired_at)

    def _release(self, key: str, mine: str) -> None:
        try:
            if self.client.get(key) in (mine, mine.encode()):
                self.client.delete(key)
        except redis.RedisError:
            pass  # the pending lock expires by itself

    def _redis_failed(self, exc: Exception) -> None:
        if self.metrics is not None:
            self.metrics.error("redis")
        if self._redis_down_since is None:
            self._redis_down_since = time.monotonic()
            what = "Redis does not answer" if isinstance(exc, redis.RedisError) else "a backend does not answer"
            logger.warning("%s (%s); the scheduler keeps trying and fires what is due when it is back", what, exc)
        else:
            logger.debug("backend still unavailable: %s", exc)

    def _redis_ok(self) -> None:
        if self._redis_down_since is not None:
            down = time.monotonic() - self._redis_down_since
            self._redis_down_since = None
            logger.info("Redis answers again after %s", format_duration(max(down, 0.001)))

    # --- the loop ---------------------------------------------------------------------

    def run(self, *, tick: float = 1.0, stop: threading.Event | None = None) -> None:
        """Tick every ``tick`` seconds until ``stop`` is set."""
        stop = stop or threading.Event()
        for entry in self.entries:
            logger.info(
                "schedule entry %s: %s, %d URL(s), next slot %s",
                entry.name,
                entry.describe(),
                len(entry.urls),
                entry.next_due(self.clock()).isoformat(),
            )
        while not stop.is_set():
            try:
                self.tick()
            except Exception:
                logger.exception("scheduler tick failed; continuing")
                if self.metrics is not None:
                    self.metrics.error("tick")
            stop.wait(tick)


# --- enqueueing through the `crawler enqueue` code path ---------------------------------


def enqueue_args(entry: ScheduleEntry) -> list[str]:
    """The ``crawler enqueue`` arguments of one entry."""
    args = ["enqueue", *entry.urls]
    if entry.profile:
        args += ["--profile", entry.profile]
    if entry.direction:
        args += ["--direction", entry.direction]
    if entry.max_pages is not None:
        args += ["--max-pages", str(entry.max_pages)]
    return args


def default_enqueuer(settings: Any) -> Enqueue:
    """An :data:`Enqueue` calling the code of ``crawler enqueue`` in this process
    (:func:`crawler.frontier.commands.enqueue_urls`); returns the requests pushed.

    List pages are enqueued as seeds: the chain spider reads a page without an article
    as a list and follows its article links.
    """
    from crawler.frontier.commands import enqueue_urls

    def enqueue(entry: ScheduleEntry) -> int:
        return int(
            enqueue_urls(
                settings, list(entry.urls), profile=entry.profile, direction=entry.direction, max_pages=entry.max_pages
            )
        )

    return enqueue


def find_schedule_file(configured: str | None) -> Path:
    """The schedule file to read: ``--config``, ``CRAWLER_SCHEDULE_FILE``, or the first default file found."""
    if configured:
        return Path(configured)
    for name in DEFAULT_FILES:
        if Path(name).exists():
            return Path(name)
    raise ScheduleError(
        "no schedule file: pass --config FILE, set CRAWLER_SCHEDULE_FILE, or create schedule.yaml "
        "(see schedule.example.yaml)"
    )


def _install_signal_handlers(stop: threading.Event) -> None:
    def handler(signum: int, frame: Any) -> None:
        logger.info("signal %s received: the scheduler stops after this tick", signal.Signals(signum).name)
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, handler)


def _connect(url: str, timeout: float, stop: threading.Event) -> redis.Redis:
    """A Redis client, waiting (and logging) while Redis does not answer yet."""
    warned = False
    while True:
        try:
            return redis_client(url, timeout=timeout)
        except BackendUnavailable as exc:
            if not warned:
                logger.warning("%s; retrying", exc)
                warned = True
            if stop.wait(min(5.0, max(timeout, 1.0))):
                raise


def command(args: argparse.Namespace) -> int:
    """``crawler schedule [--config FILE] [--once]``."""
    from crawler.config import get_settings
    from crawler.logs import configure_logging, resolve_worker_id
    from crawler.metrics import serve_scheduler_metrics

    settings = get_settings()
    configure_logging(settings, worker=resolve_worker_id(settings.get("CRAWLER_WORKER_ID")) + "/scheduler")
    try:
        path = find_schedule_file(getattr(args, "config", None) or settings.get("CRAWLER_SCHEDULE_FILE"))
        entries = load_schedule(path)
    except ScheduleError as exc:
        print(f"crawler schedule: {exc}", file=sys.stderr)
        return 2
    url = settings.get("REDIS_URL")
    prefix = settings.get("CRAWLER_REDIS_PREFIX")
    timeout = settings.getfloat("CRAWLER_CONNECT_TIMEOUT")
    stop = threading.Event()
    once = bool(getattr(args, "once", False))
    if not once:
        _install_signal_handlers(stop)
    client = redis_client(url, timeout=timeout) if once else _connect(url, timeout, stop)
    server = None if once else serve_scheduler_metrics(settings)
    scheduler = Scheduler(
        entries,
        client=client,
        prefix=prefix,
        enqueue=default_enqueuer(settings),
        metrics=server.scheduler_metrics if server is not None else None,
    )
    logger.info(
        "scheduler %s: %d entr%s from %s, Redis %s, prefix %s",
        scheduler.instance,
        len(scheduler.entries),
        "y" if len(scheduler.entries) == 1 else "ies",
        path,
        safe_url(url),
        prefix,
    )
    try:
        if once:
            fired = scheduler.tick()
            _print_firings(scheduler, fired)
            return 2 if scheduler.redis_down else 0
        scheduler.run(tick=settings.getfloat("CRAWLER_SCHEDULE_TICK"), stop=stop)
        return 0
    finally:
        if server is not None:
            server.stop()
        client.close()


def _print_firings(scheduler: Scheduler, fired: Iterable[Firing]) -> None:
    fired = list(fired)
    names = {f.entry for f in fired}
    for firing in fired:
        print(f"fired {firing.entry}: slot {firing.due.isoformat()}, {firing.enqueued} request(s) pushed")
    now = scheduler.clock()
    for entry in scheduler.entries:
        if entry.name in names:
            continue
        due = entry.last_due(now)
        holder = None
        if (now - due).total_seconds() <= entry.misfire_grace:
            with contextlib.suppress(redis.RedisError):
                holder = scheduler.client.get(lock_key(scheduler.prefix, entry.name, due))
        if holder is not None:
            by = holder.decode() if isinstance(holder, bytes) else str(holder)
            print(f"already fired {entry.name}: slot {due.isoformat()} by {by.split(':', 1)[0]}")
        else:
            print(f"not due {entry.name}: next slot {entry.next_due(now).isoformat()} ({entry.describe()})")
