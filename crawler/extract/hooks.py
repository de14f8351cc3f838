"""Code hooks of site profiles: what selectors alone cannot say.

A hook is ``hook(page, fields)``: it runs after the profile's selectors and before the
shared fallbacks, and may fill or correct ``fields`` (``title``, ``published_at`` as an
aware datetime, ``author``, ``source``, ``images``, ``prev_url``, ``next_url``). A
profile names its hook with ``hook = "<name>"``; :data:`HOOKS` maps names to functions.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.extract.body import drop
from crawler.extract.dates import date_from_digits
from crawler.extract.html import text_of
from crawler.extract.press import press_in_body
from crawler.extract.profiles import select
from crawler.text import normalize_line

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

Hook = Callable[["ArticlePage", dict[str, Any]], None]

_DAUM_ID_RE = re.compile(r"^/v/(\d{14})\d*")
#: gnuboard5's ``<title>``: ``subject > board | site`` (bbs/board.php sets ``$g5['title']``
#: to ``subject > board``, head.sub.php appends `` | `` and the site's name). The board
#: is after the last `` > `` (a subject may hold one), before the first `` | `` after it.
_BOARD_TITLE_RE = re.compile(r"^(?P<subject>.+)\s>\s(?P<board>.+?)(?:\s\|\s.*)?$")
#: What the skin prints after a subject cut to its length (``cut_str``: ``…``; older
#: skins ``...``).
_CUT_MARK_RE = re.compile(r"\s*(?:…|\.{2,3})$")
_GNUBOARD_SUBJECT = ("#bo_v_title .bo_v_tit", "#bo_v_title")
_GNUBOARD_CATEGORY = "#bo_v_title .bo_v_cate"


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


def board_title_parts(text: str | None) -> tuple[str, str] | None:
    """``(subject, board)`` of a gnuboard page title ``subject > board | site`` (the board
    after the last `` > ``, before `` | ``), or None when ``text`` names no board."""
    match = _BOARD_TITLE_RE.match(text or "")
    if not match:
        return None
    subject, board = normalize_line(match.group("subject")), normalize_line(match.group("board"))
    return (subject, board) if subject and board else None


def text_without(node: Any, query: str) -> str:
    """The visible text of ``node`` without what ``query`` selects inside it (the tree is
    left as it is: the removal is made on a copy)."""
    if not any(not isinstance(found, str) and found is not node for found in select(node, query)):
        return text_of(node)
    clone = copy.deepcopy(node)
    for found in select(clone, query):
        if not isinstance(found, str) and found is not clone:
            drop(found)
    return text_of(clone)


def _gnuboard_subject(page: ArticlePage) -> str | None:
    """The subject element's text without the skin's category element (``.bo_v_cate``)."""
    for query in _GNUBOARD_SUBJECT:
        for node in select(page.root, query, page.html):
            if isinstance(node, str):
                continue
            text = text_without(node, ".bo_v_cate")
            if text:
                return text
    return None


def whole_title(page: ArticlePage, title: str | None) -> str | None:
    """``title`` whole when the skin printed it cut (ending in ``…`` or ``...``) and
    ``<title>`` (gnuboard's ``subject > board | site``) or ``og:title`` holds a longer
    text beginning with the part shown; ``title`` itself otherwise."""
    if not title:
        return title
    shown = _CUT_MARK_RE.sub("", title)
    if shown == title or len(shown) < 2:
        return title
    for text in (page.page_title, page.meta("og:title")):
        if not text:
            continue
        parts = board_title_parts(text)
        candidate = parts[0] if parts else text  # the subject part of "subject > board | site"
        if candidate.startswith(shown) and len(candidate) > len(shown) and candidate != title:
            return candidate
    return title


def gnuboard(page: ArticlePage, fields: dict[str, Any]) -> None:
    """gnuboard: the subject without the category element the basic skin puts in
    ``#bo_v_title`` (the element is left out, never a word: a subject may begin with its
    category's name); the whole subject when the skin cut it (``<title>`` holds it
    whole); the board's name as the source when the body credits no press: the
    skin's ``#container_title``, or ``<title>`` (``글 제목 > 게시판 | 사이트``), never
    ``subject > board`` nor the page title itself."""
    if any(not isinstance(node, str) for node in select(page.root, _GNUBOARD_CATEGORY, page.html)):
        subject = _gnuboard_subject(page)
        if subject:
            fields["title"] = subject
    fields["title"] = whole_title(page, fields.get("title"))
    source = fields.get("source")
    if source and (" > " in source or source == page.page_title):
        parts = board_title_parts(source)
        source = parts[1] if parts else None
    if not source:
        parts = board_title_parts(page.page_title)
        source = parts[1] if parts else None
    fields["source"] = source or None


HOOKS: dict[str, Hook] = {"daum": daum, "gnuboard": gnuboard}


def get(name: str | None) -> Hook | None:
    """The hook called ``name`` (None for none); ``KeyError`` for an unknown name."""
    if not name:
        return None
    try:
        return HOOKS[name]
    except KeyError:
        raise KeyError(f"unknown profile hook {name!r} (known: {', '.join(sorted(HOOKS))})") from None
