"""Redis memory per seen URL: this project's seen set beside scrapy-redis's dupefilter set.

Both are loaded with the same ``n`` article URLs into a private ``redis-server`` (its
own port, nothing on disk, default ``set-max-intset-entries`` of 512) and measured as
the growth of ``INFO memory`` ``used_memory``:

* **ours** (:mod:`crawler.frontier.seen`): the signed 64-bit fingerprint of each
  canonical URL SADDed as an integer into one of ``CRAWLER_SEEN_BUCKETS`` (8192) sets,
  which stay in Redis's intset encoding;
* **scrapy-redis** (``scrapy_redis.dupefilter.RFPDupeFilter``): the 40-character hex
  SHA-1 of ``{"body", "method", "url"}`` per request, all in one set.

Run: ``python -m bench.redis_memory [N]`` (default 1,000,000), or call :func:`run`.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from typing import Any

from bench.backends import PrivateRedis
from crawler import defaults
from crawler.frontier.seen import SeenSet
from crawler.urls import url_fingerprint

_CHUNK = 10_000


def article_urls(n: int) -> list[str]:
    """``n`` distinct canonical article URLs spread over 50 boards of 100 sites."""
    return [
        f"https://site{i % 100}.example.com/bbs/board.php?bo_table=board{i % 50}&wr_id={i}"
        for i in range(n)
    ]


def scrapy_redis_fingerprint(url: str) -> str:
    """What ``scrapy_redis.dupefilter.RFPDupeFilter.request_fingerprint`` stores for a GET."""
    data = {"method": "GET", "url": url, "body": ""}
    return hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _load_ours(server: PrivateRedis, fingerprints: list[int], buckets: int) -> dict[str, Any]:
    seen = SeenSet(server.client, "bench", buckets=buckets)
    before = server.used_memory()
    started = time.perf_counter()
    added = seen.add_fingerprints(fingerprints)
    seconds = time.perf_counter() - started
    used = server.used_memory() - before
    sample = [seen.keys.seen(b) for b in range(0, buckets, max(1, buckets // 64))]
    encodings = {server.client.object("encoding", key) for key in sample}
    return {
        "bytes": used,
        "bytes_per_url": used / max(1, added),
        "added": added,
        "load_seconds": round(seconds, 2),
        "buckets": buckets,
        "encodings": sorted(e.decode() if isinstance(e, bytes) else str(e) for e in encodings),
    }


def _load_scrapy_redis(server: PrivateRedis, urls: list[str]) -> dict[str, Any]:
    client = server.client
    before = server.used_memory()
    started = time.perf_counter()
    added = 0
    pipe = client.pipeline(transaction=False)
    for start in range(0, len(urls), _CHUNK):
        pipe.sadd("bench:dupefilter", *(scrapy_redis_fingerprint(u) for u in urls[start : start + _CHUNK]))
        if (start // _CHUNK) % 10 == 9:
            added += sum(pipe.execute())
    added += sum(pipe.execute())
    seconds = time.perf_counter() - started
    used = server.used_memory() - before
    encoding = client.object("encoding", "bench:dupefilter")
    return {
        "bytes": used,
        "bytes_per_url": used / max(1, added),
        "added": added,
        "load_seconds": round(seconds, 2),
        "encodings": [encoding.decode() if isinstance(encoding, bytes) else str(encoding)],
    }


def run(n: int = 1_000_000, *, buckets: int = defaults.CRAWLER_SEEN_BUCKETS) -> dict[str, Any]:
    """Measure both sets with ``n`` URLs on a private redis-server; the figures as a dict.

    ``ours`` and ``scrapy_redis`` each hold ``bytes`` (growth of used_memory),
    ``bytes_per_url``, ``added``, ``load_seconds`` and the Redis ``encodings`` seen;
    ``fingerprint_collisions`` counts distinct URLs sharing a 64-bit fingerprint
    (each would be a page wrongly skipped).
    """
    urls = article_urls(n)
    fingerprints = [url_fingerprint(u, canonical=True) for u in urls]
    collisions = n - len(set(fingerprints))
    server = PrivateRedis()
    try:
        max_intset = server.client.config_get("set-max-intset-entries")
        ours = _load_ours(server, fingerprints, buckets)
        server.flush()
        theirs = _load_scrapy_redis(server, urls)
        version = server.client.info("server").get("redis_version")
    finally:
        server.stop()
    return {
        "urls": n,
        "redis_version": version,
        "set_max_intset_entries": int(max_intset.get("set-max-intset-entries") or 0),
        "ours": ours,
        "scrapy_redis": theirs,
        "ratio": round(theirs["bytes_per_url"] / max(ours["bytes_per_url"], 1e-9), 1),
        "fingerprint_collisions": collisions,
        "target_bytes_per_url": 10,
        "meets_target": ours["bytes_per_url"] <= 10 and collisions == 0,
    }


def format_result(result: dict[str, Any]) -> str:
    """The figures as a few readable lines."""
    ours, theirs = result["ours"], result["scrapy_redis"]
    return "\n".join(
        [
            f"Redis memory per seen URL at {result['urls']:,} URLs "
            f"(redis {result['redis_version']}, set-max-intset-entries "
            f"{result['set_max_intset_entries']}):",
            f"  ours (int64 fingerprints in {ours['buckets']} intset buckets): "
            f"{ours['bytes_per_url']:.2f} bytes/URL ({ours['bytes'] / 1e6:.1f} MB, "
            f"{'/'.join(ours['encodings'])}, loaded in {ours['load_seconds']}s)",
            f"  scrapy-redis (40-hex SHA-1 strings in one set): "
            f"{theirs['bytes_per_url']:.2f} bytes/URL ({theirs['bytes'] / 1e6:.1f} MB, "
            f"{'/'.join(theirs['encodings'])}, loaded in {theirs['load_seconds']}s)",
            f"  scrapy-redis uses {result['ratio']}x the memory; fingerprint collisions: "
            f"{result['fingerprint_collisions']}; target <= {result['target_bytes_per_url']} "
            f"bytes/URL: {'met' if result['meets_target'] else 'NOT met'}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0].replace("_", "")) if args else 1_000_000
    result = run(n)
    print(format_result(result))
    return 0 if result["meets_target"] else 1


if __name__ == "__main__":
    sys.exit(main())
