"""Log formatting of every long-running process: text for people, JSON lines for log shippers.

``configure_logging(settings)`` installs one root handler whose lines say which worker
wrote them and, when known, which URL they are about::

    2025-10-15 09:00:01,123 INFO [w1] scrapy.core.engine: Crawled (200) ... url=https://...
    {"time": "2025-10-15T09:00:01.123+00:00", "level": "INFO", "logger": "scrapy.core.engine",
     "worker": "w1", "url": "https://...", "message": "Crawled (200) ..."}

The URL of a line comes from, in order: ``extra={"url": ...}`` on the call, the URL bound
with :func:`url_context` (a context variable, so it follows asyncio tasks), or the
request / response / item that Scrapy's own messages carry in their arguments.

Scrapy installs its own root handler when a ``CrawlerProcess`` is created; call
:func:`configure_logging` after creating it (it removes Scrapy's handler, and Scrapy
then installs none for later crawlers), or create it with
``LOG_INSTALL_ROOT_HANDLER=False``.
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any

from crawler import defaults

#: URL the current task works on (read by :class:`ContextFilter`).
current_url: contextvars.ContextVar[str | None] = contextvars.ContextVar("crawler_current_url", default=None)

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s [%(worker)s] %(name)s: %(message)s%(url_suffix)s"


def resolve_worker_id(configured: str | None = None) -> str:
    """The worker's name: ``configured`` (``CRAWLER_WORKER_ID``) or ``<host>-<pid>``."""
    if configured:
        return str(configured)
    return f"{socket.gethostname()}-{os.getpid()}"


@contextmanager
def url_context(url: str | None) -> Iterator[None]:
    """Within the block, log lines of this task carry ``url``."""
    token = current_url.set(url)
    try:
        yield
    finally:
        current_url.reset(token)


def _url_of(obj: Any) -> str | None:
    if obj is None:
        return None
    url = getattr(obj, "url", None)
    if isinstance(url, str):
        return url
    if isinstance(obj, Mapping):
        value = obj.get("url")
        return value if isinstance(value, str) else None
    return None


def url_of_record(record: logging.LogRecord) -> str | None:
    """The URL a log record is about, if it names one."""
    url = getattr(record, "url", None)
    if isinstance(url, str) and url:
        return url
    url = current_url.get()
    if url:
        return url
    args = record.args
    if isinstance(args, Mapping):
        for key in ("request", "response", "src", "item"):
            found = _url_of(args.get(key))
            if found:
                return found
    return None


class ContextFilter(logging.Filter):
    """Adds ``worker`` and ``url`` (``None`` when unknown) to every record it passes."""

    def __init__(self, worker: str) -> None:
        super().__init__()
        self.worker = worker

    def filter(self, record: logging.LogRecord) -> bool:
        if not isinstance(getattr(record, "worker", None), str):
            record.worker = self.worker
        url = url_of_record(record)
        record.url = url
        record.url_suffix = f" url={url}" if url and url not in record.getMessage() else ""
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, worker, url, message (and exc_info)."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "worker": getattr(record, "worker", None),
            "url": getattr(record, "url", None),
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["exc_info"] = self.formatException(record.exc_info)
        elif record.exc_text:
            out["exc_info"] = record.exc_text
        if record.stack_info:
            out["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _CrawlerHandler(logging.StreamHandler):
    """Marks the handler installed here, so that a second call replaces it."""


def _get(values: Any, name: str, default: Any) -> Any:
    getter = getattr(values, "get", None)
    if getter is None:
        return default
    value = getter(name)
    return default if value is None else value


def configure_logging(
    settings_or_values: Any = None,
    *,
    worker: str | None = None,
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Install the process's root log handler; return it.

    :param settings_or_values: Scrapy ``Settings`` or a mapping; reads ``CRAWLER_LOG_FORMAT``
        (``text`` or ``json``), ``LOG_LEVEL`` and ``CRAWLER_WORKER_ID``.
    :param worker: the worker name written on each line (default: from ``CRAWLER_WORKER_ID``).
    :param stream: where lines go (default: standard error).

    Replaces every handler already on the root logger (``logging.basicConfig``'s, Scrapy's),
    so calling it twice leaves one handler.
    """
    values = settings_or_values if settings_or_values is not None else {}
    fmt = str(_get(values, "CRAWLER_LOG_FORMAT", defaults.CRAWLER_LOG_FORMAT)).lower()
    if fmt not in LOG_FORMATS:
        raise ValueError(f"CRAWLER_LOG_FORMAT={fmt!r}: expected one of {', '.join(LOG_FORMATS)}")
    level = _get(values, "LOG_LEVEL", "INFO")
    worker_name = worker or resolve_worker_id(_get(values, "CRAWLER_WORKER_ID", defaults.CRAWLER_WORKER_ID))

    try:  # Scrapy re-installs its handler for each new crawler while one is installed.
        from scrapy.utils import log as scrapy_log

        scrapy_log._uninstall_scrapy_root_handler()
    except (ImportError, AttributeError):
        pass

    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, _CrawlerHandler):
            old.close()
    handler = _CrawlerHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(ContextFilter(worker_name))
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else str(level).upper())
    return handler
