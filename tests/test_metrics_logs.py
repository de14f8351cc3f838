"""Structured logs: text or JSON lines, each naming the worker and, when known, the URL."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Iterator

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.config import get_settings
from crawler.logs import configure_logging, resolve_worker_id, url_context


@pytest.fixture(autouse=True)
def restore_root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_carry_worker_url_and_message() -> None:
    out = io.StringIO()
    configure_logging({"CRAWLER_LOG_FORMAT": "json", "CRAWLER_WORKER_ID": "w7", "LOG_LEVEL": "DEBUG"}, stream=out)
    log = logging.getLogger("crawler.test")
    log.info("plain %s", "line")
    log.warning("about a page", extra={"url": "https://example.org/a"})
    with url_context("https://example.org/b"):
        log.error("failed: 기사 %d", 3)
    request = Request("https://example.org/c")
    response = HtmlResponse("https://example.org/c", body=b"<html></html>", request=request)
    # Scrapy's own messages pass the request/response in a dict of arguments.
    logging.getLogger("scrapy.core.engine").debug(
        "Crawled (%(status)s) %(request)s", {"status": 200, "request": request, "response": response}
    )
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("with a traceback")
    records = [json.loads(line) for line in lines(out)]
    assert [r["message"] for r in records] == [
        "plain line",
        "about a page",
        "failed: 기사 3",
        "Crawled (200) <GET https://example.org/c>",
        "with a traceback",
    ]
    assert {r["worker"] for r in records} == {"w7"}
    assert [r["url"] for r in records] == [
        None, "https://example.org/a", "https://example.org/b", "https://example.org/c", None,
    ]  # fmt: skip
    assert records[0]["level"] == "INFO" and records[0]["logger"] == "crawler.test"
    assert records[0]["time"].endswith("+00:00")
    assert "ValueError: boom" in records[-1]["exc_info"]
    assert "기사" in lines(out)[2]  # UTF-8 text, not \\u escapes


def test_text_lines_name_worker_and_url() -> None:
    out = io.StringIO()
    configure_logging(get_settings({"CRAWLER_WORKER_ID": "w2"}, environ={}), stream=out)
    logging.getLogger("crawler.test").info("stored", extra={"url": "https://example.org/x"})
    logging.getLogger("crawler.test").debug("hidden at INFO")
    [line] = lines(out)
    assert " INFO [w2] crawler.test: stored url=https://example.org/x" in line


def test_configure_twice_leaves_one_handler_and_bad_format_is_named() -> None:
    out = io.StringIO()
    configure_logging({}, stream=out)
    configure_logging({"CRAWLER_LOG_FORMAT": "json"}, stream=out)
    assert len(logging.getLogger().handlers) == 1
    with pytest.raises(ValueError, match="CRAWLER_LOG_FORMAT='xml'"):
        configure_logging({"CRAWLER_LOG_FORMAT": "xml"})


def test_worker_id_defaults_to_host_and_pid() -> None:
    assert resolve_worker_id("w1") == "w1"
    assert resolve_worker_id("").endswith(f"-{__import__('os').getpid()}")


def test_scheduler_logs_json_when_asked(tmp_path, crawler_env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    """``crawler schedule`` configures its logs from the environment: one JSON object per line."""
    path = tmp_path / "s.yaml"
    path.write_text("entries: [{name: a, seeds: [https://example.org/a], cron: '0 0 1 1 *'}]\n", encoding="utf-8")
    env = dict(crawler_env, CRAWLER_LOG_FORMAT="json", CRAWLER_WORKER_ID="sched-1")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "schedule", "--config", str(path), "--once"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    assert records and all(r["worker"] == "sched-1/scheduler" for r in records)
    assert any("scheduler" in r["message"] and "1 entry" in r["message"] for r in records)
    assert "not due a" in proc.stdout
