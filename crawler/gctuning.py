"""The garbage collector's settings for the time a crawl runs.

A worker allocates objects fast (requests, responses, parsed trees, items) and makes
little cyclic garbage, so with Python's default gen-0 threshold (700 allocations) the
collector ran ~1,250 times in a 4,000-page crawl of the benchmark site and spent 1.47 s
in it (timed with ``gc.callbacks``), ~12% of the worker's CPU, half of it in full
collections re-walking the long-lived objects of the start-up; with the defaults below,
0.19 s. (``make bench`` shows the same settings on a plain Scrapy spider, "tuned + the
service's GC settings".) :class:`GcTuning` raises the thresholds
(``CRAWLER_GC_THRESHOLD``) and freezes what start-up left alive
(``CRAWLER_GC_FREEZE``) when the spider opens, and puts both back when it closes, so a
process that runs other code after a crawl (the tests, ``crawler run``) is unaffected.
"""

from __future__ import annotations

import gc
import logging
from typing import TYPE_CHECKING

from scrapy import signals
from scrapy.exceptions import NotConfigured

if TYPE_CHECKING:
    from typing import Self

    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)


class GcTuning:
    """Extension applying ``CRAWLER_GC_THRESHOLD`` and ``CRAWLER_GC_FREEZE`` during a crawl."""

    def __init__(self, threshold: tuple[int, ...] | None, freeze: bool) -> None:
        if threshold is not None and (not 1 <= len(threshold) <= 3 or min(threshold) < 0):
            raise ValueError(
                f"CRAWLER_GC_THRESHOLD={list(threshold)!r}: expected one to three "
                "non-negative integers (gen-0, gen-1, gen-2)"
            )
        self.threshold = threshold
        self.freeze = freeze
        self._saved: tuple[int, int, int] | None = None
        self._frozen = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        values = s.getlist("CRAWLER_GC_THRESHOLD")
        threshold = tuple(int(v) for v in values) if values else None
        freeze = s.getbool("CRAWLER_GC_FREEZE")
        if threshold is None and not freeze:
            raise NotConfigured("CRAWLER_GC_THRESHOLD is empty and CRAWLER_GC_FREEZE off")
        ext = cls(threshold, freeze)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self) -> None:
        if self.freeze:
            gc.collect()
            gc.freeze()
            self._frozen = True
        if self.threshold is not None:
            self._saved = gc.get_threshold()
            gc.set_threshold(*self.threshold)
        logger.debug(
            "garbage collector: thresholds %s, %d objects frozen", gc.get_threshold(), gc.get_freeze_count()
        )

    def spider_closed(self) -> None:
        if self._saved is not None:
            gc.set_threshold(*self._saved)
            self._saved = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
