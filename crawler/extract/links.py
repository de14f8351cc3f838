"""Previous/next links on pages whose profile's selectors find none.

Layers, first hit per direction wins: ``rel=prev/next`` on ``<link>`` and ``<a>``;
anchors labelled in any of the languages of ``labels.toml`` (their text,
``aria-label``, ``title``, image ``alt``, or the text right before them) or whose
class/id (or whose wrapper's) names them (``nav-previous``, ``blog-pager-older-link``);
then anchors named only by a bare word (``a.prev``, ``li.next``). What a label means is
:mod:`crawler.extract.labels`.

A pager is not always a list's paging: Bootstrap's ``ul.pager``, Blogger's
``#blog-pager``, minimal-mistakes' ``nav.pagination`` hold a post's previous/next
links. An anchor in a paging container is dropped only when the container numbers
pages (a link reading ``2`` or ``Page 2``) or the anchor leads to a numbered page
(``?page=3``, ``/page/3/``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from crawler.extract.body import class_id
from crawler.extract.html import absolute_link
from crawler.extract.labels import (
    LABEL_MAX,
    has_hint,
    label_kind,
    name_kind,
    quick_label,
    squash,
    trailing_label,
    weak_name_kind,
)
from crawler.urls import canonicalize_url, host_of, site_of

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

PAGINATION_RE = re.compile(r"pag(?:ination|ing|er)|pg_|page-numbers|paginate|bo_pg|list_page", re.I)
_REL_PREV = ("link[rel~='prev']::attr(href)", "link[rel~='previous']::attr(href)", "a[rel~='prev']",
             "a[rel~='previous']")
_REL_NEXT = ("link[rel~='next']::attr(href)", "a[rel~='next']")
#: Elements whose class/id may make them a paging container.
_PAGING_TAGS = frozenset({"a", "li", "div", "nav", "ul", "ol", "span", "p"})
#: How far above an anchor its paging container is looked for (Blogger: a > span > div).
_PAGING_DEPTH = 4
#: A link to a numbered page of a list: ?page=3, ?paged=3, SPIP's debut_articles=10, /page/3/.
_PAGE_URL_RE = re.compile(
    r"[?&;](?:page|paged|pg|pageno|page_no|pagenum|pageindex|currentpage|cpage|start|offset|debut_\w*)=\d"
    r"|/page/\d+(?:/|$|\?)",
    re.I,
)
#: A page number as a link reads ("2", "Page 2", "[3]").
_PAGE_NUMBER_RE = re.compile(r"(?:[^\W\d_]{1,12} )?\d{1,5}")
#: Links to comment pages (WordPress's comment navigation uses .nav-previous too).
_COMMENT_LINK_RE = re.compile(r"comment-page-\d|[?&]cpage=\d|#(?:comments?|respond)$", re.I)
#: Links to images (a gallery's or a lightbox's a.next).
_IMAGE_LINK_RE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|bmp|svg)$", re.I)


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
    """``rel=prev/next`` links, then labelled and named anchors, then anchors named only
    by a bare word."""
    found: dict[str, str | None] = {"prev": page.first_link(_REL_PREV), "next": page.first_link(_REL_NEXT)}
    if found["prev"] and found["next"]:
        return found["prev"], found["next"]
    own = canonicalize_url(page.url)
    weak: dict[str, str] = {}
    for kind, link, strong in labelled_links(page):
        if found[kind] is not None or canonicalize_url(link) == own:
            continue
        if strong:
            found[kind] = link
            if found["prev"] and found["next"]:
                break
        else:
            weak.setdefault(kind, link)
    return found["prev"] or weak.get("prev"), found["next"] or weak.get("next")


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
_UNSEEN = ("",)
_Names = tuple[str | None, str | None, str | None]


def _named_kind(anchor: Any, seen: dict[Any, _Names | None]) -> tuple[str | None, bool]:
    """The kind that the anchor's class/id, or its two nearest wrappers', name, and
    whether by a name of labels.toml (else by a bare word of the anchor's class/id or its
    parent's class). ``seen`` keeps each element's answer, ``(named, bare class word, bare
    id word)`` or None: anchors of one list share their wrappers."""
    node = anchor
    weak = None
    for depth in range(3):
        if node is None:
            break
        marks = seen.get(node, _UNSEEN)
        if marks is _UNSEEN:
            marks = None
            classes = node.get("class")
            ident = node.get("id")
            if classes is not None or ident is not None:
                classes = classes or ""
                ident = ident or ""
                low = f"{classes} {ident}".lower()
                # Every name of labels.toml holds one of these: most elements end here.
                if any(hint in low for hint in _NAME_HINTS):
                    marks = (name_kind(low), weak_name_kind(classes), weak_name_kind(ident))
            seen[node] = marks
        if marks is not None:
            if marks[0] is not None:
                return marks[0], True
            if weak is None and depth < 2:
                weak = marks[1] or (marks[2] if depth == 0 else None)
        node = node.getparent()
    return weak, False


def labelled_links(page: ArticlePage) -> list[tuple[str, str, bool]]:
    """``(kind, url, strong)`` of anchors named or labelled as previous/next, in page order.

    The label is the anchor's own text, ``aria-label``, ``title`` or image ``alt``
    (``◀ 이전글``, ``Older``), or what stands right before it: a short text ending in
    a label (``관련자료 이전 <a>``) or a sibling element that is one
    (``<span>이전글</span><a>``, ``<th>다음글</th><td><a>``). ``strong`` is False for
    anchors named only by a bare class word (``a.prev``), which give way to the others.
    Anchors in the body, in page headers or in a list's paging, links to a site's home
    page, to comment pages and to images are not candidates.
    """
    out: list[tuple[str, str, bool]] = []
    body = page.body_root
    # Whether an anchor's label scope holds any label hint, by scope: when none does,
    # neither its own text nor the text before it can label it, and the ~7 µs per
    # anchor of reading them is skipped (a board page has a couple of hundred
    # anchors, most under a few menu or sidebar lists).
    hinted: dict[Any, bool] = {}
    named: dict[Any, _Names | None] = {}
    site: str | None = None
    for anchor in page.root.iter("a"):
        href = anchor.get("href")
        if not href:
            continue
        scope = _label_scope(anchor)
        hint = hinted.get(scope)
        if hint is None:
            hint = hinted[scope] = has_hint(_head_text(scope))
        # Elements part words (PaperMod: <span>« Prev Page</span><br><span>title</span>,
        # minified without a space between them).
        kind = quick_label(" ".join(anchor.itertext())) if hint else None
        if kind is None:
            label = anchor.get("aria-label") or anchor.get("title")
            if not label:
                for img in anchor.iter("img"):
                    label = img.get("alt")
                    break
            kind = label_kind(label) if label and len(label) <= 80 and has_hint(label) else None
        if kind is None and hint:
            kind = _label_before(anchor)
        strong = True
        if kind is None:
            kind, strong = _named_kind(anchor, named)
        if kind is None:
            continue
        link = absolute_link(href, page.base_url)
        if not link or _COMMENT_LINK_RE.search(href):
            continue
        path = urlsplit(link).path
        if path in ("", "/") or _IMAGE_LINK_RE.search(path) or _in_chrome(anchor, body, link):
            continue
        if not strong:
            # A bare class word is a post link on the page's own site only.
            site = site or site_of(page.url)
            if site_of(link) != site:
                continue
        out.append((kind, link, strong))
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


def _in_chrome(anchor: Any, body: Any | None, link: str) -> bool:
    """Whether the anchor is in the body, in a page header, or in a list's paging.

    The outermost paging container (``PAGINATION_RE``) within ``_PAGING_DEPTH`` levels of
    the anchor decides: one that numbers pages is a list's, and so is a link to a
    numbered page; a pager of labelled links to posts (Bootstrap's ``ul.pager``,
    Blogger's ``#blog-pager``) is post navigation. A paging container farther up, with
    none near, keeps the anchor out."""
    near = None
    far = False
    for depth, node in enumerate((anchor, *anchor.iterancestors())):
        if node is body:
            return True
        tag = node.tag
        if tag == "header":
            return True
        if tag in _PAGING_TAGS and in_pagination(node):
            if depth <= _PAGING_DEPTH:
                near = node
            else:
                far = True
    if near is None:
        return far
    return bool(_PAGE_URL_RE.search(link)) or _numbers_pages(near)


def _numbers_pages(container: Any) -> bool:
    """Whether a paging container links to numbered pages (``<a>2</a>``, ``Page 2``)."""
    for anchor in container.iter("a"):
        text = " ".join(anchor.itertext())
        if len(text) < 40 and _PAGE_NUMBER_RE.fullmatch(squash(text)):
            return True
    return False
