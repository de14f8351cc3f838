"""The PostgreSQL side of one crawler's pipelines: :class:`Database`.

One pool per crawler, shared by the pipelines that open it (the first ``open()``
creates it, the last ``close()`` closes it); one ``crawl_runs`` row per run, whose
counters the writers add to inside their own transactions; and the writer of
``rejected_items``, which validation and the store both use.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import uuid
import weakref
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from psycopg import errors as pg_errors
from psycopg.types.json import Jsonb

from crawler.connections import BackendUnavailable, pg_pool, safe_url
from crawler.storage.migrate import latest_version
from pipelines.batching import BatchWriter, WriteFn

if TYPE_CHECKING:
    from psycopg import AsyncConnection
    from psycopg_pool import AsyncConnectionPool
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

#: Stats whose final values are saved in ``crawl_runs.stats`` when a run ends.
RUN_STATS_PREFIXES = ("store/", "validate/", "rejected/", "normalize/", "dedupe/")


def worker_name(configured: str = "") -> str:
    """``configured`` or ``<host>:<pid>``."""
    return configured or f"{socket.gethostname()}:{os.getpid()}"


def json_safe(value: Any) -> Any:
    """``value`` with NUL characters (which PostgreSQL's text and jsonb refuse) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return json_safe(str(value))


@dataclass
class Rejection:
    """An item that is not kept: its URL, a short stable reason code, a message for
    people and the raw fields as received. ``key`` makes a retried write a no-op."""

    url: str | None
    reason: str
    message: str
    raw: dict[str, Any]
    key: uuid.UUID = field(default_factory=uuid.uuid4)


_INSERT_REJECTIONS = """
INSERT INTO rejected_items (key, url, reason, message, raw, worker, run_id)
SELECT k, u, r, m, j::jsonb, %s, %s
FROM unnest(%b::uuid[], %b::text[], %b::text[], %b::text[], %b::text[]) AS t(k, u, r, m, j)
ON CONFLICT (key) DO NOTHING
RETURNING key
"""


async def write_rejections(
    conn: AsyncConnection[Any],
    rejections: Sequence[Rejection],
    *,
    worker: str | None = None,
    run_id: int | None = None,
) -> list[None]:
    """Insert ``rejections`` into ``rejected_items`` (inside the caller's transaction)."""
    cur = await conn.execute(
        _INSERT_REJECTIONS,
        (
            worker,
            run_id,
            [r.key for r in rejections],
            [json_safe(r.url) for r in rejections],
            [r.reason for r in rejections],
            [json_safe(r.message) for r in rejections],
            [json.dumps(json_safe(r.raw), ensure_ascii=False) for r in rejections],
        ),
    )
    inserted = len(await cur.fetchall())
    if run_id is not None and inserted:
        await conn.execute(
            "UPDATE crawl_runs SET rejected = rejected + %s WHERE id = %s", (inserted, run_id)
        )
    return [None] * len(rejections)


class _QuietPoolDuringOutage(logging.Filter):
    """Drops psycopg_pool's per-attempt connection warnings while a writer has already
    reported the outage, so the log says it once, not every retry."""

    NOISE = ("error connecting in", "reconnection attempt in pool", "discarding closed connection")

    def __init__(self) -> None:
        super().__init__()
        self.databases: weakref.WeakSet[Database] = weakref.WeakSet()

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(record.msg, str) or not record.msg.startswith(self.NOISE):
            return True
        return not any(db.in_outage for db in list(self.databases))


_POOL_FILTER = _QuietPoolDuringOutage()
logging.getLogger("psycopg.pool").addFilter(_POOL_FILTER)

_BY_CRAWLER: weakref.WeakKeyDictionary[Crawler, Database] = weakref.WeakKeyDictionary()


class Database:
    """The pool, run row and rejected-items writer shared by one crawler's pipelines.

    Get the crawler's instance with :meth:`from_crawler` (always the same object for
    one crawler). Each user calls ``await open()`` once and ``await close()`` once.
    """

    def __init__(
        self,
        url: str,
        *,
        worker: str = "",
        pool_size: int = 4,
        connect_timeout: float = 5.0,
        retry_interval: float = 2.0,
        batch_size: int = 200,
        batch_timeout: float = 0.05,
        stats: StatsCollector | None = None,
    ) -> None:
        self.url = url
        self.worker = worker_name(worker)
        self.pool_size = max(1, pool_size)
        self.connect_timeout = connect_timeout
        self.retry_interval = retry_interval
        self.batch_size = batch_size
        self.batch_timeout = batch_timeout
        self.stats = stats
        self.run_id: int | None = None
        self._pool: AsyncConnectionPool | None = None
        self._users = 0
        self._lock = asyncio.Lock()
        self._writers: list[BatchWriter[Any, Any]] = []
        self.rejects: BatchWriter[Rejection, None] = self.writer(
            self._write_rejections, name="rejected_items", unit="refused items",
            stats_prefix="rejected",
        )
        _POOL_FILTER.databases.add(self)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Database:
        """The one instance of ``crawler``, built from its settings on first use."""
        db = _BY_CRAWLER.get(crawler)
        if db is None:
            s = crawler.settings
            db = cls(
                s.get("DATABASE_URL"),
                worker=s.get("CRAWLER_WORKER_ID") or "",
                pool_size=s.getint("CRAWLER_PG_POOL_SIZE", 4),
                connect_timeout=s.getfloat("CRAWLER_CONNECT_TIMEOUT", 5.0),
                retry_interval=s.getfloat("CRAWLER_STORE_RETRY_INTERVAL", 2.0),
                batch_size=s.getint("CRAWLER_STORE_BATCH_SIZE", 200),
                batch_timeout=s.getfloat("CRAWLER_STORE_BATCH_TIMEOUT", 0.05),
                stats=crawler.stats,
            )
            _BY_CRAWLER[crawler] = db
        return db

    @property
    def pool(self) -> AsyncConnectionPool:
        """The open pool (after :meth:`open`)."""
        if self._pool is None:
            raise RuntimeError("Database.open() was not called")
        return self._pool

    @property
    def in_outage(self) -> bool:
        """True while one of its writers holds entries because PostgreSQL is unreachable."""
        return any(w.in_outage for w in self._writers)

    def writer(
        self,
        write: WriteFn[Any, Any],
        *,
        name: str,
        unit: str = "items",
        stats_prefix: str = "",
        max_concurrent: int = 1,
        key: Callable[[Any], Hashable] | None = None,
        weight: Callable[[Any], int] | None = None,
        max_batch_weight: int = 0,
    ) -> BatchWriter[Any, Any]:
        """A :class:`BatchWriter` on this database's pool with its batching settings
        (``max_concurrent`` is capped by the pool size)."""
        writer: BatchWriter[Any, Any] = BatchWriter(
            write,
            lambda: self.pool,
            url=self.url,
            name=name,
            unit=unit,
            batch_size=self.batch_size,
            batch_timeout=self.batch_timeout,
            retry_interval=self.retry_interval,
            connect_timeout=self.connect_timeout,
            stats=self.stats,
            stats_prefix=stats_prefix,
            max_concurrent=min(max_concurrent, self.pool_size),
            key=key,
            weight=weight,
            max_batch_weight=max_batch_weight,
        )
        self._writers.append(writer)
        return writer

    async def open(self) -> None:
        """Open the pool (first caller), check the schema, start the run row.

        Fails fast with :class:`BackendUnavailable` when PostgreSQL does not answer or
        its schema is behind the code.
        """
        async with self._lock:
            self._users += 1
            if self._pool is not None:
                return
            try:
                await self._open()
            except BaseException:
                self._users -= 1
                raise

    async def _open(self) -> None:
        # psycopg_pool backs off up to 5 minutes between reconnection attempts; give
        # each attempt up after one retry interval instead, so that the connection
        # asked for by the next retry is tried at once and a database back from a
        # long outage is used within a retry interval.
        pool = await pg_pool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            timeout=self.connect_timeout,
            reconnect_timeout=max(1.0, self.retry_interval),
        )
        try:
            async with pool.connection() as conn:
                try:
                    cur = await conn.execute(
                        "SELECT coalesce(max(version), 0) FROM schema_migrations"
                    )
                    row = await cur.fetchone()
                    have = int(row[0]) if row else 0
                except pg_errors.UndefinedTable:
                    have = 0
                want = latest_version()
                if have < want:
                    raise BackendUnavailable(
                        f"the schema of {safe_url(self.url)} is at version {have}, this code "
                        f"needs {want}; run `crawler migrate`"
                    )
                cur = await conn.execute(
                    "INSERT INTO crawl_runs (worker) VALUES (%s) RETURNING id", (self.worker,)
                )
                row = await cur.fetchone()
                self.run_id = int(row[0]) if row else None
        except BaseException:
            await pool.close()
            raise
        self._pool = pool
        logger.info(
            "storing into PostgreSQL at %s (run %s, worker %s)",
            safe_url(self.url),
            self.run_id,
            self.worker,
        )

    async def close(self) -> None:
        """Release one user; the last one writes what is queued, ends the run row and
        closes the pool."""
        async with self._lock:
            if self._users == 0:
                return
            self._users -= 1
            if self._users > 0 or self._pool is None:
                return
            await self.rejects.close()
            await self._finish_run()
            await self._pool.close()
            self._pool = None

    async def _finish_run(self) -> None:
        if self.run_id is None:
            return
        stats: dict[str, Any] = {}
        if self.stats is not None:
            stats = {
                k: v
                for k, v in self.stats.get_stats().items()
                if k.startswith(RUN_STATS_PREFIXES) and isinstance(v, int | float)
            }
        try:
            async with self.pool.connection(timeout=self.connect_timeout) as conn:
                await conn.execute(
                    "UPDATE crawl_runs SET finished_at = now(), stats = %s WHERE id = %s",
                    (Jsonb(stats), self.run_id),
                )
        except Exception as exc:
            # Only the end time and the final snapshot are lost; the counters were
            # written with the data they count.
            logger.warning("could not mark run %s finished: %s", self.run_id, exc)

    async def reject(self, rejection: Rejection) -> None:
        """Record ``rejection`` in ``rejected_items``; return once it is committed."""
        await self.rejects.submit(rejection)

    async def _write_rejections(
        self, conn: AsyncConnection[Any], rejections: Sequence[Rejection]
    ) -> list[None]:
        return await write_rejections(conn, rejections, worker=self.worker, run_id=self.run_id)
