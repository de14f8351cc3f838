"""Where the article text is: the generic body (the largest text block) and the
boilerplate (comments, navigation, share bars, related links) dropped from it.

A profile's body selectors, when they find something, win (:mod:`crawler.extract.page`);
this module is the layer every page without one falls back to.
"""

from __future__ import annotations

import re
from copy import deepcopy
from typing import Any

from lxml import etree

BOILERPLATE_RE = re.compile(
    r"comment|reply|footer|header|gnb|lnb|snb|\bnav|menu|sidebar|aside|share|sns|social|related|"
    r"banner|advert|\bads?\b|ad[-_]|popup|login|breadcrumb|paginat|paging|widget|\btags?\b|"
    r"copyright|recommend|ranking|popular|subscribe|newsletter|cookie",
    re.I,
)
CONTENT_RE = re.compile(r"article|content|body|entry|post|text|view|story|news|main|read|detail", re.I)
_CONTAINER_SET = frozenset({"div", "article", "section", "main", "td", "body", "blockquote", "html"})
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title", "select", "textarea", "svg"})
_STRUCTURAL_SKIP = frozenset({"nav", "header", "footer", "aside", "form"})
#: Least visible characters the generic body must hold to count as an article.
MIN_GENERIC_BODY = 80


def class_id(el: Any) -> str:
    """An element's class and id, space-separated (``""`` when it has neither)."""
    return f"{el.get('class') or ''} {el.get('id') or ''}"


#: What lxml's HTML parser keeps in text but refuses when text is assigned back.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def drop(el: Any) -> None:
    """Remove ``el`` from its tree, keeping its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = _NOT_XML.sub("", (previous.tail or "") + el.tail)
        else:
            parent.text = _NOT_XML.sub("", (parent.text or "") + el.tail)
    parent.remove(el)


def is_boilerplate(el: Any) -> bool:
    """Whether an element's class/id reads like boilerplate and not like content."""
    marks = class_id(el)
    return bool(marks.strip()) and bool(BOILERPLATE_RE.search(marks)) and not CONTENT_RE.search(marks)


def largest_text_block(root: Any) -> Any | None:
    """The element holding the page's largest block of text, or None.

    Every piece of text (an element's text or tail, so ``<br>``-separated board posts
    count as well as ``<p>`` paragraphs) scores its length for the nearest container
    (``div``, ``article``, ``section``, ``main``, ``td``, ``blockquote``, ``body``) and
    half for that container's parent; link text scores against. Containers whose
    class/id reads like boilerplate (comment, nav, share, related ...) keep a fifth,
    those that read like content (article, content, view ...) get half again.
    """
    scores: dict[Any, float] = {}
    containers: dict[Any, Any] = {}
    linked = {node for anchor in root.iter("a") for node in anchor.iter()}

    def container_of(el: Any) -> Any:
        found = containers.get(el)
        if found is None:
            node = el
            while node is not None and node.tag not in _CONTAINER_SET:
                node = node.getparent()
            found = containers[el] = node if node is not None else root
        return found

    def credit(el: Any, amount: float) -> None:
        box = container_of(el)
        scores[box] = scores.get(box, 0.0) + amount
        parent = box.getparent()
        if parent is not None:
            box = container_of(parent)
            scores[box] = scores.get(box, 0.0) + amount / 2

    walker = etree.iterwalk(root, events=("start",))
    for _, el in walker:
        tag = el.tag
        if not isinstance(tag, str) or tag in _NOT_TEXT:
            walker.skip_subtree()
            continue
        if el.text:
            n = len(el.text.strip())
            if n:
                credit(el, -2 * n if el in linked else n)
        tail = el.tail
        if tail and el is not root:
            n = len(tail.strip())
            if n:
                parent = el.getparent()
                credit(parent, -2 * n if parent in linked else n)
    best, best_score = None, 0.0
    for el, score in scores.items():
        marks = class_id(el)
        if marks.strip():
            if BOILERPLATE_RE.search(marks) and not CONTENT_RE.search(marks):
                score *= 0.2
            elif CONTENT_RE.search(marks):
                score *= 1.5
        if el.tag in ("body", "html"):
            score *= 0.5
        if score > best_score:
            best, best_score = el, score
    return best


def strip_boilerplate(el: Any) -> None:
    """Drop navigation, headers, footers, forms and boilerplate-named elements inside ``el``."""
    for child in list(el.iter()):
        if child is el or not isinstance(child.tag, str):
            continue
        if child.tag in _STRUCTURAL_SKIP:
            drop(child)
            continue
        if is_boilerplate(child):
            drop(child)


def stripped_copy(el: Any) -> Any:
    """A copy of ``el`` without its boilerplate (:func:`strip_boilerplate`); the page's
    tree keeps its headers and bylines for the title and author layers."""
    copied = deepcopy(el)
    strip_boilerplate(copied)
    return copied
