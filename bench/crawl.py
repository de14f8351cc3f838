"""Crawl the benchmark site with the whole service, and with the baselines, timed alike.

Every crawl is timed by the site server: from its first article hit to its last one,
or to the last row written to PostgreSQL when the crawler stores (whichever is later),
so that process start-up is left out for every crawler and storage is counted for
those that store. pages/s is the article pages fetched in that window divided by it.
The crawling processes' CPU time within the same window (user + system, sampled from
``/proc`` every 50 ms) divided by the pages gives CPU ms per page: on a shared machine
it moves less than pages/s when other tenants take the cores.

The service runs as an operator runs it: ``crawler enqueue`` of the seeds, then one or
more ``crawler worker --exit-when-idle S`` processes, with ``DATABASE_URL``,
``REDIS_URL`` and ``CRAWLER_*`` settings in their environment.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.backends import PrivateRedis, TempDatabase, cpu_seconds
from bench.site_server import BenchSite


class CpuSampler:
    """Samples the CPU time (user + system) of some processes, with wall-clock stamps."""

    def __init__(self, pids: list[int], interval: float = 0.05) -> None:
        self.pids = pids
        self.interval = interval
        self.samples: list[tuple[float, float]] = []
        self._last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._thread.start()

    def _cpu(self, pid: int) -> float:
        with contextlib.suppress(OSError, IndexError, ValueError):  # exited: keep its last reading
            self._last[pid] = cpu_seconds(pid)
        return self._last.get(pid, 0.0)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.time(), sum(self._cpu(pid) for pid in self.pids)))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def between(self, start: float, end: float) -> float | None:
        """CPU seconds used from ``start`` to ``end`` (wall-clock), or None without samples."""
        def at(when: float) -> float | None:
            before = [cpu for stamp, cpu in self.samples if stamp <= when]
            return before[-1] if before else None

        first, last = at(start), at(end)
        if first is None or last is None:
            return None
        return last - first


def _cpu_ms_per_page(sampler: CpuSampler, stats: dict[str, Any], end: float) -> float | None:
    cpu = sampler.between(stats["first_hit"], end)
    if cpu is None or not stats["article_hits"]:
        return None
    return round(1000 * cpu / stats["article_hits"], 2)


#: Settings of the service in the benchmark: the same per-host concurrency as the tuned
#: Scrapy spider, and the loopback bench site allowed.
SERVICE_SETTINGS: dict[str, Any] = {
    "CRAWLER_CONCURRENT_REQUESTS": 64,
    "CRAWLER_CONCURRENT_REQUESTS_PER_DOMAIN": 64,
    "CRAWLER_DOMAIN_CONCURRENCY": 64,
    "CRAWLER_ALLOWED_PRIVATE_HOSTS": ["127.0.0.1"],
    "CRAWLER_LOG_LEVEL": "INFO",
}


def service_env(database_url: str, redis_url: str, prefix: str, settings: dict[str, Any]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, CRAWLER_REDIS_PREFIX=prefix, PYTHONUNBUFFERED="1")
    for key, value in settings.items():
        env[key] = value if isinstance(value, str) else json.dumps(value)
    return env


def _crawler(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler.cli", *args]


def _window(site_stats: dict[str, Any], db_last: float | None) -> float:
    end = max(site_stats["last_hit"], db_last or 0.0)
    return max(end - site_stats["first_hit"], 1e-9)


def run_service(
    site: BenchSite,
    redis: PrivateRedis,
    db: TempDatabase,
    *,
    workers: int = 1,
    settings: dict[str, Any] | None = None,
    idle_exit: float = 3.0,
    timeout: float = 600.0,
    log_dir: Path | None = None,
    wrap: list[str] | None = None,
) -> dict[str, Any]:
    """One crawl of the whole site by ``workers`` worker processes; figures and checks.

    ``wrap`` prefixes each worker's command line (a profiler such as ``py-spy record ... --``).
    """
    redis.flush()
    db.reset()
    site.reset()
    env = service_env(db.url, redis.url, "bench", {**SERVICE_SETTINGS, **(settings or {})})
    enq = subprocess.run(
        _crawler("enqueue", *site.seeds, "--direction", "both"), env=env, capture_output=True, text=True, timeout=120
    )
    if enq.returncode != 0:
        raise RuntimeError(f"crawler enqueue failed ({enq.returncode}): {enq.stderr[-2000:]}")
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="bench-logs-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    procs = []
    logs = []
    for i in range(workers):
        log_path = log_dir / f"worker-{workers}-{i}.log"
        fh = open(log_path, "wb")  # noqa: SIM115
        logs.append((log_path, fh))
        worker_env = dict(env, CRAWLER_WORKER_ID=f"bench-{i}")
        procs.append(
            subprocess.Popen(
                [*(wrap or []), *_crawler("worker", "--exit-when-idle", str(idle_exit))],
                env=worker_env,
                stdout=fh,
                stderr=subprocess.STDOUT,
            )
        )
    sampler = CpuSampler([proc.pid for proc in procs])
    deadline = time.monotonic() + timeout
    codes = []
    for proc in procs:
        try:
            codes.append(proc.wait(max(1.0, deadline - time.monotonic())))
        except subprocess.TimeoutExpired:
            proc.kill()
            codes.append(proc.wait())
    sampler.stop()
    for _, fh in logs:
        fh.close()
    stats = site.stats()
    stored_urls = int(db.scalar("SELECT count(*) FROM article_urls") or 0)
    articles = int(db.scalar("SELECT count(*) FROM articles") or 0)
    rejected = int(db.scalar("SELECT count(*) FROM rejected_items") or 0)
    db_last = db.scalar("SELECT extract(epoch FROM max(last_seen_at)) FROM article_urls")
    window = _window(stats, float(db_last) if db_last is not None else None)
    result = {
        "system": f"service, {workers} worker{'s' if workers > 1 else ''}",
        "workers": workers,
        "pages_fetched": stats["article_hits"],
        "urls_stored": stored_urls,
        "articles_stored": articles,
        "rejected": rejected,
        "seconds": round(window, 3),
        "pages_per_s": round(stats["article_hits"] / window, 1),
        "cpu_ms_per_page": _cpu_ms_per_page(sampler, stats, stats["first_hit"] + window),
        "exit_codes": codes,
        "complete": stored_urls == site.meta["pages"] and articles == site.meta["distinct_bodies"],
        "logs": [str(p) for p, _ in logs],
    }
    if not result["complete"] or any(codes):
        tail = Path(logs[0][0]).read_text(errors="replace").splitlines()[-30:]
        result["log_tail"] = tail
    return result


def run_baseline(
    mode: str,
    site: BenchSite,
    *,
    redis: PrivateRedis | None = None,
    db: TempDatabase | None = None,
    timeout: float = 600.0,
) -> dict[str, Any]:
    """One crawl of the whole site by a baseline of :mod:`bench.baselines`; figures."""
    site.reset()
    if redis is not None:
        redis.flush()
    if db is not None:
        db.reset()
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(site.seeds, fh)
        seeds_file = fh.name
    cmd = [sys.executable, "-m", "bench.baselines", mode, "--seeds", seeds_file]
    if redis is not None:
        cmd += ["--redis-url", redis.url]
    if db is not None:
        cmd += ["--database-url", db.url]
    try:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        sampler = CpuSampler([proc.pid])
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            stdout, stderr = proc.communicate()
        finally:
            sampler.stop()
    finally:
        os.unlink(seeds_file)
    lines = [line for line in stdout.splitlines() if line.startswith("BENCH-RESULT ")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"baseline {mode} failed ({proc.returncode}): {stderr[-2000:]}")
    inner = json.loads(lines[-1].split(" ", 1)[1])
    stats = site.stats()
    db_last = None
    stored = None
    if db is not None:
        value = db.scalar("SELECT extract(epoch FROM max(first_seen_at)) FROM articles")
        db_last = float(value) if value is not None else None
        stored = int(db.scalar("SELECT count(*) FROM articles") or 0)
    window = _window(stats, db_last)
    return {
        "system": mode,
        "pages_fetched": stats["article_hits"],
        "items": inner["items"],
        "articles_stored": stored,
        "seconds": round(window, 3),
        "pages_per_s": round(stats["article_hits"] / window, 1),
        "cpu_ms_per_page": _cpu_ms_per_page(sampler, stats, stats["first_hit"] + window),
        "complete": inner["items"] == site.meta["pages"],
    }
