"""A fast HTTP server for the benchmark site, run in its own process.

``crawler.demo.site.SiteServer`` is a ``ThreadingHTTPServer``: one thread per
connection and Python-level header parsing cost it close to a millisecond of CPU
per page, and on a two-core machine every millisecond the server spends is taken
from the crawler being measured. This server pre-renders every page of a
:class:`~crawler.demo.site.ChainSite` into complete HTTP/1.1 responses (status
line, headers and body in one ``bytes``) and answers from an ``asyncio.Protocol``
with keep-alive, so a request costs a dictionary lookup and one ``write``.

It records the time of the first and the last article hit, which is how the
benchmark times every crawler the same way: ``GET /__bench/stats`` returns them
as JSON, ``GET /__bench/reset`` clears them.

Run ``python -m bench.site_server --boards 40 --posts 250 --page-kib 30``; it
prints one JSON line (port, page counts, seed paths) once it listens, and serves
until killed. :class:`BenchSite` starts and stops it from another process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from typing import Any

from crawler.demo.site import ChainSite

_REASONS = {200: b"OK", 404: b"Not Found"}


def _response(status: int, body: bytes, content_type: bytes = b"text/html; charset=utf-8") -> bytes:
    head = (
        b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\nConnection: keep-alive\r\n\r\n"
        % (status, _REASONS.get(status, b"OK"), content_type, len(body))
    )
    return head + body


class _State:
    """Pre-rendered responses and hit timing shared by every connection."""

    def __init__(self, site: ChainSite) -> None:
        self.site = site
        self.pages: dict[bytes, bytes] = {}
        for path in site.article_paths() + site.list_paths():
            body = site.page(path)
            assert body is not None
            self.pages[path.encode()] = _response(200, body)
        self.pages[b"/robots.txt"] = _response(200, b"User-agent: *\nAllow: /\n", b"text/plain")
        self.not_found = _response(404, b"<html><body>Not found</body></html>")
        self.reset()

    def reset(self) -> None:
        self.article_hits = 0
        self.other_hits = 0
        self.first_hit = 0.0
        self.last_hit = 0.0

    def answer(self, path: bytes) -> bytes:
        resp = self.pages.get(path)
        if resp is not None and b"wr_id=" in path:
            now = time.time()
            if not self.article_hits:
                self.first_hit = now
            self.last_hit = now
            self.article_hits += 1
            return resp
        if path.startswith(b"/__bench/"):
            if path == b"/__bench/reset":
                self.reset()
            stats = {
                "article_hits": self.article_hits,
                "other_hits": self.other_hits,
                "first_hit": self.first_hit,
                "last_hit": self.last_hit,
            }
            return _response(200, json.dumps(stats).encode(), b"application/json")
        self.other_hits += 1
        if resp is not None:
            return resp
        body = self.site.page(path.decode("latin-1"))
        return _response(200, body) if body is not None else self.not_found


class _Protocol(asyncio.Protocol):
    def __init__(self, state: _State) -> None:
        self.state = state
        self.buf = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        buf = self.buf + data if self.buf else data
        while True:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buf[:end]
            buf = buf[end + 4 :]
            line_end = head.find(b"\r\n")
            request_line = head if line_end < 0 else head[:line_end]
            parts = request_line.split(b" ")
            path = parts[1] if len(parts) >= 2 else b"/"
            self.transport.write(self.state.answer(path))
            if b"\r\nconnection: close" in head.lower():
                self.transport.close()
                break
        self.buf = buf


async def _serve(site: ChainSite, host: str, port: int) -> None:
    state = _State(site)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Protocol(state), host, port, backlog=1024)
    sock_port = server.sockets[0].getsockname()[1]
    meta = {
        "port": sock_port,
        "base_url": f"http://{host}:{sock_port}",
        "pages": len(site.article_paths()),
        "distinct_bodies": site.distinct_bodies(),
        "oldest_paths": site.oldest_paths(),
        "list_paths": site.list_paths(),
        "page_bytes": sum(len(site.page(p) or b"") for p in site.article_paths()) // len(site.article_paths()),
    }
    print(json.dumps(meta), flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boards", type=int, default=40)
    parser.add_argument("--posts", type=int, default=250, help="posts per board")
    parser.add_argument("--page-kib", type=float, default=30)
    parser.add_argument("--reposts", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    site = ChainSite(
        boards=args.boards,
        posts_per_board=args.posts,
        page_kib=args.page_kib,
        reposts=args.reposts,
        seed=args.seed,
    )
    asyncio.run(_serve(site, args.host, args.port))
    return 0


@dataclass
class BenchSite:
    """A running ``bench.site_server`` process and what it told about its site."""

    process: subprocess.Popen[str]
    meta: dict[str, Any]

    @classmethod
    def start(
        cls, *, boards: int, posts: int, page_kib: float, reposts: int, timeout: float = 120.0
    ) -> BenchSite:
        """Start the server process and wait for its JSON line."""
        cmd = [
            sys.executable, "-m", "bench.site_server",
            "--boards", str(boards), "--posts", str(posts),
            "--page-kib", str(page_kib), "--reposts", str(reposts),
        ]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONUNBUFFERED="1"))
        assert proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = proc.stdout.readline()
        if not line or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"bench site server did not start (exit code {proc.poll()})")
        return cls(proc, json.loads(line))

    @property
    def base_url(self) -> str:
        return str(self.meta["base_url"])

    def url(self, path: str) -> str:
        return self.base_url + path

    @property
    def seeds(self) -> list[str]:
        """Seed URLs: the oldest post of each board (its chain is walked by 이전글 links)."""
        return [self.url(p) for p in self.meta["oldest_paths"]]

    def stats(self, *, reset: bool = False) -> dict[str, Any]:
        path = "/__bench/reset" if reset else "/__bench/stats"
        with urllib.request.urlopen(self.url(path), timeout=10) as resp:
            return dict(json.loads(resp.read()))

    def reset(self) -> None:
        self.stats(reset=True)

    def stop(self) -> None:
        from bench.backends import terminate

        terminate(self.process)
        if self.process.stdout is not None:
            self.process.stdout.close()


if __name__ == "__main__":
    sys.exit(main())
