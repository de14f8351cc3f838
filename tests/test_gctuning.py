"""The garbage-collector settings of a crawl: applied while it runs, put back after."""

from __future__ import annotations

import gc
from types import SimpleNamespace

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.signalmanager import SignalManager

from crawler.gctuning import GcTuning


def crawler_with(make_settings, **overrides):  # type: ignore[no-untyped-def]
    return SimpleNamespace(settings=make_settings(**overrides), signals=SignalManager())


def test_thresholds_and_freeze_hold_while_the_crawl_runs(make_settings) -> None:  # type: ignore[no-untyped-def]
    before = gc.get_threshold()
    crawler = crawler_with(make_settings, CRAWLER_GC_THRESHOLD=[12_345, 7, 9], CRAWLER_GC_FREEZE=True)
    ext = GcTuning.from_crawler(crawler)  # type: ignore[arg-type]  # kept: signals hold weak references
    kept_alive = [object() for _ in range(10)]  # alive at start: frozen with the rest
    crawler.signals.send_catch_log(signals.spider_opened)
    try:
        assert gc.get_threshold() == (12_345, 7, 9)
        assert gc.get_freeze_count() > len(kept_alive)
    finally:
        crawler.signals.send_catch_log(signals.spider_closed)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0
    assert ext.threshold == (12_345, 7, 9)


def test_defaults_raise_gen0_threshold(make_settings) -> None:  # type: ignore[no-untyped-def]
    ext = GcTuning.from_crawler(crawler_with(make_settings))  # type: ignore[arg-type]
    assert ext.threshold is not None and ext.threshold[0] > 700 and ext.freeze


def test_off_and_bad_values(make_settings) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotConfigured):
        GcTuning.from_crawler(crawler_with(make_settings, CRAWLER_GC_THRESHOLD=[], CRAWLER_GC_FREEZE=False))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="CRAWLER_GC_THRESHOLD"):
        GcTuning.from_crawler(crawler_with(make_settings, CRAWLER_GC_THRESHOLD=[1, 2, 3, 4]))  # type: ignore[arg-type]
    only_threshold = GcTuning.from_crawler(crawler_with(make_settings, CRAWLER_GC_FREEZE=False))  # type: ignore[arg-type]
    only_threshold.spider_opened()
    try:
        assert gc.get_freeze_count() == 0
    finally:
        only_threshold.spider_closed()
