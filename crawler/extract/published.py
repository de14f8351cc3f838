"""How the publication date is chosen when the profile's selectors give none.

Layers, first hit wins: ``<meta>`` (``article:published_time`` and kin); JSON-LD
``datePublished``; ``itemprop=datePublished`` and ``<time datetime>``; board chrome
printed as text (``작성일 10-15``); a labelled date in the page's text
(``작성일``, ``입력``, ``Posted on``). Reading a date string is :mod:`crawler.extract.dates`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING

from crawler.extract.title import board_header

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

_LABELLED_DATE_RE = re.compile(
    r"(?:작성일(?:시|자)?|등록일(?:시|자)?|게시일|입력|기사입력|최초\s*입력|발행일|날짜|"
    r"Posted\s+on|Published(?:\s+on)?|Date)\s*:?\s*"
    r"(?P<date>\d{2,4}\s*[.\-/년]\s*\d{1,2}(?:\s*[.\-/월]\s*\d{1,2})?\s*[.일]?"
    r"(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2}(?::\d{2})?)?)",
    re.I,
)
_ELEMENT_DATES = (
    "[itemprop='datePublished']::attr(datetime)", "[itemprop='datePublished']",
    "article time::attr(datetime)", "time[datetime]::attr(datetime)",
)


def fallback_published(page: ArticlePage) -> tuple[datetime | None, str]:
    """``(date, layer)``: the date from the layers every profile shares."""
    metadata = page.metadata
    for layer, value in (
        (metadata.layers.get("published", "meta"), metadata.published),
        ("markup", page.first_text(_ELEMENT_DATES)),
    ):
        parsed = page.date(value)
        if parsed is not None:
            return parsed, layer
    head = board_header(page)
    if head:
        parsed = page.date(head[1])
        if parsed is not None:
            return parsed, "board-header"
    for line in page.page_lines[:200]:
        match = _LABELLED_DATE_RE.search(line[:300])
        if match:
            parsed = page.date(match.group("date"))
            if parsed is not None:
                return parsed, "labelled-text"
    return None, "none"
