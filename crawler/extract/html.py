"""Low-level helpers over lxml trees: visible text as paragraphs, links, JSON-LD."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from crawler.text import normalize_line

#: Elements that end a line of text.
BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog dir div dl dt fieldset "
    "figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html li main menu nav ol p pre "
    "section summary table tbody tfoot thead tr ul caption".split()
)
#: Elements whose content is never article text.
SKIP_TAGS = frozenset(
    "script style noscript template iframe object embed svg canvas button select option "
    "textarea input head title meta link map audio video source track figure figcaption".split()
)
_CELL_TAGS = frozenset(("td", "th"))
_NOT_LINKS = ("javascript:", "mailto:", "tel:", "data:", "about:", "sms:", "#")
_ABSOLUTE = ("http://", "https://")


def iter_text(el: Any, *, br: str = "\n", skip: frozenset[str] = SKIP_TAGS) -> Iterator[str]:
    """Pieces of the visible text of ``el``, with ``\\n`` between blocks."""
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        tag = node.tag
        if not isinstance(tag, str):  # comment or processing instruction
            if event == "start":
                walker.skip_subtree()
            elif node is not el and node.tail:
                yield node.tail
            continue
        if event == "start":
            if tag in skip and node is not el:
                walker.skip_subtree()
                continue
            if tag in BLOCK_TAGS:
                yield "\n"
            elif tag == "br":
                yield br
            elif tag in _CELL_TAGS:
                yield " "
            if node.text:
                yield node.text
        else:
            if tag in BLOCK_TAGS:
                yield "\n"
            if node is not el and node.tail:
                yield node.tail


def text_lines(el: Any, *, br: str = "\n", skip: frozenset[str] = SKIP_TAGS) -> list[str]:
    """Visible text of ``el`` as normalized, non-empty lines."""
    lines = []
    for raw in "".join(iter_text(el, br=br, skip=skip)).split("\n"):
        if raw and not raw.isspace():
            line = normalize_line(raw)
            if line:
                lines.append(line)
    return lines


def first_line(el: Any, *, skip: frozenset[str] = SKIP_TAGS) -> str:
    """The first non-empty line of the visible text of ``el`` (reads no further)."""
    pieces: list[str] = []
    for piece in iter_text(el, skip=skip):
        if piece == "\n":
            line = normalize_line("".join(pieces))
            if line:
                return line
            pieces.clear()
        elif "\n" in piece:
            head, _, rest = piece.partition("\n")
            line = normalize_line("".join(pieces) + head)
            if line:
                return line
            pieces = [rest]
        else:
            pieces.append(piece)
    return normalize_line("".join(pieces))


def text_of(el: Any, *, skip: frozenset[str] = SKIP_TAGS) -> str:
    """Visible text of ``el`` on one line."""
    return normalize_line(" ".join(text_lines(el, br=" ", skip=skip)))


def _join(href: str, base: str) -> str:
    """``urljoin(base, href)``, without its two parses for the common forms: an absolute
    href is itself, and a root-relative one without dot segments is the base's origin
    followed by it."""
    if href[:8].lower().startswith(_ABSOLUTE):
        return href
    if href[:1] == "/" and href[1:2] != "/" and "/." not in href:
        origin = _origin(base)
        if origin:
            return origin + href
    return urljoin(base, href)


@lru_cache(maxsize=1024)
def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def absolute_link(href: str | None, base: str) -> str | None:
    """``href`` made absolute against ``base``, without fragment; None for non-links.

    ``javascript:``, ``mailto:``, ``tel:``, ``data:`` and bare ``#...`` are not links;
    only http(s) results are returned.
    """
    if not href:
        return None
    href = href.strip().replace("\n", "").replace("\r", "").replace("\t", "")
    if not href or href.lower().startswith(_NOT_LINKS):
        return None
    try:
        parts = urlsplit(_join(href, base))
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))


_LD_TYPES = frozenset(
    {
        "newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
        "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "socialmediaposting",
        "discussionforumposting", "techarticle", "scholarlyarticle", "liveblogposting", "posting",
    }
)
_JSON_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _ld_objects(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _ld_objects(graph)


def _ld_type(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower() for k in kinds if k}


def json_ld_article(scripts: list[str]) -> dict[str, Any] | None:
    """The first JSON-LD object typed as an article (NewsArticle, BlogPosting, ...)."""
    for raw in scripts:
        try:
            data = json.loads(_JSON_CONTROL.sub(" ", raw), strict=False)
        except ValueError:
            continue
        for obj in _ld_objects(data):
            if _ld_type(obj) & _LD_TYPES:
                return obj
    return None


def ld_name(value: Any) -> str | None:
    """A name from a JSON-LD value: a string, ``{name}``, or a list of those (joined)."""
    if isinstance(value, str):
        return normalize_line(value) or None
    if isinstance(value, dict):
        return ld_name(value.get("name"))
    if isinstance(value, list):
        names = [n for n in (ld_name(v) for v in value) if n]
        return ", ".join(dict.fromkeys(names)) or None
    return None
