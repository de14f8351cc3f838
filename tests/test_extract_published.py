"""How the publication date is chosen (crawler.extract.published), on small pages."""

from __future__ import annotations

from datetime import UTC, datetime

from crawler.extract import extract_article
from crawler.extract.published import url_day

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def _page(head: str = "", body: str = "") -> bytes:
    text = "<p>" + "Ein Absatz mit genug Text für einen Artikel, der gelesen werden will. " * 6 + "</p>"
    return (
        f"<html><head><title>Ein Titel</title>{head}</head><body><article><h1>Ein Titel</h1>"
        f"{body}{text}</article></body></html>"
    ).encode()


def test_url_day() -> None:
    assert str(url_day("https://blog.example.de/2019/10/22/slug/")) == "2019-10-22"
    assert str(url_day("https://example.org/2017/7/12/post")) == "2017-07-12"
    assert url_day("https://example.org/2019/13/40/x") is None
    assert url_day("https://example.org/posts/20191022") is None
    assert url_day("https://example.org/2019/10/") is None


def test_a_date_on_the_urls_day_wins_over_one_that_is_not() -> None:
    head = '<meta property="article:published_time" content="2009-04-11T18:06:36+02:00">'
    body = '<time datetime="2019-10-22T08:00:00+02:00">22. Oktober 2019</time>'
    item = extract_article(_page(head, body), "https://blog.example.de/2019/10/22/slug/", fetched_at=NOW)
    assert item.published_at == "2019-10-22T08:00:00+02:00"


def test_the_urls_day_when_no_layer_has_it() -> None:
    head = '<meta property="article:published_time" content="2009-04-11T18:06:36+02:00">'
    item = extract_article(_page(head), "https://blog.example.de/2019/10/22/slug/", fetched_at=NOW)
    assert item.published_at is not None and item.published_at.startswith("2019-10-22")
    assert item.provenance["published_at"] == "url"


def test_a_utc_moment_a_day_off_the_urls_day_is_the_same_moment_on_that_day() -> None:
    head = '<meta property="article:published_time" content="2018-12-31T23:11:59+00:00">'
    item = extract_article(_page(head), "https://blog.example.de/2019/01/01/neujahr/", fetched_at=NOW)
    assert item.published_at is not None
    moment = datetime.fromisoformat(item.published_at)
    assert moment.date().isoformat() == "2019-01-01"
    assert moment == datetime(2018, 12, 31, 23, 11, 59, tzinfo=UTC)


def test_two_agreeing_layers_win() -> None:
    head = '<meta property="article:published_time" content="2021-03-08T11:15:28+01:00">'
    body = '<time datetime="2021-03-08T11:15:28+01:00">8. März 2021</time>'
    item = extract_article(_page(head, body), "https://example.de/artikel/x", fetched_at=NOW)
    assert item.published_at == "2021-03-08T11:15:28+01:00"
    assert item.provenance["published_at"] == "meta"
