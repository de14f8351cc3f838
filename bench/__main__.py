"""``python -m bench`` (``make bench``): print every benchmark figure, write docs/benchmarks.md.

Starts the benchmark site server, a private ``redis-server`` and a temporary database,
then, in rounds that interleave the systems, crawls the whole site with the service
(one worker, then two) and with the baselines of :mod:`bench.baselines`; then measures
Redis memory per seen URL (:mod:`bench.redis_memory`) and the store pipeline
(:mod:`bench.store`). Everything it started is stopped and dropped at the end.

``--quick`` crawls a small site once and does not write the docs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import report
from bench.backends import PostgresServer, PrivateRedis, TempDatabase
from bench.crawl import SERVICE_SETTINGS, run_baseline, run_service
from bench.site_server import BenchSite

FULL = {"boards": 40, "posts": 250, "page_kib": 30, "reposts": 200}
QUICK = {"boards": 10, "posts": 60, "page_kib": 30, "reposts": 30}

#: Order of the crawls within a round.
SYSTEMS = ("service-1", "tuned", "tuned-gc", "default", "default-items1", "scrapy-redis", "service-2")

NOTES = [
    "service, N workers: `crawler enqueue` of the seeds, then N `crawler worker --exit-when-idle 3` "
    "processes on a private redis-server and a fresh database: Redis frontier with leases and "
    "dedup, fleet politeness, robots.txt, decompression, extraction by site profile, validation, "
    "content dedup and batched PostgreSQL store, with the project's settings (meta-refresh off, GC "
    "thresholds raised). Benchmark settings: "
    + ", ".join(f"`{k}={json.dumps(v)}`" for k, v in SERVICE_SETTINGS.items())
    + ".",
    "Scrapy runs a crawl in one process on one core; so does one service worker. Two workers are two "
    "processes on the machine's two cores (with the site server, Redis and PostgreSQL sharing them), so "
    "the 2-worker figure is the service's scaling, not a like-for-like comparison with one Scrapy process.",
    "plain Scrapy, tuned: the same chain walk in `bench/baselines.py` (parsel CSS inside "
    "`article#bo_v`, item per page, follow 이전글/다음글), Scrapy's memory scheduler and "
    "dupefilter, no pipeline; CONCURRENT_REQUESTS and _PER_DOMAIN 64, CONCURRENT_ITEMS 1, "
    "LOG_LEVEL WARNING, cookies, stats, referer, depth, url-length, robots, compression, proxy, "
    "auth, default-headers and meta-refresh middlewares and the unused extensions off.",
    "plain Scrapy, tuned + the service's GC settings: the tuned spider with the service's "
    "`crawler.gctuning.GcTuning` extension and its defaults (gen-0 threshold 10,000 instead of 700, "
    "start-up objects frozen), which a worker runs with; the target is judged against the faster of "
    "the two tuned spiders. The plain spider leaves garbage that only the collector frees: "
    "`response.css` caches a Selector that points back at its Response (`Selector.response`), so "
    "each page it parses is a reference cycle; the service's extraction parses into a tree of its "
    "own, freed by reference counting.",
    "plain Scrapy, default settings: the same spider with Scrapy's defaults (16 requests, 8 per "
    "domain, CONCURRENT_ITEMS 100) and LOG_LEVEL INFO (the default DEBUG would log every request).",
    "CONCURRENT_ITEMS=1: the default settings with only that changed: each response's output is "
    "processed by up to CONCURRENT_ITEMS asyncio tasks, which for one item and two links is pure overhead.",
    "scrapy-redis: stock scrapy-redis 0.9 (its Redis scheduler with the pickle serializer and its "
    "SHA1-hex set dupefilter) with a pipeline doing one `INSERT ... ON CONFLICT DO NOTHING` and one "
    "commit per item on a synchronous psycopg connection. On Scrapy 2.19 `RedisSpider` reads its "
    "start URLs only through its `spider_idle` hook (Scrapy no longer calls `start_requests`; it "
    "calls `async def start()`), with ScrapyDeprecationWarnings for its stats calls; the benchmark "
    "uses a plain `Spider` whose `start()` yields the seeds, with the scrapy-redis scheduler and "
    "dupefilter, which work.",
]


def _section(name: str, func: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Run one measurement module; a failure becomes an ``error`` entry, not a crash."""
    try:
        return dict(func(*args, **kwargs))
    except Exception as exc:
        traceback.print_exc()
        return {"error": f"{type(exc).__name__}: {exc}"}


def _measure_redis_memory(n: int) -> dict[str, Any]:
    try:
        from bench import redis_memory
    except ImportError as exc:
        return {"error": f"bench/redis_memory.py is missing ({exc})"}
    return _section("redis_memory", redis_memory.run, n)


def _measure_store(n_items: int) -> dict[str, Any]:
    try:
        from bench import store
    except ImportError as exc:
        return {"error": f"bench/store.py is missing ({exc})"}
    return _section("store", store.run, n_items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small site, one round, no docs written")
    parser.add_argument("--rounds", type=int, default=3, help="most rounds of crawls (default 3)")
    parser.add_argument(
        "--budget", type=float, default=720, help="seconds of crawling after which no new round starts"
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of " + ",".join(SYSTEMS))
    parser.add_argument("--urls", type=int, default=None, help="URLs of the Redis memory measure (1,000,000)")
    parser.add_argument("--items", type=int, default=None, help="items of the store measure (20,000)")
    parser.add_argument("--no-docs", action="store_true", help="print only; do not write docs/")
    parser.add_argument("--crawl-only", action="store_true", help="skip the Redis memory and store measures")
    parser.add_argument("--no-profile", action="store_true", help="skip the py-spy profile of one worker")
    parser.add_argument("--json", metavar="FILE", help="also write every figure as JSON here")
    args = parser.parse_args(argv)
    shape = QUICK if args.quick else FULL
    rounds = 1 if args.quick else max(1, args.rounds)
    n_urls = args.urls or (100_000 if args.quick else 1_000_000)
    n_items = args.items or (2_000 if args.quick else 20_000)
    systems = [s for s in args.systems.split(",") if s]
    unknown = set(systems) - set(SYSTEMS)
    if unknown:
        parser.error(f"unknown systems: {', '.join(sorted(unknown))}")

    postgres = PostgresServer()
    if postgres.private_dir:
        print(f"no PostgreSQL answers at the configured URL: using a private one ({postgres.url})", flush=True)
    os.environ["BENCH_DATABASE_URL"] = postgres.url  # bench.store creates its database there
    try:
        return _run(args, argv, postgres.url, shape, rounds, systems, n_urls, n_items)
    finally:
        postgres.stop()


def _run(
    args: argparse.Namespace,
    argv: list[str] | None,
    postgres_url: str,
    shape: dict[str, Any],
    rounds: int,
    systems: list[str],
    n_urls: int,
    n_items: int,
) -> int:
    started = time.time()
    command = "python -m bench " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    results: dict[str, Any] = {"command": command.strip(), "notes": NOTES}
    results["machine"] = report.machine(postgres_url)
    print(f"machine: {json.dumps(results['machine'], ensure_ascii=False)}", flush=True)

    from bench import server_check

    results["server_check"] = _section("server_check", server_check.run, boards=10, posts=100)
    print(f"site server check: {json.dumps(results['server_check'])}", flush=True)

    site = BenchSite.start(**shape)
    redis = PrivateRedis()
    db = TempDatabase(postgres_url)
    crawls: dict[str, list[dict[str, Any]]] = {s: [] for s in systems}
    # A crawl slower than 30 pages/s is broken, not slow: stop waiting for it.
    crawl_timeout = max(120.0, site.meta["pages"] / 30)
    log_root = Path(tempfile.mkdtemp(prefix="bench-logs-"))
    try:
        results["site"] = {**shape, "pages": site.meta["pages"], "distinct_bodies": site.meta["distinct_bodies"],
                           "page_bytes": site.meta["page_bytes"]}  # fmt: skip
        print(f"site: {json.dumps(results['site'])} at {site.base_url}", flush=True)
        crawl_started = time.monotonic()
        done_rounds = 0
        for rnd in range(rounds):
            round_started = time.monotonic()
            for system in systems:
                t0 = time.monotonic()
                try:
                    if system.startswith("service-"):
                        workers = int(system.split("-")[1])
                        res = run_service(
                            site, redis, db, workers=workers, log_dir=log_root / f"r{rnd + 1}-{system}",
                            timeout=crawl_timeout,
                        )
                    elif system == "scrapy-redis":
                        res = run_baseline(system, site, redis=redis, db=db, timeout=crawl_timeout)
                    else:
                        res = run_baseline(system, site, timeout=crawl_timeout)
                except Exception as exc:
                    traceback.print_exc()
                    res = {"pages_per_s": 0.0, "complete": False, "error": f"{type(exc).__name__}: {exc}"}
                crawls[system].append(res)
                shown = {k: v for k, v in res.items() if k not in ("logs",)}
                print(f"round {rnd + 1} {system}: {json.dumps(shown, ensure_ascii=False)} "
                      f"({time.monotonic() - t0:.0f}s)", flush=True)  # fmt: skip
            done_rounds += 1
            spent = time.monotonic() - crawl_started
            per_round = time.monotonic() - round_started
            if spent + per_round > args.budget:
                break
        results["rounds"] = done_rounds
        results["crawls"] = crawls
        if not args.no_profile and "service-1" in systems:
            from bench import profile

            print("profiling one worker with py-spy", flush=True)
            results["profile"] = _section("profile", profile.run, site, redis, db, log_dir=log_root / "profile")
            print(f"profile: {json.dumps(results['profile'], ensure_ascii=False)}", flush=True)
    finally:
        site.stop()
        redis.stop()
        with contextlib.suppress(Exception):
            db.drop()

    if all(r.get("complete") for runs in crawls.values() for r in runs):
        shutil.rmtree(log_root, ignore_errors=True)
    else:
        print(f"some crawls were incomplete or failed: worker logs kept in {log_root}", flush=True)
    table = report.crawl_table(crawls)
    results["crawl_table"] = table
    by_key = {r["key"]: r for r in table}
    if "service-1" in by_key and by_key["service-1"]["ratio_to_tuned"] is not None:
        # Met only against the stronger of the two tuned spiders: the service's GC settings
        # help any Scrapy process, so they must not count as the service's own advantage.
        ratio = by_key["service-1"]["ratio_to_tuned"]
        ratio_gc = None
        if by_key.get("tuned-gc", {}).get("median"):
            ratio_gc = round(by_key["service-1"]["median"] / by_key["tuned-gc"]["median"], 2)
        results["target"] = {
            "ratio": ratio, "ratio_gc": ratio_gc, "met": min(ratio, ratio_gc or ratio) >= 0.9,
        }
    if "service-1" in by_key and "service-2" in by_key and by_key["service-1"]["median"]:
        results["scaling"] = round(by_key["service-2"]["median"] / by_key["service-1"]["median"], 2)

    if not args.crawl_only:
        print(f"measuring Redis memory per seen URL at {n_urls} URLs", flush=True)
        results["redis_memory"] = _measure_redis_memory(n_urls)
        print(f"measuring the store pipeline with {n_items} items", flush=True)
        results["store"] = _measure_store(n_items)

    results["elapsed_s"] = time.time() - started
    results["finished_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print()
    print(report.format_summary(results), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2, ensure_ascii=False, default=str))
    if not args.quick and not args.no_docs:
        report.DOCS.mkdir(exist_ok=True)
        plot_name = "benchmarks.png"
        try:
            report.plot(results, report.DOCS / plot_name)
        except Exception:
            traceback.print_exc()
            plot_name = None  # type: ignore[assignment]
        report.write_markdown(results, report.DOCS / "benchmarks.md", plot_name)
        print(f"\nwrote {report.DOCS / 'benchmarks.md'}" + (f" and {report.DOCS / plot_name}" if plot_name else ""))
    return 0



if __name__ == "__main__":
    sys.exit(main())
