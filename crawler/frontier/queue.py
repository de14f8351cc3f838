"""The shared frontier in Redis: a priority queue with FIFO ties, leases, and the seen set.

A request pushed on the frontier gets an id from ``{p}:seq`` (15 zero-padded digits);
the queue is a sorted set scored by ``-priority`` whose equal scores order by member,
i.e. by id: higher priority first, then first in, first out. The request's JSON sits
in a hash by id until it is acknowledged.

Popping leases: the request moves from the queue to ``{p}:leases`` scored by its
expiry (Redis clock), and ``{p}:lease:owner`` remembers its queue score and the
worker holding it. Every sync first returns expired leases of any worker to the
queue at their old position, so the requests of a worker killed with SIGKILL are
taken by another one after ``lease_timeout``. A live worker renews what it holds.
Acknowledging removes the request for good; the requests it produced travel in
the same atomic call, before the acknowledgement, so nothing is lost in between.

:class:`Frontier` is plain synchronous code over one ``redis.Redis`` client: the
Scrapy scheduler, the ``crawler`` commands and the tests all use it.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import redis

from crawler.frontier import scripts
from crawler.frontier.keys import Keys
from crawler.frontier.seen import SeenSet

#: Most expired leases returned to the queue by one sync.
RECLAIM_LIMIT = 1000


@dataclass(frozen=True)
class PushEntry:
    """A request to put on the frontier.

    ``fingerprint`` is its URL's 64-bit fingerprint; ``bypass`` pushes it even when that
    fingerprint is already seen (seeds, retries, forced chain ends); it is marked seen
    either way.
    """

    fingerprint: int
    json: str
    priority: int = 0
    bypass: bool = False


@dataclass
class SyncResult:
    """What one sync did, and what it handed out."""

    reclaimed: int = 0
    pushed: int = 0
    filtered: int = 0
    acked: int = 0
    lost: int = 0
    released: int = 0
    queued: int = 0
    leased: int = 0
    alive: int = 1
    popped: list[tuple[str, str]] = field(default_factory=list)


class Frontier:
    """The Redis frontier under ``prefix``, as seen by the worker named ``worker``.

    :param lease_timeout: seconds a popped request stays leased before any worker may
        take it again (unless renewed).
    :param seen_buckets: number of seen sets (a power of two; see :mod:`crawler.frontier.seen`).
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str,
        *,
        worker: str = "",
        lease_timeout: float = 120.0,
        seen_buckets: int = 8192,
    ) -> None:
        self.client = client
        self.keys = Keys(prefix)
        self.worker = worker
        self.lease_ms = max(1, int(lease_timeout * 1000))
        self.seen = SeenSet(client, prefix, buckets=seen_buckets)
        self._sync = client.register_script(scripts.SYNC)
        self._renew = client.register_script(scripts.RENEW)

    def settle(self) -> None:
        """Agree with Redis on the seen bucket count (call once before pushing), and give
        this Redis data set its epoch token if it has none yet."""
        self.seen.settle_buckets()
        self.start_sequence()
        self.client.set(self.keys.epoch, uuid.uuid4().hex, nx=True)

    def start_sequence(self) -> None:
        """Start a new data set's request ids at a random offset, so that ids held by
        workers from before a data loss never name a new request."""
        self.client.set(self.keys.seq, random.randrange(10**12, 10**13) * 10, nx=True)

    def epoch(self) -> bytes | None:
        """The epoch token of the data Redis holds now (see :meth:`settle`)."""
        value = self.client.get(self.keys.epoch)
        return value if isinstance(value, bytes) else None

    def sync(
        self,
        children: Sequence[PushEntry] = (),
        acks: Sequence[str] = (),
        releases: Sequence[str] = (),
        pop: int = 0,
    ) -> SyncResult:
        """One atomic round trip: push ``children``, ack ``acks``, return ``releases`` to the
        queue, reclaim expired leases, then pop and lease up to ``pop`` requests."""
        key_index: dict[str, int] = {}
        keys = [
            self.keys.queue,
            self.keys.requests,
            self.keys.leases,
            self.keys.lease_owner,
            self.keys.seq,
            self.keys.counters,
            self.keys.workers,
        ]
        args: list[str | int] = [
            self.worker,
            self.lease_ms,
            pop,
            len(children),
            len(acks),
            len(releases),
            RECLAIM_LIMIT,
        ]
        for entry in children:
            bucket = self.seen.bucket_key(entry.fingerprint)
            idx = key_index.get(bucket)
            if idx is None:
                keys.append(bucket)
                idx = key_index[bucket] = len(keys)
            args += (idx, entry.fingerprint, 1 if entry.bypass else 0, -entry.priority, entry.json)
        args += acks
        args += releases
        raw = self._sync(keys=keys, args=args)
        reclaimed, pushed, filtered, acked, lost, released, queued, leased, alive = (
            int(x) for x in raw[:9]
        )
        result = SyncResult(
            reclaimed=reclaimed, pushed=pushed, filtered=filtered, acked=acked, lost=lost,
            released=released, queued=queued, leased=leased, alive=alive,
        )
        result.popped = [
            (raw[i].decode(), raw[i + 1].decode("utf-8")) for i in range(9, len(raw), 2)
        ]
        return result

    def push(self, entries: Sequence[PushEntry]) -> SyncResult:
        """Push ``entries`` (no acknowledgement, no pop)."""
        return self.sync(children=entries)

    def pop(self, n: int) -> SyncResult:
        """Lease up to ``n`` requests (after reclaiming expired leases)."""
        return self.sync(pop=n)

    def ack(self, ids: Sequence[str]) -> SyncResult:
        """Acknowledge finished requests."""
        return self.sync(acks=ids)

    def release(self, ids: Sequence[str]) -> SyncResult:
        """Return leased, unstarted requests to the queue at their old position."""
        return self.sync(releases=ids)

    def renew(self, ids: Iterable[str]) -> list[str]:
        """Extend the leases in ``ids``; returns the ids this worker no longer holds."""
        lost = self._renew(
            keys=[self.keys.leases, self.keys.lease_owner, self.keys.workers],
            args=[self.worker, self.lease_ms, *ids],
        )
        return [x.decode() for x in lost]

    def forget_worker(self) -> None:
        """Record that this worker stopped (it no longer counts in the fair share)."""
        self.client.zrem(self.keys.workers, self.worker)

    def queued(self) -> int:
        """Requests waiting in the queue."""
        return int(self.client.zcard(self.keys.queue))

    def leased(self) -> int:
        """Requests leased to some worker."""
        return int(self.client.zcard(self.keys.leases))

    def peek(self, n: int = 10) -> list[dict[str, object]]:
        """The next ``n`` queued requests as dicts (for inspection and tests)."""
        members: list[bytes] = self.client.zrange(self.keys.queue, 0, n - 1)  # type: ignore[assignment]
        ids = [x.decode() for x in members]
        if not ids:
            return []
        return [json.loads(raw) for raw in self.client.hmget(self.keys.requests, ids) if raw]
