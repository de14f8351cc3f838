"""Code hooks of site profiles: what selectors alone cannot say.

A hook is ``hook(page, fields)``: it runs after the profile's selectors and before the
shared fallbacks, and may fill or correct ``fields`` (``title``, ``published_at`` as an
aware datetime, ``author``, ``source``, ``images``, ``prev_url``, ``next_url``). A
profile names its hook with ``hook = "<name>"``; :data:`HOOKS` maps names to functions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.extract.dates import date_from_digits
from crawler.extract.press import press_in_body
from crawler.text import normalize_line

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

Hook = Callable[["ArticlePage", dict[str, Any]], None]

_DAUM_ID_RE = re.compile(r"^/v/(\d{14})\d*")
_BOARD_TITLE_RE = re.compile(r"\s>\s*(?P<board>[^|>]+?)\s*(?:\||$)")


def daum(page: ArticlePage, fields: dict[str, Any]) -> None:
    """Daum news: the reporter of ``.info_view`` without its e-mail, the press from the
    ``og:`` meta or the copyright line, and, when the page prints no date, the time
    Daum's article id begins with (``/v/20251015131318210`` -> 2025-10-15 13:13:18 KST)."""
    author = fields.get("author")
    if author and ("입력" in author or "수정" in author):
        fields["author"] = None
    if fields.get("published_at") is None:
        parts = urlsplit(page.url)
        match = _DAUM_ID_RE.match(parts.path) if (parts.hostname or "").endswith("daum.net") else None
        if match:
            fields["published_at"] = date_from_digits(match.group(1), page.tz)
    if not fields.get("source"):
        fields["source"] = press_in_body(page)


def gnuboard(page: ArticlePage, fields: dict[str, Any]) -> None:
    """gnuboard: the board's name from ``<title>`` (``글 제목 > 게시판 | 사이트``) when the
    body credits no press and the skin prints no board name; a title without the
    category prefix the basic skin puts in ``#bo_v_title``."""
    if not fields.get("source"):
        match = _BOARD_TITLE_RE.search(page.page_title)
        if match:
            fields["source"] = normalize_line(match.group("board")) or None
    title = fields.get("title")
    category = page.first_text(("#bo_v_title .bo_v_cate",))
    if title and category and title.startswith(category + " "):
        fields["title"] = title[len(category) + 1 :]


HOOKS: dict[str, Hook] = {"daum": daum, "gnuboard": gnuboard}


def get(name: str | None) -> Hook | None:
    """The hook called ``name`` (None for none); ``KeyError`` for an unknown name."""
    if not name:
        return None
    try:
        return HOOKS[name]
    except KeyError:
        raise KeyError(f"unknown profile hook {name!r} (known: {', '.join(sorted(HOOKS))})") from None
