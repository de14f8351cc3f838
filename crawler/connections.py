"""One client factory per backend, failing fast with a message that names the URL.

Passwords never appear in logs or errors: every message goes through :func:`safe_url`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis

if TYPE_CHECKING:
    from psycopg_pool import AsyncConnectionPool


class BackendUnavailable(RuntimeError):
    """A backend (PostgreSQL or Redis) did not answer; the message says which and where."""


def safe_url(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def redis_client(url: str, *, timeout: float = 5.0, check: bool = True) -> redis.Redis:
    """A synchronous Redis client for ``url``; pings it first unless ``check`` is false."""
    client = redis.Redis.from_url(
        url,
        socket_connect_timeout=timeout,
        socket_timeout=max(timeout, 30.0),
        health_check_interval=30,
        decode_responses=False,
    )
    if check:
        try:
            client.ping()
        except redis.RedisError as exc:
            raise BackendUnavailable(
                f"Redis at {safe_url(url)} does not answer ({exc}); "
                "start it or set REDIS_URL"
            ) from exc
    return client


def pg_connect(url: str, *, timeout: float = 5.0, autocommit: bool = True) -> psycopg.Connection:
    """A synchronous PostgreSQL connection to ``url`` (for commands and tests)."""
    try:
        return psycopg.connect(url, connect_timeout=max(1, int(timeout)), autocommit=autocommit)
    except psycopg.OperationalError as exc:
        raise BackendUnavailable(
            f"PostgreSQL at {safe_url(url)} does not answer ({str(exc).strip()}); "
            "start it or set DATABASE_URL"
        ) from exc


async def pg_pool(
    url: str,
    *,
    min_size: int = 1,
    max_size: int = 4,
    timeout: float = 5.0,
    reconnect_timeout: float = 300.0,
) -> AsyncConnectionPool:
    """An open async connection pool to ``url``, checked before it is returned.

    ``reconnect_timeout`` (seconds) bounds how long the pool keeps retrying one lost
    connection in the background before giving it up and trying afresh on demand.
    """
    from psycopg_pool import AsyncConnectionPool

    pool = AsyncConnectionPool(
        url,
        min_size=min_size,
        max_size=max_size,
        open=False,
        reconnect_timeout=reconnect_timeout,
        kwargs={"autocommit": True, "connect_timeout": max(1, int(timeout))},
        name="crawler",
    )
    try:
        await pool.open(wait=True, timeout=timeout)
    except Exception as exc:
        await pool.close()
        raise BackendUnavailable(
            f"PostgreSQL at {safe_url(url)} does not answer ({exc}); start it or set DATABASE_URL"
        ) from exc
    return pool
