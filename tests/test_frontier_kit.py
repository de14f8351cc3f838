"""Helpers of the frontier tests (this module holds no tests).

* :class:`KitServer`: a local HTTP server with pages that link on (``/page/N``), a
  redirect, a page failing once (``/flaky``), slow pages, counting hits per path.
* :class:`KitSpider` and the pipelines below: a small spider run by the real
  ``RedisScheduler`` inside a real Scrapy crawl, in a subprocess (a Twisted reactor
  runs once per process): ``python tests/test_frontier_kit.py '<settings JSON>'``
  prints the crawl's stats as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import redis
import scrapy

KIT = Path(__file__).resolve()
PYTHON = str(Path(sys.executable))


class KitServer:
    """Pages for scheduler tests on 127.0.0.1 (see the module docstring)."""

    def __init__(self, *, pages: int = 5, slow_seconds: float = 0.5) -> None:
        self.pages = pages
        self.slow_seconds = slow_seconds
        self.hits: Counter[str] = Counter()
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                status, headers, body = server.respond(self.path)
                self.send_response(status)
                for name, value in {"Content-Type": "text/html; charset=utf-8", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def respond(self, path: str) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            self.hits[path] += 1
            count = self.hits[path]
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private\n"
        if path == "/redirect":
            return 302, {"Location": "/target"}, b""
        if path == "/flaky" and count == 1:
            return 503, {}, b"busy"
        if path.startswith("/slow/"):
            time.sleep(self.slow_seconds)
        link = ""
        if path.startswith("/page/"):
            n = int(path.rsplit("/", 1)[1])
            if n < self.pages:
                link = f'<a href="/page/{n + 1}">next</a>'
        return 200, {}, f"<html><body><h1>{path}</h1>{link}</body></html>".encode()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


class KitSpider(scrapy.Spider):
    """Yields one dict item per page (its URL and the lease it was fetched under) and
    follows the page's links."""

    name = "kit"

    def parse(self, response: Any) -> Any:
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href)
        yield {"url": response.url, "lease": response.meta.get("frontier_lease")}


class CheckLeasePipeline:
    """Slow store: waits, then records whether the item's lease was still held (not yet
    acknowledged) while the item was being stored."""

    def __init__(self, client: redis.Redis, prefix: str, delay: float) -> None:
        self.client = client
        self.prefix = prefix
        self.delay = delay

    @classmethod
    def from_crawler(cls, crawler: Any) -> CheckLeasePipeline:
        s = crawler.settings
        return cls(redis.Redis.from_url(s.get("REDIS_URL")), s.get("CRAWLER_REDIS_PREFIX"),
                   s.getfloat("KIT_STORE_DELAY", 0.2))  # fmt: skip

    async def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        await asyncio.sleep(self.delay)
        held = self.client.zscore(f"{self.prefix}:leases", item["lease"]) is not None
        record = {"url": item["url"], "lease_held": held}
        self.client.rpush(f"{self.prefix}:kit:stored", json.dumps(record))
        return item


class FailingPipeline:
    """Raises (an error, not a refusal) for URLs containing ``/fail``."""

    def process_item(self, item: dict[str, Any]) -> dict[str, Any]:
        if "/fail" in item["url"]:
            raise RuntimeError("storage bug")
        return item


def kit_settings(redis_url: str, prefix: str, **overrides: Any) -> dict[str, Any]:
    """Settings of a kit crawl: project defaults, the kit spider, no PostgreSQL."""
    values: dict[str, Any] = {
        "REDIS_URL": redis_url,
        "CRAWLER_REDIS_PREFIX": prefix,
        "DATABASE_URL": "",
        "CRAWLER_RECOVER_ON_START": False,
        "SPIDER_MODULES": [],
        "ITEM_PIPELINES": {"test_frontier_kit.CheckLeasePipeline": 100},
        "EXTENSIONS": {},
        "LOG_LEVEL": "INFO",
        "CRAWLER_EXIT_WHEN_IDLE": 0.5,
        "CRAWLER_IDLE_POLL": 0.2,
        "CRAWLER_WORKER_ID": "kit",
    }
    values.update(overrides)
    return values


def start_kit(settings: dict[str, Any]) -> subprocess.Popen[str]:
    """Start a kit crawl in a subprocess (stdout: the log, then the stats JSON line)."""
    return subprocess.Popen(
        [PYTHON, str(KIT), json.dumps(settings)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def finish_kit(proc: subprocess.Popen[str], timeout: float = 60) -> tuple[int, dict[str, Any], str]:
    """Wait for a kit crawl; its exit status, stats and full output."""
    out, _ = proc.communicate(timeout=timeout)
    last = out.strip().splitlines()[-1] if out.strip() else "{}"
    try:
        stats = json.loads(last)
    except ValueError:
        stats = {}
    return proc.returncode, stats, out


def run_kit(settings: dict[str, Any], timeout: float = 60) -> dict[str, Any]:
    """Run a kit crawl to its end; its stats (AssertionError with the log when it fails)."""
    code, stats, out = finish_kit(start_kit(settings), timeout)
    assert code == 0 and stats, out
    return stats


def _main(raw: str) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.config import get_settings

    settings = get_settings(json.loads(raw), environ={})
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(KitSpider)
    process.crawl(crawler)
    process.start()
    stats = {k: v for k, v in crawler.stats.get_stats().items() if isinstance(v, (int, float, str))}
    print(json.dumps(stats), flush=True)
    return 0 if stats.get("finish_reason") in ("finished", "shutdown") else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1]))
