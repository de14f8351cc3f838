"""Frontier figures for ``crawler stats`` and the metrics extension."""

from __future__ import annotations

from typing import Any

import redis

from crawler.frontier.keys import Keys
from crawler.frontier.seen import SeenSet


def frontier_counts(client: redis.Redis, prefix: str) -> dict[str, Any]:
    """What the Redis frontier under ``prefix`` holds now.

    ``queued`` (requests waiting), ``leased`` (requests in flight, leased to a worker),
    ``seen`` (URL fingerprints in the seen set), ``seeds`` (seed URLs ever enqueued),
    ``lease_expired_reclaimed`` (leases that ran out and went back to the queue, total),
    ``workers`` (worker id -> seconds since its last sync or lease renewal, by Redis's
    clock; a worker that stopped cleanly is removed, a killed one ages)
    and ``seen_buckets`` (0 when Redis holds no seen set: it was flushed or never used).
    """
    keys = Keys(prefix)
    buckets_raw = client.get(keys.seen_buckets)
    buckets = int(buckets_raw) if buckets_raw else 0
    pipe = client.pipeline(transaction=False)
    pipe.zcard(keys.queue)
    pipe.zcard(keys.leases)
    pipe.hlen(keys.seeds)
    pipe.hget(keys.counters, "lease_expired_reclaimed")
    pipe.zrange(keys.workers, 0, -1, withscores=True)
    pipe.time()
    queued, leased, seeds, reclaimed, workers, now = pipe.execute()
    now_ms = int(now[0]) * 1000 + int(now[1]) // 1000
    ages: dict[str, float] = {}
    for name, stamp in workers:
        ages[name.decode()] = round(max(0, now_ms - int(stamp)) / 1000, 1)
    seen = SeenSet(client, prefix, buckets=buckets).count() if buckets else 0
    return {
        "queued": int(queued),
        "leased": int(leased),
        "seen": seen,
        "seeds": int(seeds),
        "lease_expired_reclaimed": int(reclaimed or 0),
        "workers": ages,
        "seen_buckets": buckets,
    }
