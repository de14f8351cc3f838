"""Batched, durable writes to PostgreSQL: :class:`BatchWriter`.

Callers ``await writer.submit(entry)`` and get their entry's result back only once
the transaction that wrote it has COMMITTED. Entries are gathered into batches that
flush at ``batch_size`` entries or when the oldest entry has waited ``batch_timeout``
seconds, each batch in one transaction, up to ``max_concurrent`` batches at once.

While PostgreSQL is unreachable, batches are retried every ``retry_interval`` seconds
and every entry is held in memory (its caller keeps waiting): nothing is lost, and the
log says so once per outage and once when the database is back. A batch that
PostgreSQL refuses for its data (not for being unreachable) is split, so only the
offending entry fails, with the database's error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import PoolTimeout

from crawler.connections import safe_url

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

#: ``write(conn, entries)`` runs inside an open transaction and returns one result per entry.
WriteFn = Callable[["AsyncConnection[Any]", Sequence[T]], Awaitable[Sequence[R]]]


def is_conflict(exc: BaseException) -> bool:
    """A deadlock or serialization failure: retry at once, the database is fine."""
    return isinstance(exc, pg_errors.TransactionRollback)


#: SQLSTATE prefixes meaning "the server is away or cannot work right now": connection
#: exceptions, insufficient resources (disk full, too many connections), operator
#: intervention (shutting down, starting up), system errors, and a read-only
#: transaction (a standby after a fail-over).
UNREACHABLE_SQLSTATES = ("08", "53", "57P", "58", "25006")


def is_unreachable(exc: BaseException) -> bool:
    """An error that says the database is away, not that the data is bad: refused or
    lost connections, pool timeouts, shutdowns, a full disk, a read-only standby."""
    if isinstance(exc, PoolTimeout | psycopg.InterfaceError):
        return True
    if not isinstance(exc, psycopg.Error) or is_conflict(exc):
        return False
    sqlstate = exc.sqlstate
    if sqlstate is None:
        # Raised by the client: the connection failed or broke.
        return isinstance(exc, psycopg.OperationalError)
    return sqlstate.startswith(UNREACHABLE_SQLSTATES)


class _Pending(Generic[T, R]):
    __slots__ = ("arrived", "entry", "future", "key")

    def __init__(self, entry: T, future: asyncio.Future[R], key: Hashable) -> None:
        self.entry = entry
        self.future = future
        self.key = key
        self.arrived = time.monotonic()


class BatchWriter(Generic[T, R]):
    """Gathers entries into batches and writes each batch in one transaction.

    ``pool`` is called for the current pool on every attempt (so a pool replaced
    while a batch waits is picked up). Up to ``max_concurrent`` batches are written
    at once, on as many connections; when ``key`` is given, entries with equal keys
    are never in two batches at once, so they are written in the order submitted.
    With ``weight``, a batch also ends before its entries weigh more than
    ``max_batch_weight`` (a batch always takes at least one entry).
    ``name`` and ``unit`` make the log lines ("holding 12 items"); ``stats_prefix``
    names the counters ``<prefix>/batches`` and ``<prefix>/retries``.
    """

    def __init__(
        self,
        write: WriteFn[T, R],
        pool: Callable[[], AsyncConnectionPool],
        *,
        url: str,
        name: str,
        unit: str = "items",
        batch_size: int = 200,
        batch_timeout: float = 0.05,
        retry_interval: float = 2.0,
        connect_timeout: float = 5.0,
        stats: StatsCollector | None = None,
        stats_prefix: str = "",
        max_concurrent: int = 2,
        key: Callable[[T], Hashable] | None = None,
        weight: Callable[[T], int] | None = None,
        max_batch_weight: int = 0,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        self._write = write
        self._pool = pool
        self.url = url
        self.name = name
        self.unit = unit
        self.batch_size = batch_size
        self.batch_timeout = max(0.0, batch_timeout)
        self.retry_interval = max(0.01, retry_interval)
        self.connect_timeout = max(0.1, connect_timeout)
        self.stats = stats
        self.stats_prefix = stats_prefix
        self.max_concurrent = max(1, max_concurrent)
        self.key = key
        self.weight = weight
        self.max_batch_weight = max_batch_weight
        self._busy_keys: Counter[Hashable] = Counter()
        self._pending: deque[_Pending[T, R]] = deque()
        self._in_flight = 0
        self._batches_in_flight = 0
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._outage_since: float | None = None
        #: Batches committed by this writer.
        self.batches = 0
        #: Attempts that failed and were retried.
        self.retries = 0

    @property
    def held(self) -> int:
        """Entries waiting for a commit (queued or in the batch being written)."""
        return len(self._pending) + self._in_flight

    @property
    def in_outage(self) -> bool:
        """True while the last attempt failed because PostgreSQL was unreachable."""
        return self._outage_since is not None

    async def submit(self, entry: T) -> R:
        """Queue ``entry``; return its result once its batch is committed.

        Raises the database's error if PostgreSQL refused this entry's data. Never
        raises for an unreachable database: it waits.
        """
        if self._closing:
            raise RuntimeError(f"{self.name} writer is closed")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        key = self.key(entry) if self.key is not None else None
        self._pending.append(_Pending(entry, future, key))
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.name}-writer")
        # Wake the writer only when this entry changes what it waits for: the first entry
        # starts a batch's timeout, a full batch ends it. Waking it for every entry cost a
        # new wait_for (task and timer) per entry for nothing: 15-20 µs of CPU per item of
        # the ~100 µs the store pipeline took, items arriving at 550/s in a micro-benchmark.
        if len(self._pending) == 1 or len(self._pending) >= self.batch_size:
            self._wakeup.set()
        return await future

    async def close(self) -> None:
        """Write everything still queued, then stop (waits through an outage)."""
        self._closing = True
        self._wakeup.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        tasks: set[asyncio.Task[None]] = set()  # referenced until done
        while True:
            if not self._pending or self._batches_in_flight >= self.max_concurrent:
                if not self._pending and not self._batches_in_flight and self._closing:
                    return
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            if len(self._pending) < self.batch_size and not self._closing:
                delay = self._pending[0].arrived + self.batch_timeout - time.monotonic()
                if delay > 0:
                    self._wakeup.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._wakeup.wait(), delay)
                    continue
            batch = self._take_batch()
            if not batch:  # all that is queued waits for a batch in flight with its keys
                self._wakeup.clear()
                await self._wakeup.wait()
                continue
            self._batches_in_flight += 1
            task = asyncio.create_task(self._write_and_release(batch))
            tasks.add(task)
            task.add_done_callback(tasks.discard)

    def _take_batch(self) -> list[_Pending[T, R]]:
        """Up to ``batch_size`` queued entries (and ``max_batch_weight``), oldest first,
        leaving queued (in order) those whose key is in a batch still being written."""
        batch: list[_Pending[T, R]] = []
        kept: list[_Pending[T, R]] = []
        busy = self._busy_keys
        room = self.max_batch_weight if self.weight is not None and self.max_batch_weight else None
        while self._pending and len(batch) < self.batch_size:
            pending = self._pending.popleft()
            if busy and pending.key in busy:
                kept.append(pending)
                continue
            if room is not None and self.weight is not None:
                w = self.weight(pending.entry)
                if batch and w > room:
                    kept.append(pending)
                    break
                room -= w
            batch.append(pending)
        self._pending.extendleft(reversed(kept))
        if self.key is not None:
            for pending in batch:
                busy[pending.key] += 1
        self._in_flight += len(batch)
        return batch

    async def _write_and_release(self, batch: list[_Pending[T, R]]) -> None:
        try:
            await self._write_batch(batch)
        except Exception as exc:  # a bug in a write function: fail its entries, keep going
            logger.exception("%s writer failed", self.name)
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(exc)
        finally:
            self._batches_in_flight -= 1
            self._in_flight -= len(batch)
            if self.key is not None:
                for pending in batch:
                    self._busy_keys[pending.key] -= 1
                    if not self._busy_keys[pending.key]:
                        del self._busy_keys[pending.key]
            self._wakeup.set()

    async def _attempt(self, entries: Sequence[T]) -> Sequence[R]:
        pool = self._pool()
        # In an outage, wait for a connection no longer than a retry interval, so that
        # attempts start every retry interval.
        timeout = min(self.connect_timeout, self.retry_interval) if self.in_outage else self.connect_timeout
        async with pool.connection(timeout=max(0.1, timeout)) as conn, conn.transaction():
            results = await self._write(conn, entries)
        if len(results) != len(entries):
            raise RuntimeError(
                f"{self.name} write returned {len(results)} results for {len(entries)} entries"
            )
        return results

    async def _write_batch(self, batch: list[_Pending[T, R]]) -> None:
        entries = [p.entry for p in batch]
        failures = 0
        while True:
            started = time.monotonic()
            try:
                results = await self._attempt(entries)
            except Exception as exc:
                if is_conflict(exc):
                    self._count_retry()
                    logger.debug("%s batch hit %s; retrying", self.name, type(exc).__name__)
                    await asyncio.sleep(random.uniform(0.005, 0.05))
                    continue
                if is_unreachable(exc):
                    failures += 1
                    self._count_retry()
                    if failures == 1 and not self.in_outage and not isinstance(exc, PoolTimeout):
                        # Often one stale connection after a server restart: drop the
                        # broken ones and try again at once before calling it an outage.
                        await self._check_pool()
                        continue
                    self._report_outage(exc)
                    await asyncio.sleep(max(0.0, started + self.retry_interval - time.monotonic()))
                    continue
                if len(batch) > 1:
                    # The data of some entry was refused: write them one by one so
                    # only that one fails.
                    logger.debug("%s batch refused (%s); splitting it", self.name, exc)
                    for pending in batch:
                        await self._write_batch([pending])
                    return
                if not batch[0].future.done():
                    batch[0].future.set_exception(exc)
                return
            else:
                break
        self.batches += 1
        if self.stats is not None and self.stats_prefix:
            self.stats.inc_value(f"{self.stats_prefix}/batches")
        self._report_recovery(len(batch))
        for pending, result in zip(batch, results, strict=True):
            if not pending.future.done():
                pending.future.set_result(result)

    async def _check_pool(self) -> None:
        try:
            await self._pool().check()
        except Exception:
            logger.debug("pool check failed", exc_info=True)

    def _count_retry(self) -> None:
        self.retries += 1
        if self.stats is not None and self.stats_prefix:
            self.stats.inc_value(f"{self.stats_prefix}/retries")

    def _report_outage(self, exc: BaseException) -> None:
        if self._outage_since is not None:
            return
        self._outage_since = time.monotonic()
        reason = " ".join(str(exc).split()) or type(exc).__name__
        logger.warning(
            "PostgreSQL at %s unreachable (%s), holding %d %s (%s); retrying every %gs",
            safe_url(self.url),
            reason,
            self.held,
            self.unit,
            self.name,
            self.retry_interval,
        )

    def _report_recovery(self, written: int) -> None:
        if self._outage_since is None:
            return
        down_for = time.monotonic() - self._outage_since
        self._outage_since = None
        logger.info(
            "PostgreSQL at %s reachable again after %.1fs; wrote %d held %s, %d more queued (%s)",
            safe_url(self.url),
            down_for,
            written,
            self.unit,
            len(self._pending),
            self.name,
        )
