"""How the author is chosen.

Layers (``item.provenance["author"]`` names the one used): ``profile`` (its selectors, or
the body's reporter line for profiles preferring body credits; JSON-LD listing more
authors or another person wins; a credit naming the site is left to the next layers);
``json-ld`` / ``meta`` reconciled with ``markup``, the visible byline (itemprop/rel author,
byline classes, author-page links, ``<address>``, short texts led by a label, WordPress's
``bypostauthor`` comments), which wins over metadata naming the site, an organisation or
fewer names; ``body-credit`` (``박성현 기자``); ``byline-text`` (``Von Max Muster`` atop or at
the foot of the body). Every credit is read by :func:`crawler.extract.bylines.names_in`;
the markup hints are data, in ``bylines.toml``; the byline is read in one pass over the
article's part of the tree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice
from typing import TYPE_CHECKING, Any

from lxml import etree

from crawler.extract.bylines import (
    EDGE,
    MAX_NAME_CHARS,
    clean_person,
    fold,
    joined,
    label_end,
    label_names,
    name_like,
    name_words,
    names_in,
    words,
)
from crawler.extract.html import iter_text
from crawler.extract.metadata import META_AUTHOR
from crawler.extract.press import BRACKET_PRESS_RE
from crawler.extract.profiles import select
from crawler.text import is_reporter_line, normalize_line, reporter_of
from crawler.urls import site_of

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

_DOMAIN_RE = re.compile(r"\w\.(?:[a-z]{2,3}|info|online|news)$", re.I)
_PARTS_RE = re.compile(r"[-_]+")
_NAME_CLASS_RE = re.compile(r"(?<!field-)name")  # not Drupal's "field-name-..." wrappers
_COMMENT_AUTHOR_RE = re.compile(r"\bfn\b|comment-author")
_H1 = etree.XPath("(//h1)[1]")
_SCAN_TAGS = (
    "a", "span", "p", "div", "li", "address", "small", "strong", "em", "b", "i", "h2", "h3", "h4", "h5",
    "h6", "cite", "dd", "dt", "td", "header", "section", "font", "meta", "footer", "ul", "byline",
)
#: Byline elements, best first: itemprop / rel=author; a byline class; a link to an author
#: page or <address>; a short text led by a label; the post author's own comment.
_KIND_PROP, _KIND_CLASS, _KIND_LINK, _KIND_TEXT, _KIND_COMMENT = 0, 1, 2, 3, 4
#: A byline class that names other people this often is a list's (tags, teasers).
_MAX_REPEATS = 3
#: Byline-like elements read at most, best kind first (a hostile page may have thousands).
_MAX_CANDIDATES = 100


# --- the visible byline ---------------------------------------------------------------------


def _text(el: Any, limit: int = MAX_NAME_CHARS) -> str:
    """The text of ``el``, blocks on their own lines, spaces collapsed, at most ``limit`` long."""
    pieces: list[str] = []
    size = 0
    for piece in iter_text(el):
        piece = piece if piece == "\n" else " ".join(piece[: limit + 1].split())
        if piece:
            pieces.append(piece)
            size += len(piece) + 1
            if size > limit:
                break
    text = " ".join(pieces)
    return text if len(text) <= limit else (text[:limit].rsplit(None, 1) or [""])[0]  # no word cut in two


def _author_link(el: Any, w: Any) -> bool:
    """A link to an author page of the site whose text names its slug (``/autor/eva-roth``)."""
    href = (el.get("href") or "")[:300].lower()
    match = w.path_re.search(href)
    if match is None or (href.startswith(("http:", "https:", "//")) and site_of(
            href if href[:1] == "h" else "http:" + href) != site_of(el.base or "")):
        return False
    slug = href[match.end():].split("?", 1)[0]
    text = (el.text or "").strip().casefold() or _text(el, 80).casefold()
    return any(len(part) > 2 and part in slug for part in re.split(r"\W+", text[:80]))


def _excluded(el: Any, w: Any, keep: frozenset[Any]) -> bool:
    """Inside comments, related or teaser lists, sidebars, navigation, image credits or
    embeds; a wrapper of the article's body (``keep``) is none of those, whatever its class."""
    node = el
    for depth in range(15):
        node = node.getparent() if depth else el
        if node is None or node.tag in ("body", "html") or node in keep:
            return False
        if node.tag in ("nav", "figure", "figcaption", "blockquote"):
            return True
        for token in f"{node.get('class') or ''} {node.get('id') or ''}"[:300].lower().split():
            parts = _PARTS_RE.split(token)
            if w.not_containers.isdisjoint(parts) and any(p.startswith(w.exclude_hints) for p in parts):
                return True
    return False


def _dedicated(el: Any, w: Any) -> list[str]:
    """Names of the elements inside ``el`` that each hold one name (itemprop=name, .fn, ...)."""
    found: list[tuple[Any, list[str]]] = []
    for node in islice(el.iter("a", "span", "meta", "strong", "b", "div", "p", "h2", "h3", "h4"), 200):
        cls = (node.get("class") or "")[:300].lower()
        if node.get("itemprop") == "name" or "fn" in cls.split() or _NAME_CLASS_RE.search(cls) or (
                node.tag == "a" and ("author" in (node.get("rel") or "") or _author_link(node, w))):
            if found and found[-1][0] in node.iterancestors():
                found.pop()  # the innermost element is the name itself
            found.append((node, names_in(node.get("content") if node.tag == "meta" else _text(node))))
    return list(dict.fromkeys(name for _node, names in found for name in names))


def _names_of(kind: int, el: Any, w: Any) -> list[str]:
    if el.tag == "meta":
        return names_in(el.get("content"))
    if kind == _KIND_TEXT:  # "von Eva Roth"; "<span>By</span> <a>Eva Roth</a>"; its short parent
        text = _text(el, 150)
        names = label_names(text, w)
        after, parent = el.getnext(), el.getparent()
        if not names and after is not None and label_end([*text.split(), "x"], w) == len(text.split()):
            names = names_in(_text(after, 80))
        around = _text(parent, 150) if parent is not None and not names else ""
        return names or (label_names(around, w) if len(around) < 150 else [])
    if el.tag == "a" or kind == _KIND_LINK:
        return [n for node in el.iter() if node.get("itemprop") == "name" for n in names_in(_text(node))] or (
            names_in(_text(el)))
    nested = _dedicated(el, w)
    text = _text(el, 400)
    own = names_in(text, strict=True) if len(text) < 300 else []
    mine, theirs = name_words(own), name_words(nested)
    if nested and not (own and (mine <= theirs or mine.isdisjoint(theirs))):
        return nested  # the names themselves, unless the text around them drops some or names another
    return own


def _scope(page: ArticlePage, around_body: frozenset[Any]) -> Any:
    """Where the byline is looked for: the ancestor the page's first ``<h1>`` shares with the
    article body (``around_body``: the body and its ancestors), two levels up; else ``<body>``."""
    body = page.root.find("body")
    node = _H1(page.root) if around_body else None
    node = node[0] if node else None
    while node is not None and node not in around_body:
        node = node.getparent()
    for _ in range(2):
        node = node.getparent() if node is not None and node is not body else node
    return node if node is not None else page.root if body is None else body


def _candidates(page: ArticlePage, w: Any, same_class: dict[str, list[Any]],
                around_body: frozenset[Any]) -> Iterator[tuple[int, Any]]:
    """``(kind, element)`` of the byline-like elements, best kind first, then in page order:
    one pass over the page's article part with cheap tests, links sorted out only when reached."""
    itemprop = page.html is None or page.html.has("itemprop")
    found: list[tuple[int, int, Any]] = []
    anchors: list[tuple[int, Any]] = []
    class_re, label_re, skip_re = w.class_re.search, w.label_re.match, w.skip_re.search
    first_words = w.prefixes | w.labels | w.lead_ins
    for order, el in enumerate(_scope(page, around_body).iter(_SCAN_TAGS)):
        prop = el.get("itemprop") if itemprop else None
        tag = el.tag
        if (prop and ("author" in prop or "creator" in prop)) or (tag == "a" and "author" in (el.get("rel") or "")):
            found.append((_KIND_PROP, order, el))
            continue
        if tag == "a":
            anchors.append((order, el))
        cls = el.get("class")
        low = cls[:300].lower() if cls is not None else ""
        if tag == "byline" or class_re(low):  # <byline>: NITF's element
            if not skip_re(low):
                found.append((_KIND_CLASS, order, el))
                same_class.setdefault(cls or "", []).append(el)
            continue
        if tag == "address":
            found.append((_KIND_LINK, order, el))
            continue
        text = el.text
        if text and 1 < len(text) < 100 and not text.isspace():
            head = text.split(None, 1)[0]  # a label, a lead-in or a date first ("Von", "Posted", "06.11.")
            if (head.strip(EDGE).casefold() in first_words or not head[:1].isalpha()) and label_re(text):
                found.append((_KIND_TEXT, order, el))
    found.sort(key=lambda c: (c[0], c[1]))
    yield from ((kind, el) for kind, _order, el in found if kind < _KIND_LINK)
    links = [(o, e) for k, o, e in found if k == _KIND_LINK] + [(o, a) for o, a in anchors if _author_link(a, w)]
    yield from ((_KIND_LINK, el) for _order, el in sorted(links, key=lambda c: c[0]))
    yield from ((kind, el) for kind, _order, el in found if kind > _KIND_LINK)


def _listed(el: Any, names: list[str], same: list[Any], w: Any) -> bool:
    """``el``'s class mostly names other people: a list of tags or teasers, not the byline."""
    votes = [_names_of(_KIND_CLASS, other, w) == names for other in same[:6] if other is not el]
    return len(same) >= _MAX_REPEATS and votes.count(False) > votes.count(True)


def _coauthors(el: Any, names: list[str], w: Any) -> list[str]:
    """``names`` and those of the other rel/itemprop authors of the same (short) byline."""
    parent = el.getparent()
    if parent is None or len(_text(parent, 300)) >= 300:
        return names
    for node in islice(parent.iter("a", "span", "div", "li"), 50):
        if node is not el and ("author" in (node.get("rel") or "") or "author" in (node.get("itemprop") or "")):
            names = [*names, *(n for n in _names_of(_KIND_PROP, node, w) if n not in names)]
    return names


def markup_authors(page: ArticlePage) -> tuple[list[str], int]:
    """The names of the visible byline and their kind (``_KIND_*``): the first element that
    names a person, best kind first; one naming the site only if no better kind does."""
    w = words()
    org: list[str] = []
    org_kind = _KIND_LINK
    own_comment = None
    same_class: dict[str, list[Any]] = {}
    main = page.body_root
    keep = frozenset([main, *main.iterancestors()]) if main is not None else frozenset()
    lists: set[str] = set()
    for kind, el in islice(_candidates(page, w, same_class, keep), _MAX_CANDIDATES):
        if org and kind >= _KIND_LINK:
            break
        if (org and kind <= org_kind) or (kind == _KIND_CLASS and (el.get("class") or "") in lists):
            continue
        if _excluded(el, w, keep):
            if own_comment is None and "bypostauthor" in (el.get("class") or "")[:300]:
                own_comment = el  # WordPress marks the comments of the post's author
            continue
        names = _names_of(kind, el, w)
        if names and kind == _KIND_CLASS and _listed(el, names, same_class.get(el.get("class") or "", []), w):
            lists.add(el.get("class") or "")
            continue
        if names and not any(_org_like(n, page) for n in names):
            return (_coauthors(el, names, w) if kind == _KIND_PROP else names), kind
        if names and not org:
            org, org_kind = names, kind
    if not org and own_comment is not None:  # its author: the .fn, else the comment's author
        nodes = [n for n in islice(own_comment.iter("cite", "b", "span", "div", "a", "strong"), 100)
                 if n.tag == "cite" or _COMMENT_AUTHOR_RE.search((n.get("class") or "")[:300])]
        nodes.sort(key=lambda n: ("fn" not in (n.get("class") or "").split(), n.tag != "cite"))
        return (names_in(_text(nodes[0], 80)) if nodes else []), _KIND_COMMENT
    return org, org_kind


# --- metadata, reconciled with the byline -----------------------------------------------------


def _compact(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _org_like(name: str, page: ArticlePage) -> bool:
    """A credit naming the site, its publisher, a domain or an organisation."""
    compact = _compact(name)
    host = _compact(site_of(page.url).rsplit(".", 1)[0])
    sites = {_compact(s) for s in (page.meta("og:site_name", "application-name"), page.metadata.publisher) if s}
    if compact in sites or (len(compact) > 3 and (compact in host or host in compact)):
        return True
    return not words().org_words.isdisjoint(fold(t) for t in name.split()) or bool(_DOMAIN_RE.search(name))


def _weak(names: list[str], page: ArticlePage) -> bool:
    """A credit that names no person: an organisation, the site, a login handle."""
    return any(_org_like(n, page) for n in names) or (
        len(names) == 1 and " " not in names[0] and (names[0].islower() or "-" in names[0] or "_" in names[0]))


def _metadata_names(page: ArticlePage) -> tuple[list[str], bool]:
    """The metadata's names, and whether they name no person (an organisation in JSON-LD, the
    site, a handle, a credit with a domain); then the other ``<meta>`` author keys are tried."""
    raw = page.metadata.authors
    names = [n for value in raw for n in names_in(value)]
    author = page.json_ld.get("author")
    kinds = [str(a.get("@type", "")).lower() for a in (author if isinstance(author, list) else [author])[:10]
             if isinstance(a, dict)]
    weak = bool(names) and ((bool(kinds) and all("organization" in k for k in kinds)) or _weak(names, page) or any(
        _DOMAIN_RE.search(v[:MAX_NAME_CHARS].rstrip(")")) or "www." in v[:MAX_NAME_CHARS] for v in raw))
    if weak or not names:
        for key in META_AUTHOR[:-1]:  # not twitter:data1, whose label says what it is
            other = names_in(page.metas.get(key))
            if other and name_words(other) != name_words(names) and not _weak(other, page) and "://" not in other[0]:
                return other, False
    return names, weak


def reporter_in_body(page: ArticlePage) -> str | None:
    """``박성현 기자`` from the body's reporter line (last one wins), or None."""
    lines = page.raw_lines
    for line in reversed(lines):
        if is_reporter_line(line):
            reporter = reporter_of(line)
            if reporter:
                return reporter
    if lines:
        first = lines[0][:60]
        if BRACKET_PRESS_RE.match(first) and "=" in first:
            return reporter_of(first)
    return None


def labelled_line(page: ArticlePage) -> list[str]:
    """Names of a line at the top or foot of the body led by a label ("Von Max Muster")."""
    w = words()
    lines = page.raw_lines
    for line in lines[:6] + lines[-6:]:
        tokens = line[:150].split()
        if tokens and fold(tokens[0]) in w.prefixes | w.labels | w.lead_ins and label_end(tokens[:12], w):
            names = names_in(line[:150], strict=True)
            if names and all(name_like(n.split(), w) for n in names):
                return names
    return []


def _fuller(short: list[str], full: list[str]) -> bool:
    """``full`` is the full name of the one-word credit ``short`` ("Nils", "Nils Pickert")."""
    return len(short) == 1 == len(full) and " " not in short[0] and name_words(short) < name_words(full)


def _profile_names(page: ArticlePage) -> list[str]:
    """Names of the profile's first selector that gives any: its every match beside the first
    (several authors of one byline), none from elsewhere on the page."""
    for query in page.profile.author:
        nodes = select(page.root, query, page.html)
        if nodes and isinstance(nodes[0], str):
            names = names_in(normalize_line(nodes[0][:MAX_NAME_CHARS]))
        else:
            near = nodes[0].getparent() if nodes else None
            names = [n for node in nodes[:10] if node is nodes[0] or (near is not None and near in node.iterancestors())
                     for n in names_in(_text(node))]
        if names:
            return list(dict.fromkeys(names))
    return []


def profile_author(page: ArticlePage) -> str | None:
    """The author by the profile: body credits first when it prefers them, else its selectors.

    A site's or a board's own profile is taken at its word (a board's nickname may well be
    a lower-case login). A CMS's profile (``reconcile``) is held to the metadata: None when
    its selectors name the site or an organisation (the shared layers decide), the JSON-LD's
    names when they list co-authors it missed or another person."""
    if page.profile.prefer_body_credits:
        reporter = reporter_in_body(page)
        if reporter:
            return reporter
    names = _profile_names(page)
    if not names or not page.profile.reconcile:
        return joined(names) if names else None
    if _weak(names, page):
        return None
    meta, weak = _metadata_names(page)
    if meta and not weak and (name_words(names) < name_words(meta) or (
            page.metadata.layers.get("authors") == "json-ld" and name_words(names).isdisjoint(name_words(meta)))):
        names = meta  # JSON-LD lists the co-authors the selector missed, or names another person
    elif len(names) == 1:
        text = labelled_line(page)
        names = text if _fuller(names, text) else names
    return joined(names)


def fallback_author(page: ArticlePage) -> tuple[str | None, str]:
    """``(author, layer)``: the author from the layers every profile shares."""
    meta, meta_weak = _metadata_names(page)
    layer = page.metadata.layers.get("authors", "meta")
    # JSON-LD naming a person is trusted without the pass over the page that reads the byline.
    seen, kind = ([], _KIND_COMMENT) if meta and not meta_weak and layer == "json-ld" else markup_authors(page)
    seen_weak = any(_org_like(n, page) for n in seen)
    best: tuple[list[str], str] | None = None
    if meta and not meta_weak:
        better = name_words(meta) < name_words(seen) or (  # more names; a <meta> the author markup contradicts
            kind == _KIND_PROP and layer == "meta" and name_words(meta).isdisjoint(name_words(seen)))
        best = (seen, "markup") if seen and not seen_weak and better else (meta, layer)
    elif seen and not seen_weak:
        best = (seen, "markup")
    reporter = clean_person(reporter_in_body(page)) if best is None else None
    if reporter:
        return reporter, "body-credit"
    text = labelled_line(page) if best is None or (len(best[0]) == 1 and " " not in best[0][0]) else []
    if text and (best is None or _fuller(best[0], text)):
        best = (text, "byline-text")
    if best is None:
        best = (meta, layer) if meta else (seen, "markup") if seen else (_profile_names(page), "profile")
    return (joined(best[0]), best[1]) if best[0] else (None, "none")
