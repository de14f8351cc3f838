"""The seen set: 64-bit URL fingerprints as integers in many small Redis sets.

scrapy-redis keeps one set of 40-character hex fingerprints: every member is an
SDS string in a hash table entry, about 100 bytes of Redis memory per URL. Here a
URL's fingerprint (:func:`crawler.urls.url_fingerprint`, a signed int64 of the
canonical URL) is SADDed as an integer into one of ``buckets`` sets chosen by its
low bits. A set holding only integers and at most ``set-max-intset-entries`` (512 by
default) members is stored by Redis as a sorted array of int64 (an *intset*): 8
bytes per member plus a small per-key overhead shared by the members of a bucket.
With 8192 buckets that is about 9 bytes per URL at one million URLs, and the sets
stay intsets up to about 3.5 million URLs (then a bucket converts to a hash table,
which still works, only larger: raise ``CRAWLER_SEEN_BUCKETS`` before that).

No false positives that matter: two canonical URLs collide only with probability
about n^2 / 2^65 (1e-7 at a million URLs), unlike a Bloom filter's percent-level rate.

The bucket count must be the same for every process sharing the prefix; the first
process records it under ``{prefix}:seen:buckets`` and later ones use that value.
That key's absence also tells a starting worker that Redis lost its data (recovery).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import redis

from crawler.frontier.keys import Keys
from crawler.urls import url_fingerprint

logger = logging.getLogger(__name__)


def check_buckets(buckets: int) -> int:
    """``buckets`` when it is a power of two >= 1, else ValueError naming the value."""
    if buckets < 1 or buckets & (buckets - 1):
        raise ValueError(f"CRAWLER_SEEN_BUCKETS must be a power of two, got {buckets}")
    return buckets


class SeenSet:
    """The fleet's seen URL fingerprints under ``prefix`` (see the module docstring)."""

    def __init__(self, client: redis.Redis, prefix: str, *, buckets: int = 8192) -> None:
        self.client = client
        self.keys = Keys(prefix)
        self.buckets = check_buckets(buckets)
        self._mask = buckets - 1

    def bucket_key(self, fingerprint: int) -> str:
        """The set holding ``fingerprint``."""
        return self.keys.seen(fingerprint & self._mask)

    def settle_buckets(self) -> int:
        """Record this bucket count in Redis, or adopt the one already recorded there."""
        self.client.set(self.keys.seen_buckets, self.buckets, nx=True)
        stored = int(self.client.get(self.keys.seen_buckets) or self.buckets)
        if stored != self.buckets:
            logger.warning(
                "seen set under %s uses %d buckets (CRAWLER_SEEN_BUCKETS is %d); using %d",
                self.keys.prefix, stored, self.buckets, stored,
            )
            self.buckets = check_buckets(stored)
            self._mask = stored - 1
        return self.buckets

    def is_marked(self) -> bool:
        """True while Redis still holds the bucket-count record (it was not flushed)."""
        return bool(self.client.exists(self.keys.seen_buckets))

    def add_fingerprints(self, fingerprints: Iterable[int]) -> int:
        """SADD ``fingerprints``; returns how many were new. Pipelined, many per call."""
        groups: dict[str, list[int]] = {}
        for fp in fingerprints:
            groups.setdefault(self.bucket_key(fp), []).append(fp)
        added = 0
        pipe = self.client.pipeline(transaction=False)
        pending = 0
        for key, members in groups.items():
            pipe.sadd(key, *members)
            pending += len(members)
            if pending >= 50_000:
                added += sum(pipe.execute())
                pending = 0
        if pending:
            added += sum(pipe.execute())
        return added

    def add(self, urls: Iterable[str]) -> int:
        """Mark ``urls`` seen; returns how many were new."""
        return self.add_fingerprints(url_fingerprint(u) for u in urls)

    def contains(self, url: str) -> bool:
        """True when ``url`` (canonicalized) is seen."""
        fp = url_fingerprint(url)
        return bool(self.client.sismember(self.bucket_key(fp), str(fp)))

    def forget(self, urls: Iterable[str]) -> int:
        """Forget ``urls`` so that they are fetched again when linked; returns how many were seen."""
        pipe = self.client.pipeline(transaction=False)
        n = 0
        for url in urls:
            fp = url_fingerprint(url)
            pipe.srem(self.bucket_key(fp), fp)
            n += 1
        return sum(pipe.execute()) if n else 0

    def count(self) -> int:
        """Number of seen fingerprints (SCARD of every bucket, pipelined)."""
        pipe = self.client.pipeline(transaction=False)
        for b in range(self.buckets):
            pipe.scard(self.keys.seen(b))
        return sum(pipe.execute())
