"""Scrapy's ``DownloaderStats`` without the per-request byte count.

To add each request's length to ``downloader/request_bytes``, Scrapy's middleware
serializes the whole request to raw HTTP first (``request_httprepr``, ~9 µs per request
in a microbenchmark), for a figure nothing here reads. Every other counter is Scrapy's
own code (requests and responses by method and status, response bytes, exceptions by
type), which ``/metrics`` and ``crawler stats`` report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.downloadermiddlewares.stats import DownloaderStats as ScrapyDownloaderStats

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.http import Response


class DownloaderStats(ScrapyDownloaderStats):
    """``DownloaderStats`` minus ``downloader/request_bytes``."""

    def process_request(self, request: Request) -> Request | Response | None:  # type: ignore[override]
        self.stats.inc_value("downloader/request_count")
        self.stats.inc_value(f"downloader/request_method_count/{request.method}")
        return None
