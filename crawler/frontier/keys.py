"""Redis key names of the frontier and the request meta keys the frontier relies on.

Every key lives under the configured ``CRAWLER_REDIS_PREFIX`` so that two deployments
(or two tests) can share one Redis. The layout:

==============================  ======  ===================================================
key                             type    holds
==============================  ======  ===================================================
``{p}:queue``                   zset    request id -> ``-priority``; ties pop by id (FIFO)
``{p}:requests``                hash    request id -> request JSON (queued or leased)
``{p}:leases``                  zset    leased request id -> lease expiry (ms, Redis clock)
``{p}:lease:owner``             hash    leased request id -> ``"<queue score>|<worker>"``
``{p}:seq``                     string  last request id handed out (INCRBY)
``{p}:seen:{bucket}``           set     64-bit URL fingerprints (intset encoding)
``{p}:seen:buckets``            string  bucket count in use; its absence means "rebuild"
``{p}:seeds``                   hash    seed URL -> JSON of its last enqueue
``{p}:workers``                 zset    worker id -> its last sync or renewal (ms)
``{p}:counters``                hash    fleet-wide totals (reclaimed leases, ...)
``{p}:recover:lock``            string  held while one process rebuilds from PostgreSQL
``{p}:polite:{host}``           zset    politeness tokens of a host -> expiry (ms)
``{p}:polite:{host}:next``      string  earliest time (ms) the next request to host may start
==============================  ======  ===================================================
"""

from __future__ import annotations

from dataclasses import dataclass

#: Request meta key holding the id of the lease a request was handed out under.
META_LEASE = "frontier_lease"
#: Request meta key counting how often a request was put back after a failed pipeline.
META_ATTEMPTS = "frontier_attempts"
#: Request meta keys of the chain walk (set by seeds and the chain spider).
META_SEED = "chain_seed"
META_DIRECTION = "chain_direction"
META_MAX_PAGES = "chain_max_pages"
META_PAGES = "chain_pages"
META_PROFILE = "chain_profile"
META_IS_SEED = "chain_is_seed"

DIRECTIONS = ("prev", "next", "both")


@dataclass(frozen=True)
class Keys:
    """The Redis key names under one prefix."""

    prefix: str

    @property
    def queue(self) -> str:
        return f"{self.prefix}:queue"

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def leases(self) -> str:
        return f"{self.prefix}:leases"

    @property
    def lease_owner(self) -> str:
        return f"{self.prefix}:lease:owner"

    @property
    def seq(self) -> str:
        return f"{self.prefix}:seq"

    @property
    def seen_buckets(self) -> str:
        return f"{self.prefix}:seen:buckets"

    @property
    def epoch(self) -> str:
        """A random token written once per Redis data set: a new one means Redis lost data."""
        return f"{self.prefix}:epoch"

    def seen(self, bucket: int) -> str:
        return f"{self.prefix}:seen:{bucket}"

    @property
    def seeds(self) -> str:
        return f"{self.prefix}:seeds"

    @property
    def workers(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def counters(self) -> str:
        return f"{self.prefix}:counters"

    @property
    def recover_lock(self) -> str:
        return f"{self.prefix}:recover:lock"

    def polite(self, host: str) -> str:
        return f"{self.prefix}:polite:{host}"

    def polite_next(self, host: str) -> str:
        return f"{self.prefix}:polite:{host}:next"
