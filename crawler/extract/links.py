"""Previous/next links on pages whose profile's selectors find none.

Layers, first hit per direction wins: ``rel=prev/next`` on ``<link>`` and ``<a>``;
anchors whose class/id (or whose wrapper's) names them (``nav-previous``,
``blog-pager-older-link``); anchors labelled in any of the languages of
``labels.toml`` (their text, ``aria-label``, ``title``, image ``alt``, or the text
right before them). What a label means is :mod:`crawler.extract.labels`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.extract.body import class_id
from crawler.extract.html import absolute_link
from crawler.extract.labels import LABEL_MAX, has_hint, label_kind, name_kind, quick_label, trailing_label
from crawler.urls import canonicalize_url, host_of

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

PAGINATION_RE = re.compile(r"pag(?:ination|ing|er)|pg_|page-numbers|paginate|bo_pg|list_page", re.I)
_REL_PREV = ("link[rel~='prev']::attr(href)", "link[rel~='previous']::attr(href)", "a[rel~='prev']",
             "a[rel~='previous']")
_REL_NEXT = ("link[rel~='next']::attr(href)", "a[rel~='next']")


def in_pagination(el: Any) -> bool:
    """Whether an element's class/id reads like paging (``pagination``, ``bo_pg``)."""
    marks = class_id(el)
    return bool(marks.strip()) and bool(PAGINATION_RE.search(marks))


def wants_fallback_links(page: ArticlePage) -> bool:
    """Whether the page's profile lets the shared layers look for links."""
    profile = page.profile
    if not profile.fallback_links:
        return False
    if profile.fallback_links_on_domains or not profile.domains:
        return True
    return not profile.binds_host(host_of(page.url))


def fallback_prev_next(page: ArticlePage) -> tuple[str | None, str | None]:
    """``rel=prev/next`` links, then named and labelled anchors."""
    found: dict[str, str | None] = {"prev": page.first_link(_REL_PREV), "next": page.first_link(_REL_NEXT)}
    if found["prev"] and found["next"]:
        return found["prev"], found["next"]
    own = canonicalize_url(page.url)
    for kind, link in labelled_links(page):
        if found.get(kind) is None and canonicalize_url(link) != own:
            found[kind] = link
        if found["prev"] and found["next"]:
            break
    return found["prev"], found["next"]


def _label_scope(anchor: Any) -> Any:
    """The farthest element :func:`_label_before` may read text from (the anchor's third
    ancestor, or the top one)."""
    scope = anchor
    for _ in range(3):
        parent = scope.getparent()
        if parent is None:
            break
        scope = parent
    return scope


def _head_text(el: Any, limit: int = 4000) -> str:
    """The first ``limit`` characters of an element's text (a shallow anchor's scope may
    be the whole page: its text is not joined whole)."""
    pieces: list[str] = []
    size = 0
    for piece in el.itertext():
        pieces.append(piece)
        size += len(piece)
        if size >= limit:
            break
    return "".join(pieces)


_NAME_HINTS = ("prev", "next", "older", "newer")


def _named_kind(anchor: Any, seen: dict[Any, str | None]) -> str | None:
    """The kind that the anchor's class/id, or its two nearest wrappers', name (``seen``
    keeps each element's answer: anchors of one list share their wrappers)."""
    node = anchor
    for _ in range(3):
        if node is None or not isinstance(node.tag, str):
            return None
        if node in seen:
            kind = seen[node]
        else:
            kind = None
            marks = f"{node.get('class') or ''} {node.get('id') or ''}".lower()
            # Every name of labels.toml holds one of these: most elements end here.
            if any(hint in marks for hint in _NAME_HINTS):
                kind = name_kind(marks)
            seen[node] = kind
        if kind is not None:
            return kind
        node = node.getparent()
    return None


def labelled_links(page: ArticlePage) -> list[tuple[str, str]]:
    """``(kind, url)`` of anchors named or labelled as previous/next, in page order.

    The label is the anchor's own text, ``aria-label``, ``title`` or image ``alt``
    (``◀ 이전글``, ``Older``), or what stands right before it: a short text ending in
    a label (``관련자료 이전 <a>``) or a sibling element that is one
    (``<span>이전글</span><a>``, ``<th>다음글</th><td><a>``). Anchors in the body, in
    page headers or paging, and links to a site's home page are not candidates.
    """
    out: list[tuple[str, str]] = []
    body = page.body_root
    # Whether an anchor's label scope holds any label hint, by scope: when none does,
    # neither its own text nor the text before it can label it, and the ~7 µs per
    # anchor of reading them is skipped (a board page has a couple of hundred
    # anchors, most under a few menu or sidebar lists).
    hinted: dict[Any, bool] = {}
    named: dict[Any, str | None] = {}
    for anchor in page.root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        scope = _label_scope(anchor)
        hint = hinted.get(scope)
        if hint is None:
            hint = hinted[scope] = has_hint(_head_text(scope))
        kind = quick_label("".join(anchor.itertext())) if hint else None
        if kind is None:
            label = anchor.get("aria-label") or anchor.get("title")
            if not label:
                for img in anchor.iter("img"):
                    label = img.get("alt")
                    break
            kind = label_kind(label) if label and len(label) <= 80 and has_hint(label) else None
        if kind is None and hint:
            kind = _label_before(anchor)
        if kind is None:
            kind = _named_kind(anchor, named)
        if kind is None:
            continue
        link = absolute_link(href, page.base_url)
        if not link or urlsplit(link).path in ("", "/") or _in_chrome(anchor, body):
            continue
        out.append((kind, link))
    return out


def _label_before(anchor: Any) -> str | None:
    node = anchor
    for _ in range(3):
        parent = node.getparent()
        if parent is None:
            return None
        previous = node.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()  # comments
        before = (previous.tail if previous is not None else parent.text) or ""
        if before.strip():
            return trailing_label(before)
        if previous is not None:
            if previous.tag == "a":
                return None
            text = "".join(previous.itertext())
            if len(text) > 3 * LABEL_MAX or not has_hint(text):
                return None
            return label_kind(text)
        if parent.tag in ("body", "html"):
            return None
        node = parent
    return None


def _in_chrome(anchor: Any, body: Any | None) -> bool:
    for node in (anchor, *anchor.iterancestors()):
        if node is body:
            return True
        tag = node.tag
        if tag == "header":
            return True
        if tag in ("li", "div", "nav", "ul", "span", "p") and in_pagination(node):
            return True
    return False
