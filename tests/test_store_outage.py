"""A PostgreSQL that goes away mid-run loses no item: a private server is stopped while
items are pending and started again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import pytest
from scrapy.pipelines import ItemPipelineManager
from scrapy.utils.test import get_crawler

from crawler.config import get_settings
from crawler.items import ArticleItem
from crawler.storage.migrate import apply_migrations
from crawler.storage.queries import counts
from crawler.text import content_hash
from pipelines.batching import is_unreachable

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))

pytestmark = pytest.mark.timeout(120)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster of this test (run as ``postgres`` when we are root)."""

    root: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        cmd = [str(PG_BIN / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.root / "data"), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8", "--locale=C")

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
            " -c full_page_writes=off"  # not synchronous_commit=off: that loses commits
        )
        self._run("pg_ctl", "-D", str(self.root / "data"), "-l", str(self.root / "log"),
                  "-w", "-o", options, "start")

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.root / "data"), "-w", "-m", mode, "stop")


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    assert (PG_BIN / "initdb").exists(), f"no PostgreSQL server binaries in {PG_BIN} (set PG_BIN)"
    root = Path(tempfile.mkdtemp(prefix="crawler-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    server = PrivatePostgres(root, _free_port())
    try:
        server.init()
        server.start()
        apply_migrations(server.url)
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def item(n: int) -> ArticleItem:
    body = f"장애 중에도 잃지 않을 기사 {n}."
    url = f"http://outage.example/bbs/board.php?bo_table=a&wr_id={n}"
    return ArticleItem(url=url, canonical_url=url, profile="gnuboard", title=f"기사 {n}",
                       body_text=body, content_hash=content_hash(body))


def test_outage_mid_run_loses_nothing(
    private_pg: PrivatePostgres, caplog: pytest.LogCaptureFixture
) -> None:
    values = get_settings(
        {
            "DATABASE_URL": private_pg.url,
            "CRAWLER_STORE_BATCH_SIZE": 20,
            "CRAWLER_STORE_BATCH_TIMEOUT": 0.01,
            "CRAWLER_STORE_RETRY_INTERVAL": 0.2,
            "CRAWLER_CONNECT_TIMEOUT": 1.0,
        },
        environ={},
    ).copy_to_dict()
    for key in ("TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "EXTENSIONS"):
        values.pop(key, None)
    crawler = get_crawler(settings_dict=values)
    total = 300

    async def main() -> list[Any]:
        manager = ItemPipelineManager.from_crawler(crawler)
        await manager.open_spider_async()
        done: list[asyncio.Task[Any]] = []

        async def produce() -> None:
            for n in range(total):
                done.append(asyncio.create_task(manager.process_item_async(item(n))))
                await asyncio.sleep(0.002)

        async def outage() -> None:
            await asyncio.sleep(0.15)  # mid-stream: some items stored, more coming
            await asyncio.to_thread(private_pg.stop, "immediate")
            await asyncio.sleep(1.5)
            pending = sum(1 for t in done if not t.done())
            assert pending > 0, "items should be held while PostgreSQL is down"
            await asyncio.to_thread(private_pg.start)

        await asyncio.gather(produce(), outage())
        results = await asyncio.wait_for(asyncio.gather(*done, return_exceptions=True), 30)
        await manager.close_spider_async()
        return results

    with caplog.at_level(logging.INFO, logger="pipelines"):
        results = asyncio.run(main())

    failures = [r for r in results if not isinstance(r, ArticleItem)]
    assert not failures, failures[:3]
    with psycopg.connect(private_pg.url) as conn:
        assert counts(conn)["articles"] == total
        assert counts(conn)["urls"] == total
        run = conn.execute("SELECT stored, batches, finished_at FROM crawl_runs").fetchone()
    assert run is not None and run[0] == total and run[2] is not None
    assert crawler.stats.get_value("store/stored") == total
    assert crawler.stats.get_value("store/retries", 0) > 0

    messages = [r.getMessage() for r in caplog.records if r.name.startswith("pipelines")]
    down = [m for m in messages if "unreachable" in m]
    assert len(down) == 1, messages  # once per outage, not once per retry
    assert "holding" in down[0] and f"127.0.0.1:{private_pg.port}" in down[0]
    assert any("reachable again" in m for m in messages), messages


def test_unreachable_is_told_from_refused_data() -> None:
    from psycopg import errors
    from psycopg_pool import PoolTimeout

    assert is_unreachable(PoolTimeout("no connection"))
    assert is_unreachable(psycopg.OperationalError("connection refused"))
    assert is_unreachable(errors.AdminShutdown())
    assert is_unreachable(errors.DiskFull())
    assert not is_unreachable(errors.ProgramLimitExceeded())  # e.g. an index row too big
    assert not is_unreachable(errors.StringDataRightTruncation())
    assert not is_unreachable(errors.DeadlockDetected())  # retried at once, not an outage
