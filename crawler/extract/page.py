"""The page object: one parsed page, its site profile and zone, and the reads every
field shares (selectors, ``<meta>``, JSON-LD, ``<title>``, the body's lines).

It holds no field's rules: how each field is chosen lives in its own module
(:mod:`~crawler.extract.title`, :mod:`~crawler.extract.published`,
:mod:`~crawler.extract.author`, :mod:`~crawler.extract.press`,
:mod:`~crawler.extract.images`, :mod:`~crawler.extract.links`), and
:mod:`~crawler.extract.article` assembles them in layers.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any

from parsel import Selector

from crawler.extract.body import MIN_GENERIC_BODY, drop, largest_text_block, stripped_copy
from crawler.extract.dates import DEFAULT_TIMEZONE, get_zone, parse_date
from crawler.extract.html import absolute_link, text_lines, text_of
from crawler.extract.maintext import main_lines, profile_lines
from crawler.extract.metadata import Metadata, read_metadata
from crawler.extract.parse import base_href, parse_library_tree
from crawler.extract.profiles import Profile, select
from crawler.extract.query import Source, compile_union
from crawler.text import clean_body, normalize_line
from crawler.urls import host_of

KOREAN_TIMEZONE = "Asia/Seoul"
#: Longest text any single field read from a page may hold before it is cut: every
#: regular expression downstream runs on at most this many characters.
MAX_FIELD_CHARS = 2000
#: Largest page handed to the libraries (trafilatura, htmldate): larger ones keep the
#: project's own layers alone.
MAX_LIBRARY_CHARS = 3_000_000


def bounded(text: str, limit: int = MAX_FIELD_CHARS) -> str:
    """``text`` cut to ``limit`` characters (fields are bounded before any regex runs)."""
    return text if len(text) <= limit else text[:limit]


def is_korean(selector: Selector, url: str) -> bool:
    """Whether the page says it is Korean (``<html lang=ko>``) or is on a ``.kr`` host."""
    lang = (selector.root.get("lang") or "").lower() if isinstance(selector.root.tag, str) else ""
    if lang.startswith("ko"):
        return True
    return host_of(url).endswith(".kr")


class ArticlePage:
    """A page object over one parsed page.

    Built from a parsel :class:`~parsel.Selector` (the caller decodes and parses).
    The methods named after fields (:meth:`title`, :meth:`published`, ...) are the
    profile layer: what the profile's selectors find, nothing more.
    """

    def __init__(
        self,
        selector: Selector,
        url: str,
        profile: Profile,
        *,
        fetched_at: datetime | None = None,
        default_timezone: str = DEFAULT_TIMEZONE,
        source: str | Source | None = None,
    ) -> None:
        #: The page's HTML source, when known: selectors naming ids or classes it does
        #: not contain are skipped without being evaluated.
        self.html = Source(source) if isinstance(source, str) else source
        self.sel = selector
        self.root = selector.root
        self.url = url
        self.profile = profile
        self.fetched_at = fetched_at
        # A page of a profile bound to a zone, or a Korean page, reports dates in that zone
        # (Asia/Seoul); any other keeps the offset it printed (naive dates: default zone).
        zone = profile.timezone
        if zone is None and is_korean(selector, url):
            zone = KOREAN_TIMEZONE
        self.tz: tzinfo = get_zone(zone or default_timezone)
        self.convert_dates = zone is not None
        self.generic_used = False
        #: What field modules read once per page and keep (by module).
        self.memo: dict[str, Any] = {}
        #: Which layer gave the body (``profile``, ``trafilatura``, ``largest-block``, ``json-ld``).
        self.body_layer = "none"
        base = base_href(self.root)
        self.base_url = (absolute_link(base, url) or url) if base is not None else url

    # --- selector helpers --------------------------------------------------------

    def first_text(self, queries: tuple[str, ...] | list[str], within: Any | None = None) -> str | None:
        """Text of the first of ``queries`` that yields any (attribute, text or element)."""
        scope = within if within is not None else self.root
        for query in queries:
            for node in select(scope, query, self.html):
                value = normalize_line(bounded(node)) if isinstance(node, str) else bounded(text_of(node))
                if value:
                    return value
        return None

    def first_link(self, queries: tuple[str, ...] | list[str]) -> str | None:
        """The first absolute http(s) link that one of ``queries`` yields."""
        for query in queries:
            for node in select(self.root, query, self.html):
                link = self.link_of(node)
                if link:
                    return link
        return None

    def link_of(self, node: Any) -> str | None:
        """The absolute link of an ``href`` string, an anchor, or the first anchor inside."""
        if isinstance(node, str):
            return absolute_link(node, self.base_url)
        if node.tag in ("a", "link", "area"):
            return absolute_link(node.get("href"), self.base_url)
        for anchor in node.iter("a"):
            link = absolute_link(anchor.get("href"), self.base_url)
            if link:
                return link
        return None

    @cached_property
    def metas(self) -> dict[str, str]:
        """``<meta>`` contents by ``property``, ``name`` or ``itemprop`` (first one wins;
        keys as written and lower-cased)."""
        found: dict[str, str] = {}
        for el in self.root.iter("meta"):
            content = el.get("content")
            if not content or not content.strip():
                continue
            for attr in ("property", "name", "itemprop"):
                key = el.get(attr)
                if key:
                    found.setdefault(key, content)
                    found.setdefault(key.lower(), content)
        return found

    def meta(self, *names: str) -> str | None:
        """Content of the first ``<meta property|name=...>`` among ``names`` with a value."""
        metas = self.metas
        for name in names:
            value = metas.get(name)
            if value:
                value = normalize_line(bounded(value))
                if value:
                    return value
        return None

    @cached_property
    def metadata(self) -> Metadata:
        """The page's structured metadata (JSON-LD and ``<meta>``; :mod:`crawler.extract.metadata`)."""
        return read_metadata(self.root, self.metas)

    @property
    def json_ld(self) -> dict[str, Any]:
        """The page's JSON-LD article object (``{}`` when none)."""
        return self.metadata.json_ld

    @cached_property
    def page_title(self) -> str:
        """The text of ``<title>``, normalized (``""`` when none)."""
        for el in self.root.iter("title"):  # in <head>: found at once, no walk of the page
            return normalize_line(bounded(el.text or ""))
        return ""

    @cached_property
    def page_lines(self) -> list[str]:
        """The visible text of the whole page as lines (read only by fallbacks)."""
        return text_lines(self.root)

    def date(self, text: str | None, *, slow: bool | None = None) -> datetime | None:
        """``text`` read as a date in the site's zone (see :mod:`crawler.extract.dates`)."""
        if not text:
            return None
        text = bounded(text, 200)
        if slow is None:
            slow = len(text) <= 40
        return parse_date(text, now=self.fetched_at, tz=self.tz, slow=slow, convert=self.convert_dates)

    # --- body ------------------------------------------------------------------

    @cached_property
    def body_element(self) -> Any | None:
        """The body element the profile's selectors find, its ``drop`` selectors removed."""
        for query in self.profile.body:
            for node in select(self.root, query, self.html):
                if not isinstance(node, str):
                    self._drop_in(node)
                    return node
        return None

    def _drop_in(self, scope: Any) -> None:
        union = compile_union(self.profile.drop)
        if union is None:
            return
        for node in union(scope):
            if not isinstance(node, str) and node is not scope:
                drop(node)

    @cached_property
    def generic_body(self) -> Any | None:
        """The largest text block (an element of the page's tree, left as it is)."""
        return largest_text_block(self.root)

    @cached_property
    def generic_clean(self) -> Any | None:
        """:attr:`generic_body` without its boilerplate: a copy, read for text and images."""
        block = self.generic_body
        return stripped_copy(block) if block is not None else None

    @cached_property
    def raw_lines(self) -> list[str]:
        """The body's lines before boilerplate is dropped (reporter and press are read here).

        The profile's body selectors first; else the reconciled main text of
        :mod:`crawler.extract.maintext`; else JSON-LD ``articleBody``."""
        body = self.body_element
        if body is not None:
            lines = self._lines_of(body)
            if lines:
                lines, self.body_layer = profile_lines(self, lines)
                if lines:
                    return lines
        article_body = self.metadata.article_body
        generic = self.generic_clean
        ours = text_lines(generic) if generic is not None else []
        lines, layer = main_lines(self, ours)
        if sum(map(len, lines)) >= MIN_GENERIC_BODY:
            self.generic_used = generic is not None
            self.body_layer = layer
            return lines
        if article_body:
            self.body_layer = "json-ld"
            return [line for line in map(normalize_line, article_body.splitlines()) if line]
        return []

    @cached_property
    def library_tree(self) -> Any | None:
        """The page as an ``lxml.html`` tree for trafilatura and htmldate (None when no source)."""
        if self.html is None or len(self.html.text) > MAX_LIBRARY_CHARS:
            return None
        return parse_library_tree(self.html.text)

    @cached_property
    def visible_text(self) -> str:
        """The page's visible text on one line (what a reader sees, for containment tests)."""
        return " ".join(self.page_lines)

    def _lines_of(self, body: Any) -> list[str]:
        br = " " if self.profile.paragraph_br == "space" else "\n"
        for query in self.profile.paragraphs:
            elements = [node for node in select(body, query, self.html) if not isinstance(node, str)]
            if elements:
                lines: list[str] = []
                for el in elements:
                    lines.extend(text_lines(el, br=br))
                return lines
        return text_lines(body)

    @cached_property
    def body_text(self) -> str:
        """The article text: paragraphs joined by ``\\n``, boilerplate dropped."""
        return clean_body("\n".join(self.raw_lines))

    @property
    def body_root(self) -> Any | None:
        """The element of the page's tree the body was read from (None when it came from
        JSON-LD)."""
        body = self.body_element
        if body is None and self.generic_used:
            body = self.generic_body
        return body

    @property
    def body_view(self) -> Any | None:
        """What the body's images are read from: :attr:`body_root`, or the largest block's
        copy without its boilerplate."""
        body = self.body_element
        if body is None and self.generic_used:
            body = self.generic_clean
        return body

    # --- the profile layer ---------------------------------------------------------

    def title(self) -> str | None:
        """The title the profile's selectors find."""
        return self.first_text(self.profile.title)

    def published(self) -> datetime | None:
        """The date the profile's selectors find."""
        for query in self.profile.date:
            parsed = self.date(self.first_text((query,)))
            if parsed is not None:
                return parsed
        return None

    def prev_next(self) -> tuple[str | None, str | None]:
        """The previous/next links the profile's selectors find."""
        return self.first_link(self.profile.prev), self.first_link(self.profile.next)
