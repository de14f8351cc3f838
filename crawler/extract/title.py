"""How the title is chosen when the profile's selectors give none.

Layers, first hit wins: JSON-LD ``headline``/``name``; ``og:title``/``twitter:title``;
the page's headline element (``article h1`` ...); board chrome printed as text before the
body (the seed's form); the longest part of ``<title>``; an ``h2``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.extract.html import first_line

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

_BOARD_HEADER_RE = re.compile(
    r"^\s*[\"“]?(?P<title>.{2,300}?)[\"”]?\s+(?:작성일|등록일|날짜)\s*:?\s*"
    r"(?P<date>\d{2,4}[.\-/]\d{1,2}(?:[.\-/]\d{1,2})?\.?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"
)
TITLE_SPLIT_RE = re.compile(r"\s+(?:\||-|–|—|::|>|<|:)\s+")
_HEADLINES = ("article h1", "main h1", "h1.title", "h1.tit", ".article-title", "h1")


def board_header(page: ArticlePage) -> tuple[str, str] | None:
    """``(title, date)`` of board chrome printed as text before the body (the seed's form)."""
    match = _BOARD_HEADER_RE.match(first_line(page.root)[:400])
    if match:
        return match.group("title").strip(), match.group("date")
    return None


def fallback_title(page: ArticlePage) -> tuple[str | None, str]:
    """``(title, layer)``: the title from the layers every profile shares."""
    metadata = page.metadata
    if metadata.title:
        return metadata.title, metadata.layers["title"]
    value = page.first_text(_HEADLINES)
    if value:
        return value, "h1"
    head = board_header(page)
    if head:
        return head[0], "board-header"
    if page.page_title:
        parts = [p for p in TITLE_SPLIT_RE.split(page.page_title) if p]
        if parts:
            return max(parts, key=len), "title-tag"
    return page.first_text(("h2",)), "h2"
