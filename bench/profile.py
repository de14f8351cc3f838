"""Where a service worker's time goes: one crawl of the bench site under ``py-spy``.

The worker runs under ``py-spy record --format raw`` (sampling, so the worker's code is
unchanged; it runs somewhat slower while sampled). Stacks are sorted into the
service's components by the first matching frame, and the functions that hold the CPU
themselves ("self" time) are listed. py-spy is a dev dependency; without it this
measure is skipped with a reason.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench.backends import PrivateRedis, TempDatabase
from bench.crawl import run_service
from bench.site_server import BenchSite

#: Component -> substrings of a stack frame that place a sample in it (first rule wins).
COMPONENTS: list[tuple[str, tuple[str, ...]]] = [
    ("extraction (crawler.extract)", ("extract_article (", "extract_list_links (")),
    ("pipeline: validate", ("ValidatePipeline.",)),
    ("pipeline: normalize", ("NormalizePipeline.",)),
    ("pipeline: dedupe", ("DedupePipeline.",)),
    ("pipeline: store (PostgreSQL)", ("StorePipeline.", "BatchWriter.", "pipelines/database.py")),
    ("frontier: politeness middleware (Redis)", ("FleetPolitenessMiddleware.",)),
    ("frontier: private-address guard", ("PrivateAddressMiddleware.",)),
    ("frontier: scheduler, leases, acks (Redis)", ("RedisScheduler.", "crawler/frontier/queue.py")),
    ("spider: follow links", ("follow_requests", "crawler/frontier/walk.py")),
    ("metrics and logs", ("crawler/metrics.py", "crawler/logs.py")),
    ("Scrapy HTTP download (Twisted)", ("HTTP11DownloadHandler.", "_newclient.py", "Connection.doRead")),
]
OTHER = "Scrapy engine, middlewares, asyncio/Twisted loop"


def py_spy() -> str | None:
    """The py-spy executable beside this interpreter, or on PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def analyse(raw_path: Path, top: int = 12) -> dict[str, Any]:
    """Component shares and top self-time functions from a py-spy raw (collapsed) file."""
    components: Counter[str] = Counter()
    self_time: Counter[str] = Counter()
    total = 0
    for line in raw_path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        if "Thread._bootstrap" in stack:  # idle pool threads waiting on a queue
            continue
        n = int(count)
        total += n
        frames = stack.split(";")
        self_time[frames[-1]] += n
        for name, patterns in COMPONENTS:
            if any(p in stack for p in patterns):
                components[name] += n
                break
        else:
            components[OTHER] += n
    if not total:
        return {"error": "py-spy recorded no samples"}
    return {
        "samples": total,
        "components_pct": {k: round(100 * v / total, 1) for k, v in components.most_common()},
        "top_self_pct": [[f, round(100 * v / total, 1)] for f, v in self_time.most_common(top)],
    }


def run(
    site: BenchSite, redis: PrivateRedis, db: TempDatabase, *, rate: int = 100, log_dir: Path | None = None
) -> dict[str, Any]:
    """Crawl the site once with one worker under py-spy; the breakdown (the raw profile and the
    worker log are left in ``log_dir``, a new temporary folder by default)."""
    exe = py_spy()
    if exe is None:
        return {"error": "py-spy is not installed (pip install py-spy)"}
    out_dir = log_dir or Path(tempfile.mkdtemp(prefix="bench-profile-"))
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = out_dir / "worker.txt"
    wrap = [exe, "record", "--format", "raw", "--rate", str(rate), "--output", str(raw), "--"]
    result = run_service(site, redis, db, workers=1, wrap=wrap, log_dir=out_dir)
    if not raw.exists():
        return {"error": f"py-spy wrote no profile (worker exit codes {result['exit_codes']})"}
    figures = analyse(raw)
    figures["pages_per_s_while_sampled"] = result["pages_per_s"]
    return figures
