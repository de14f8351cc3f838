"""How the publication date is chosen when the profile's selectors give none.

Candidates, each with its time of day: the page's structured metadata (JSON-LD
``datePublished``, ``article:published_time`` and kin: :mod:`crawler.extract.metadata`);
``itemprop=datePublished`` and ``<time datetime>``; board chrome printed as text
(``작성일 10-15``); a labelled date in the page's text (``작성일``, ``입력``, ``Posted on``).

The day is then checked against ``htmldate``, the library that weighs every date a page
holds (metadata, markup, URL, text) to find the original publication date. Measured on
the 488 pages of the dev set: htmldate alone gave the right day on 87.1% of pages, the
first of these candidates on 68.6%; where both answered and disagreed (28 pages),
htmldate was right on 20 and the candidates on 7. So: when the first two candidates fall
on one day, the first wins (htmldate is not asked); else the first candidate that falls
on htmldate's day wins (it keeps its time and zone); when none does, htmldate's day at
midnight in the site's zone; when htmldate finds nothing, the first candidate.

Reading a date string is :mod:`crawler.extract.dates`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from itertools import chain, islice
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from htmldate import find_date

from crawler.extract.title import board_header

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

logger = logging.getLogger(__name__)

_LABELLED_DATE_RE = re.compile(
    r"(?:작성일(?:시|자)?|등록일(?:시|자)?|게시일|입력|기사입력|최초\s*입력|발행일|날짜|"
    r"Posted\s+on|Published(?:\s+on)?|Date)\s*:?\s*"
    r"(?P<date>\d{2,4}\s*[.\-/년]\s*\d{1,2}(?:\s*[.\-/월]\s*\d{1,2})?\s*[.일]?"
    r"(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2}(?::\d{2})?)?)",
    re.I,
)
_ELEMENT_DATES = (
    "[itemprop='datePublished']::attr(datetime)", "[itemprop='datePublished']::attr(content)",
    "[itemprop='datePublished']", "article time::attr(datetime)", "time[datetime]::attr(datetime)",
)


def candidates(page: ArticlePage) -> Iterator[tuple[datetime, str]]:
    """``(date, layer)`` of every date the shared layers read, best first (at most one per
    layer), read as they are asked for: the text's layers cost a pass over the page."""
    metadata = page.metadata
    for layer, value in (
        (metadata.layers.get("published", "meta"), metadata.published),
        ("markup", page.first_text(_ELEMENT_DATES)),
    ):
        parsed = page.date(value)
        if parsed is not None:
            yield parsed, layer
    head = board_header(page)
    if head:
        parsed = page.date(head[1])
        if parsed is not None:
            yield parsed, "board-header"
    for line in page.page_lines[:200]:
        match = _LABELLED_DATE_RE.search(line[:300])
        if match:
            parsed = page.date(match.group("date"))
            if parsed is not None:
                yield parsed, "labelled-text"
                return


def htmldate_day(page: ArticlePage) -> str | None:
    """``YYYY-MM-DD`` that htmldate finds for the page's original publication, or None.

    Its quick search first (markup, metadata, URL: 0.04 ms median on the dev set), its
    extensive one (the page's text) only when that finds nothing: the extensive search
    took 0.14 ms median but 1.7 s on one page of the 488, where the quick one answered
    in 1.3 ms; on the dev set the two in this order are right as often as the
    extensive search alone."""
    tree = page.library_tree
    if tree is None:
        return None
    max_date = page.fetched_at.strftime("%Y-%m-%d") if page.fetched_at else None
    for extensive in (False, True):
        try:
            # A tree, never a str: htmldate downloads a str that looks like a URL.
            day = find_date(tree, url=page.url, original_date=True, extensive_search=extensive, max_date=max_date)
        except Exception as exc:  # a library's failure on a hostile page costs the layer, not the page
            logger.debug("htmldate failed on %s: %s", page.url, exc)
            return None
        if day:
            return day
    return None


_URL_DATE_RE = re.compile(
    r"/((?:19|20)\d{2})[/-](0?[1-9]|1[0-2])[/-](0?[1-9]|[12]\d|3[01])(?=[/_.-]|$)"
)


def url_day(url: str) -> date | None:
    """The day a URL's path carries (``/2019/10/22/slug``), or None."""
    match = _URL_DATE_RE.search(urlsplit(url).path[:300])
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def _by_url(page: ArticlePage, found: list[tuple[datetime, str]], layers: Iterator[tuple[datetime, str]],
            day: date) -> tuple[datetime | None, str]:
    for parsed, layer in chain(found, layers):
        if parsed.date() == day:
            return parsed, layer
    if found and abs((found[0][0].date() - day).days) <= 1:
        # The same moment, printed in another zone than the one the site files its posts
        # in: kept, in the offset nearest UTC that puts it on the URL's day.
        return _on_day(found[0][0], day), found[0][1]
    return page.date(day.isoformat()), "url"


def _on_day(moment: datetime, day: date) -> datetime:
    """``moment`` in the offset nearest its own (whole hours, -12 to +14) that puts it on
    ``day``; unchanged when none does."""
    if moment.date() == day:
        return moment
    offset = moment.utcoffset() or timedelta(0)
    for hours in sorted(range(-12, 15), key=lambda h: abs(timedelta(hours=h) - offset)):
        shifted = moment.astimezone(timezone(timedelta(hours=hours)))
        if shifted.date() == day:
            return shifted
    return moment


def fallback_published(page: ArticlePage, first: datetime | None = None) -> tuple[datetime | None, str]:
    """``(date, layer)``: the date from the layers every profile shares; ``first``, a
    profile's date, leads the candidates (a profile with ``reconcile``: its selectors
    are a CMS's, and a theme's ``<time>`` may be a comment's or a widget's)."""
    found: list[tuple[datetime, str]] = [(first, "profile")] if first is not None else []
    layers = candidates(page)
    found.extend(islice(layers, 2 - len(found)))
    in_url = url_day(page.url)
    if in_url is not None:
        # A date in the URL is the site's own filing of the post: a candidate on that day
        # (or a day off, the same moment in another zone) wins, else the URL's day.
        return _by_url(page, found, layers, in_url)
    if len(found) == 2 and found[0][0].date() == found[1][0].date():
        # Two layers agree: htmldate is not asked (on the dev set this skipped it on a
        # third of the pages, and was right more often than htmldate there: 87.7% vs 87.1%).
        return found[0]
    day = htmldate_day(page)
    if day is None:
        found.extend(islice(layers, 1))
        return found[0] if found else (None, "none")
    for parsed, layer in chain(found, layers):
        if parsed.date().isoformat() == day:
            return parsed, layer
    from_day = page.date(day)
    if from_day is not None:
        return from_day, "htmldate"
    return found[0] if found else (None, "none")
