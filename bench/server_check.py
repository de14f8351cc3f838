"""Is the site server fast enough not to be the bottleneck?

Serves the same site from the threaded ``crawler.demo.site.SiteServer`` and from
``bench.site_server`` (each in its own process), fetches every article page with a
light keep-alive client over a few connections, and reports the server process's
CPU time per page (from ``/proc/PID/stat``) and the pages/s the client saw. On a
two-core machine the server's CPU per page is what it takes from the crawler.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from bench.backends import cpu_seconds
from bench.site_server import BenchSite

_THREADED = """
import json, signal, sys, threading
from crawler.demo.site import ChainSite, SiteServer
b, p, k, r = (float(x) for x in sys.argv[1:5])
site = ChainSite(boards=int(b), posts_per_board=int(p), page_kib=k, reposts=int(r))
server = SiteServer(site).start()
print(json.dumps({"base_url": server.base_url, "paths": site.article_paths()}), flush=True)
signal.sigwait({signal.SIGTERM, signal.SIGINT})
"""


async def _fetch_all(host: str, port: int, paths: list[str], connections: int) -> int:
    queue = list(reversed(paths))
    done = 0

    async def conn() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, port)
        while queue:
            path = queue.pop()
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":", 1)[1])
            await reader.readexactly(length)
            done += 1
        writer.close()

    await asyncio.gather(*(conn() for _ in range(connections)))
    return done


def _measure(pid: int, base_url: str, paths: list[str], connections: int) -> dict[str, float]:
    host, port = base_url.split("//", 1)[1].split(":")
    cpu0, t0 = cpu_seconds(pid), time.perf_counter()
    n = asyncio.run(_fetch_all(host, int(port), paths, connections))
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds(pid) - cpu0
    return {
        "pages": n,
        "client_pages_per_s": round(n / elapsed, 1),
        "server_cpu_ms_per_page": round(1000 * cpu / n, 3),
        "server_max_pages_per_s_one_core": round(n / cpu, 1) if cpu else float("inf"),
    }


def run(*, boards: int = 10, posts: int = 200, page_kib: float = 30, connections: int = 16) -> dict[str, Any]:
    """Server CPU per page and client-observed pages/s, threaded vs bench server."""
    args = [str(boards), str(posts), str(page_kib), "0"]
    out: dict[str, Any] = {}
    proc = subprocess.Popen([sys.executable, "-c", _THREADED, *args], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        meta = json.loads(proc.stdout.readline())
        out["threaded"] = _measure(proc.pid, meta["base_url"], meta["paths"], connections)
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout:
            proc.stdout.close()
    bench = BenchSite.start(boards=boards, posts=posts, page_kib=page_kib, reposts=0)
    try:
        paths = [
            f"/bbs/board.php?bo_table=board{b + 1}&wr_id={w + 1}" for b in range(boards) for w in range(posts)
        ]
        out["bench"] = _measure(bench.process.pid, bench.base_url, paths, connections)
    finally:
        bench.stop()
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
