"""One article page (HTML bytes + URL) to one :class:`~crawler.items.ArticleItem`.

Pure: no Scrapy engine, no I/O. :class:`ArticlePage` is a page object with one method
per field; each field is read by the profile's selectors first, then by the profile's
code hook (``crawler.extract.hooks``), then by the fallbacks every profile shares
(JSON-LD ``NewsArticle``, ``og:``/``article:`` meta, ``rel=prev/next``, anchors labelled
이전/다음/Previous/Next, the largest text block as the body).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import datetime, tzinfo
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from parsel import Selector

from crawler.extract import hooks
from crawler.extract.dates import DEFAULT_TIMEZONE, get_zone, parse_date, to_iso
from crawler.extract.encoding import decode_html, decode_html_whole
from crawler.extract.html import (
    absolute_link,
    first_line,
    json_ld_article,
    ld_name,
    text_lines,
    text_of,
)
from crawler.extract.profiles import GENERIC, Profile, Registry, load, select
from crawler.extract.query import Source, compile_union
from crawler.items import ArticleItem, Image
from crawler.text import (
    REPORTER_RE,
    clean_body,
    content_hash,
    is_board_chrome,
    is_copyright_line,
    is_reporter_line,
    normalize_line,
    reporter_of,
)
from crawler.urls import canonicalize_url, host_of, site_of


def _base_href(root: Any) -> str | None:
    """``href`` of the first ``<base href>`` (what ``//base/@href`` finds first).

    ``root.iter(tag)`` rather than XPath: lxml returns at once when the document has no
    element of that name (~1 µs, against ~7 µs for the XPath on a 30 KiB page)."""
    for el in root.iter("base"):
        href = el.get("href")
        if href is not None:
            return href
    return None


def _canonical_href(root: Any) -> str | None:
    """``href`` of the first ``<link rel="canonical" href>`` (``//link[@rel='canonical']/@href``)."""
    for el in root.iter("link"):
        if el.get("rel") == "canonical":
            href = el.get("href")
            if href is not None:
                return href
    return None


_TITLE = etree.XPath("//title/text()", smart_strings=False)
_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()", smart_strings=False)


class NoArticleError(ValueError):
    """The page has no article body; the message names the URL and why.

    ``prev_url`` / ``next_url`` still carry the page's previous/next links when it has
    them (a photo-only board post, a deleted post's stub), so a crawl walking the
    chain can go on past it.
    """

    def __init__(
        self, url: str, reason: str, *, prev_url: str | None = None, next_url: str | None = None
    ) -> None:
        super().__init__(f"no article in {url}: {reason}")
        self.url = url
        self.reason = reason
        self.prev_url = prev_url
        self.next_url = next_url


# --- Labels of previous/next links ----------------------------------------------

_ARROWS = "<>«»‹›←→◀▶◁▷◂▸△▽▲▼∧∨↑↓⇐⇒|:·•-–—_[](){}\"'“”‘’"
_ARROW_STRIP = str.maketrans(dict.fromkeys(map(ord, _ARROWS), " "))
#: Whole-label matches (after arrows and spaces are stripped, lower-cased).
PREV_LABELS = frozenset(
    {"이전", "이전글", "이전 글", "이전기사", "이전 기사", "이전게시물", "이전 게시물", "이전포스트",
     "이전 포스트", "previous", "prev", "older", "previous post", "previous article",
     "older post", "older entry", "previous entry", "prev post"}
)
NEXT_LABELS = frozenset(
    {"다음", "다음글", "다음 글", "다음기사", "다음 기사", "다음게시물", "다음 게시물", "다음포스트",
     "다음 포스트", "next", "newer", "next post", "next article", "newer post", "newer entry",
     "next entry"}
)
#: Labels that may also start a longer anchor text ("이전글 제목...").
_PREV_PREFIXES = ("이전글 ", "이전 글 ", "이전기사 ", "previous post ", "previous article ", "older post ")
_NEXT_PREFIXES = ("다음글 ", "다음 글 ", "다음기사 ", "next post ", "next article ", "newer post ")
_LABEL_HINT_RE = re.compile("이전|다음|prev|next|older|newer", re.I)
_PREFIX_HEADS = tuple({p.split()[0] for p in _PREV_PREFIXES + _NEXT_PREFIXES})
_PAGINATION_RE = re.compile(r"pag(?:ination|ing|er)|pg_|page-numbers|paginate|bo_pg|list_page", re.I)
#: A label ending the text right before a link (``관련자료 이전 <a>``, ``다음글 : <a>``).
_TRAILING_LABEL_RE = re.compile(
    r"(?:^|[\s\]\)|:>»›▶▷<«‹◀◁])(이전\s?글|다음\s?글|이전|다음|previous|prev|next|older|newer)"
    r"\s*[:：>»›▶▷<«‹◀◁]*\s*$",
    re.I,
)
#: Longest text before a link that may still be a label.
_LABEL_MAX = 24


def _quick_label(anchor: Any) -> str | None:
    """:func:`label_kind` of an anchor's own text, skipping long texts cheaply."""
    text = "".join(anchor.itertext())
    if len(text) > 200 or not _LABEL_HINT_RE.search(text):
        return None
    if len(text) > 40:
        head = " ".join(text.split()[:3]).lower()
        if not head.startswith(_PREFIX_HEADS):
            return None
    return label_kind(text)


def _label_scope(anchor: Any) -> Any:
    """The farthest element :meth:`ArticlePage._label_before` may read text from (the
    anchor's third ancestor, or the top one): the anchor's own text and every text read
    to label it are contiguous pieces of this element's ``itertext()``."""
    scope = anchor
    for _ in range(3):
        parent = scope.getparent()
        if parent is None:
            break
        scope = parent
    return scope


def label_kind(text: str | None) -> str | None:
    """``"prev"``, ``"next"`` or None for a link label (``< 이전``, ``다음글 ▶``, ``Older``)."""
    if not text:
        return None
    label = " ".join(text.translate(_ARROW_STRIP).split()).lower()
    if not label or len(label) > 80:
        return None
    if label in PREV_LABELS:
        return "prev"
    if label in NEXT_LABELS:
        return "next"
    if label.startswith(_PREV_PREFIXES):
        return "prev"
    if label.startswith(_NEXT_PREFIXES):
        return "next"
    return None


# --- Body boilerplate -------------------------------------------------------------

_BOILERPLATE_RE = re.compile(
    r"comment|reply|footer|header|gnb|lnb|snb|\bnav|menu|sidebar|aside|share|sns|social|related|"
    r"banner|advert|\bads?\b|ad[-_]|popup|login|breadcrumb|paginat|paging|widget|\btags?\b|"
    r"copyright|recommend|ranking|popular|subscribe|newsletter|cookie",
    re.I,
)
_CONTENT_RE = re.compile(r"article|content|body|entry|post|text|view|story|news|main|read|detail", re.I)
_CONTAINER_SET = frozenset({"div", "article", "section", "main", "td", "body", "blockquote", "html"})
_NOT_TEXT = frozenset({"script", "style", "noscript", "template", "head", "title", "select", "textarea", "svg"})
_STRUCTURAL_SKIP = frozenset({"nav", "header", "footer", "aside", "form"})
#: Least visible characters the generic body must hold to count as an article.
MIN_GENERIC_BODY = 80


def _class_id(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}"


def _drop(el: Any) -> None:
    """Remove ``el`` from its tree, keeping its tail text."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        previous = el.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


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
        marks = _class_id(el)
        if marks.strip():
            if _BOILERPLATE_RE.search(marks) and not _CONTENT_RE.search(marks):
                score *= 0.2
            elif _CONTENT_RE.search(marks):
                score *= 1.5
        if el.tag in ("body", "html"):
            score *= 0.5
        if score > best_score:
            best, best_score = el, score
    return best


def _strip_boilerplate(el: Any) -> None:
    for child in list(el.iter()):
        if child is el or not isinstance(child.tag, str):
            continue
        if child.tag in _STRUCTURAL_SKIP:
            _drop(child)
            continue
        marks = _class_id(child)
        if marks.strip() and _BOILERPLATE_RE.search(marks) and not _CONTENT_RE.search(marks):
            _drop(child)


# --- Press names -----------------------------------------------------------------------

_COPYRIGHT_PRESS_RE = re.compile(
    r"(?:copyright\s*(?:ⓒ|©|\(c\))?|ⓒ|©|\(c\)|저작권자\s*(?:ⓒ|©|\(c\))?)\s*(?:\d{4}(?:\s*[-~]\s*\d{4})?\.?\s*)?"
    r"(?P<name>[^.,<>()\[\]|ⓒ©]+?)\s*(?:\.|,|\bAll\b|\ball\b|무단|\(|<|\||ⓒ|©|$)",
    re.I,
)
_BRACKET_PRESS_RE = re.compile(
    r"^\s*[\[【]\s*(?:[^\]】=]{1,20}=\s*)?(?P<name>[^\]】=\s][^\]】=]{0,20}?)\s*[\]】]"
    r"|^\s*\((?:[^)=]{1,20}=\s*)(?P<name2>[^)=]{1,20}?)\s*\)"
)
_PRESS_NOISE = re.compile(r"\b(?:inc|co|ltd|corp)\b\.?|\(주\)|주식회사|by\s", re.I)


#: Bracketed tags that lead a story but name no press (``[속보]``, ``[단독]``, ``[사진]`` ...).
NOT_PRESS = frozenset(
    "속보 단독 사진 포토 영상 동영상 인터뷰 기고 칼럼 사설 오피니언 종합 르포 기획 특집 공지 알림 "
    "팩트체크 이슈 현장 리뷰 논평 해설 분석 일문일답 인사 부고 화보 카드뉴스 그래픽 출처 질문 답변 "
    "긴급 상보 정정 반론보도 알립니다 신간 날씨 전문 광고 AD PR 보도자료 Q&A 업데이트 단신 "
    "이벤트 후기 정보 잡담 질문답변 유머 뉴스 기사 펌 스크랩".split()
)
_NOT_PRESS_RE = re.compile(r"^(?:종합)?\d*보$|^\d+$")


def press_of(line: str) -> str | None:
    """The press named by a copyright line (``Copyright © 파이낸셜뉴스.``) or a leading
    credit (``[파이낸셜뉴스]``, ``[서울=뉴시스]``, ``(서울=연합뉴스)``), or None.
    Tags that name no press (``[속보]``, ``[단독]``, ``[종합2보]``) are not credits."""
    match = _BRACKET_PRESS_RE.match(line)
    if match:
        name = (match.group("name") or match.group("name2") or "").strip()
        name = REPORTER_RE.sub("", name).strip()
        if (
            2 <= len(name) <= 20
            and len(name.split()) <= 2
            and name not in NOT_PRESS
            and not _NOT_PRESS_RE.match(name)
        ):
            return name
    if is_copyright_line(line):
        match = _COPYRIGHT_PRESS_RE.search(line)
        if match:
            name = _PRESS_NOISE.sub("", match.group("name"))
            name = re.sub(r"\s*[&/]\s*[A-Za-z0-9.-]+$", "", name).strip(" -:")
            if 2 <= len(name) <= 40 and not re.fullmatch(r"[\d\s-]+", name):
                return name
    return None


# --- Board chrome printed as text (the seed's form) -------------------------------------

_BOARD_HEADER_RE = re.compile(
    r"^\s*[\"“]?(?P<title>.{2,300}?)[\"”]?\s+(?:작성일|등록일|날짜)\s*:?\s*"
    r"(?P<date>\d{2,4}[.\-/]\d{1,2}(?:[.\-/]\d{1,2})?\.?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"
)
_LABELLED_DATE_RE = re.compile(
    r"(?:작성일(?:시|자)?|등록일(?:시|자)?|게시일|입력|기사입력|최초\s*입력|발행일|날짜|"
    r"Posted\s+on|Published(?:\s+on)?|Date)\s*:?\s*"
    r"(?P<date>\d{2,4}\s*[.\-/년]\s*\d{1,2}(?:\s*[.\-/월]\s*\d{1,2})?\s*[.일]?"
    r"(?:\s*(?:오전|오후)?\s*\d{1,2}:\d{2}(?::\d{2})?)?)",
    re.I,
)
_TITLE_SPLIT_RE = re.compile(r"\s+(?:\||-|–|—|::|>|<|:)\s+")


KOREAN_TIMEZONE = "Asia/Seoul"


def _is_korean(selector: Selector, url: str) -> bool:
    lang = (selector.root.get("lang") or "").lower() if isinstance(selector.root.tag, str) else ""
    if lang.startswith("ko"):
        return True
    host = host_of(url)
    return host.endswith(".kr")


class ArticlePage:
    """A page object over one parsed page: one method per item field.

    Built from a parsel :class:`~parsel.Selector` (the caller decodes and parses);
    :meth:`to_item` assembles the :class:`~crawler.items.ArticleItem` or raises
    :class:`NoArticleError`.
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
        if zone is None and _is_korean(selector, url):
            zone = KOREAN_TIMEZONE
        self.tz: tzinfo = get_zone(zone or default_timezone)
        self.convert_dates = zone is not None
        self._generic_used = False
        base = _base_href(self.root)
        self.base_url = (absolute_link(base, url) or url) if base is not None else url

    # --- selector helpers --------------------------------------------------------

    def first_text(self, queries: tuple[str, ...] | list[str], within: Any | None = None) -> str | None:
        """Text of the first of ``queries`` that yields any (attribute, text or element)."""
        scope = within if within is not None else self.root
        for query in queries:
            for node in select(scope, query, self.html):
                value = normalize_line(node) if isinstance(node, str) else text_of(node)
                if value:
                    return value
        return None

    def first_link(self, queries: tuple[str, ...] | list[str]) -> str | None:
        """The first absolute http(s) link that one of ``queries`` yields."""
        for query in queries:
            for node in select(self.root, query, self.html):
                link = self._link_of(node)
                if link:
                    return link
        return None

    def _link_of(self, node: Any) -> str | None:
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
        """``<meta>`` contents by ``property``, ``name`` or ``itemprop`` (first one wins)."""
        found: dict[str, str] = {}
        for el in self.root.iter("meta"):
            content = el.get("content")
            if not content or not content.strip():
                continue
            for attr in ("property", "name", "itemprop"):
                key = el.get(attr)
                if key and key not in found:
                    found[key] = content
        return found

    def meta(self, *names: str) -> str | None:
        """Content of the first ``<meta property|name=...>`` among ``names`` with a value."""
        metas = self.metas
        for name in names:
            value = metas.get(name)
            if value:
                return normalize_line(value)
        return None

    @cached_property
    def json_ld(self) -> dict[str, Any]:
        """The page's JSON-LD article object (``{}`` when none)."""
        scripts = _JSON_LD(self.root)
        return (json_ld_article(scripts) or {}) if scripts else {}

    @cached_property
    def page_title(self) -> str:
        """The text of ``<title>``, normalized (``""`` when none)."""
        titles = _TITLE(self.root)
        return normalize_line(titles[0]) if titles else ""

    @cached_property
    def page_lines(self) -> list[str]:
        """The visible text of the whole page as lines (read only by fallbacks)."""
        return text_lines(self.root)

    def date(self, text: str | None, *, slow: bool | None = None) -> datetime | None:
        """``text`` read as a date in the site's zone (see :mod:`crawler.extract.dates`)."""
        if not text:
            return None
        if slow is None:
            slow = len(text) <= 40
        return parse_date(
            text, now=self.fetched_at, tz=self.tz, slow=slow, convert=self.convert_dates
        )

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
                _drop(node)

    @cached_property
    def generic_body(self) -> Any | None:
        """The largest text block, when the profile's body selectors found nothing."""
        root = self.root
        for el in list(root.iter("script", "style", "noscript", "template")):
            _drop(el)
        best = largest_text_block(root)
        if best is None:
            return None
        _strip_boilerplate(best)
        return best

    @cached_property
    def raw_lines(self) -> list[str]:
        """The body's lines before boilerplate is dropped (reporter and press are read here)."""
        body = self.body_element
        if body is not None:
            lines = self._lines_of(body)
            if lines:
                return lines
        article_body = self.json_ld.get("articleBody")
        generic = self.generic_body
        if generic is not None:
            lines = text_lines(generic)
            if sum(map(len, lines)) >= MIN_GENERIC_BODY:
                self._generic_used = True
                return lines
        if isinstance(article_body, str) and article_body.strip():
            return [line for line in map(normalize_line, article_body.splitlines()) if line]
        return []

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
        """The element the body was read from (None when it came from JSON-LD)."""
        body = self.body_element
        if body is None and self._generic_used:
            body = self.generic_body
        return body

    # --- fields --------------------------------------------------------------------

    def title(self) -> str | None:
        value = self.first_text(self.profile.title)
        if value:
            return value
        return None

    def fallback_title(self) -> str | None:
        headline = ld_name(self.json_ld.get("headline")) or ld_name(self.json_ld.get("name"))
        if headline:
            return headline
        value = self.meta("og:title", "twitter:title")
        if value:
            return value
        value = self.first_text(("article h1", "main h1", "h1.title", "h1.tit", ".article-title", "h1"))
        if value:
            return value
        head = self.board_header()
        if head:
            return head[0]
        page_title = self.page_title
        if page_title:
            parts = [p for p in _TITLE_SPLIT_RE.split(page_title) if p]
            return max(parts, key=len) if parts else None
        return self.first_text(("h2",))

    def board_header(self) -> tuple[str, str] | None:
        """``(title, date)`` of board chrome printed as text before the body (the seed's form)."""
        match = _BOARD_HEADER_RE.match(first_line(self.root))
        if match:
            return match.group("title").strip(), match.group("date")
        return None

    def published(self) -> datetime | None:
        for query in self.profile.date:
            value = self.first_text((query,))
            parsed = self.date(value)
            if parsed is not None:
                return parsed
        return None

    def fallback_published(self) -> datetime | None:
        for value in (
            self.meta("article:published_time", "og:article:published_time", "datePublished",
                      "pubdate", "publishdate", "article.published", "DC.date.issued", "date"),
            self.json_ld.get("datePublished") if isinstance(self.json_ld.get("datePublished"), str) else None,
            self.first_text(("[itemprop='datePublished']::attr(datetime)", "[itemprop='datePublished']",
                             "article time::attr(datetime)", "time[datetime]::attr(datetime)")),
        ):
            parsed = self.date(value)
            if parsed is not None:
                return parsed
        head = self.board_header()
        if head:
            parsed = self.date(head[1])
            if parsed is not None:
                return parsed
        for line in self.page_lines[:200]:
            match = _LABELLED_DATE_RE.search(line)
            if match:
                parsed = self.date(match.group("date"))
                if parsed is not None:
                    return parsed
        return None

    def author(self) -> str | None:
        if self.profile.prefer_body_credits:
            reporter = self.reporter_in_body()
            if reporter:
                return reporter
        return self._clean_person(self.first_text(self.profile.author))

    def fallback_author(self) -> str | None:
        value = ld_name(self.json_ld.get("author"))
        if not value:
            meta = self.meta("author", "article:author", "dable:author")
            value = meta if meta and "://" not in meta else None
        if not value:
            value = self.reporter_in_body()
        return self._clean_person(value)

    @staticmethod
    def _clean_person(value: str | None) -> str | None:
        if not value:
            return None
        value = re.sub(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", "", value)
        value = re.sub(r"^(?:작성자|글쓴이|기자|by)\s*:?\s*", "", value, flags=re.I)
        value = normalize_line(value.strip(" ()[]<>/|,"))
        return value or None

    def reporter_in_body(self) -> str | None:
        """``박성현 기자`` from the body's reporter line (last one wins), or None."""
        for line in reversed(self.raw_lines):
            if is_reporter_line(line):
                reporter = reporter_of(line)
                if reporter:
                    return reporter
        if self.raw_lines:
            first = self.raw_lines[0][:60]
            if _BRACKET_PRESS_RE.match(first) and "=" in first:
                reporter = reporter_of(first)
                if reporter:
                    return reporter
        return None

    def source(self) -> str | None:
        if self.profile.prefer_body_credits:
            press = self.press_in_body()
            if press:
                return press
        return self.first_text(self.profile.source)

    def fallback_source(self) -> str | None:
        value = ld_name(self.json_ld.get("publisher"))
        if value:
            return value
        press = self.press_in_body()
        if press:
            return press
        value = self.meta("og:site_name", "application-name")
        if value:
            return value
        for line in reversed(self.page_lines[-40:]):
            if is_copyright_line(line):
                press = press_of(line)
                if press:
                    return press
        return None

    def site_from_title(self, title: str | None) -> str | None:
        """The site's name after the article title in ``<title>`` (``제목 - 지역소식``)."""
        page_title = self.page_title
        if not title or not page_title.startswith(title):
            return None
        match = _TITLE_SPLIT_RE.match(page_title, len(title))
        if not match:
            return None
        parts = _TITLE_SPLIT_RE.split(page_title[match.end() :])
        rest = parts[-1].strip() if parts else ""
        return rest if 0 < len(rest) <= 40 else None

    def press_in_body(self) -> str | None:
        """The press credited in the body (``[파이낸셜뉴스]``, ``Copyright © 파이낸셜뉴스``) or
        in the copyright line right after it, or None."""
        lines = self.raw_lines
        if lines:
            press = press_of(lines[0])
            if press:
                return press
        for line in reversed(lines[-5:]):
            if is_copyright_line(line):
                press = press_of(line)
                if press:
                    return press
        root = self.body_root
        if root is not None:
            following = root.getnext()
            for _ in range(3):
                if following is None:
                    break
                if isinstance(following.tag, str):
                    text = text_of(following)
                    if is_copyright_line(text):
                        press = press_of(text)
                        if press:
                            return press
                following = following.getnext()
        return None

    def images(self) -> list[Image]:
        """Images of the page's own selectors, then of the body; de-duplicated by URL."""
        found: dict[str, Image] = {}
        nodes: list[Any] = []
        for query in self.profile.images:
            nodes.extend(node for node in select(self.root, query, self.html) if not isinstance(node, str))
        root = self.body_root
        if root is not None:
            nodes.extend(root.iter("img"))
        for img in nodes:
            url = self._image_url(img)
            if url and url not in found:
                found[url] = Image(url=url, caption=self._caption(img))
        return list(found.values())

    def _image_url(self, img: Any) -> str | None:
        for attr in self.profile.image_attrs:
            value = img.get(attr)
            if value:
                link = absolute_link(value.split(",")[0].split()[0] if attr.endswith("srcset") else value,
                                     self.base_url)
                if link:
                    if img.get("width") in ("0", "1") or img.get("height") in ("0", "1"):
                        return None
                    return link
        return None

    def _caption(self, img: Any) -> str | None:
        node = img.getparent()
        while node is not None and node.tag != "figure":
            if node.tag in ("body", "article", "section") and node.tag != "figure":
                return None
            node = node.getparent()
        if node is None:
            return None
        return self.first_text(self.profile.caption, within=node)

    def prev_next(self) -> tuple[str | None, str | None]:
        return self.first_link(self.profile.prev), self.first_link(self.profile.next)

    def list_page_reason(self) -> str | None:
        """Why the page is a list of articles rather than one (None when it is not):
        one of the profile's ``list_markers`` matches, or its body selectors find
        nothing while its ``list_links`` selectors find three links or more."""
        for marker in self.profile.list_markers:
            if select(self.root, marker, self.html):
                return f"a list page (it matches {marker!r} of the {self.profile.name} profile)"
        if self.profile.name == GENERIC or not self.profile.body or self.body_element is not None:
            return None
        for query in self.profile.list_links:
            links = {self._link_of(node) for node in select(self.root, query, self.html)} - {None}
            if len(links) >= 3:
                return f"a list page ({len(links)} article links, no {self.profile.name} article body)"
        return None

    def _links_anyway(self) -> dict[str, str | None]:
        prev_url, next_url = self.prev_next()
        if self._wants_fallback_links() and not (prev_url and next_url):
            prev_fb, next_fb = self.fallback_prev_next()
            prev_url, next_url = prev_url or prev_fb, next_url or next_fb
        return {"prev_url": prev_url, "next_url": next_url}

    def _wants_fallback_links(self) -> bool:
        profile = self.profile
        if not profile.fallback_links:
            return False
        if profile.fallback_links_on_domains or not profile.domains:
            return True
        return not profile.binds_host(host_of(self.url))

    def fallback_prev_next(self) -> tuple[str | None, str | None]:
        """``rel=prev/next`` links, then anchors labelled 이전/다음/Previous/Next/Older/Newer."""
        found: dict[str, str | None] = {
            "prev": self.first_link(("link[rel~='prev']::attr(href)", "link[rel~='previous']::attr(href)",
                                      "a[rel~='prev']", "a[rel~='previous']")),
            "next": self.first_link(("link[rel~='next']::attr(href)", "a[rel~='next']")),
        }
        if found["prev"] and found["next"]:
            return found["prev"], found["next"]
        own = canonicalize_url(self.url)
        for kind, link in self._labelled_links():
            if found.get(kind) is None and canonicalize_url(link) != own:
                found[kind] = link
            if found["prev"] and found["next"]:
                break
        return found["prev"], found["next"]

    def _labelled_links(self) -> list[tuple[str, str]]:
        """``(kind, url)`` of anchors labelled as previous/next, in page order.

        The label is the anchor's own text, ``aria-label``, ``title`` or image ``alt``
        (``◀ 이전글``, ``Older``), or what stands right before it: a short text ending in
        a label (``관련자료 이전 <a>``) or a sibling element that is one
        (``<span>이전글</span><a>``, ``<th>다음글</th><td><a>``). Anchors in the body, in
        page headers or paging, and links to a site's home page are not candidates.
        """
        out: list[tuple[str, str]] = []
        body = self.body_root
        # Whether an anchor's label scope holds any label hint, by scope: when none does,
        # neither its own text nor the text before it can label it, and the ~7 µs per
        # anchor of reading them is skipped (a board page has a couple of hundred
        # anchors, most under a few menu or sidebar lists).
        hinted: dict[Any, bool] = {}
        for anchor in self.root.iter("a"):
            href = anchor.get("href")
            if not href:
                continue
            scope = _label_scope(anchor)
            has_hint = hinted.get(scope)
            if has_hint is None:
                has_hint = hinted[scope] = bool(_LABEL_HINT_RE.search("".join(scope.itertext())))
            kind = _quick_label(anchor) if has_hint else None
            if kind is None:
                label = anchor.get("aria-label") or anchor.get("title")
                if not label:
                    for img in anchor.iter("img"):
                        label = img.get("alt")
                        break
                kind = label_kind(label) if label and len(label) <= 80 else None
            if kind is None and has_hint:
                kind = self._label_before(anchor)
            if kind is None:
                continue
            link = absolute_link(href, self.base_url)
            if not link or urlsplit(link).path in ("", "/") or self._in_chrome(anchor, body):
                continue
            out.append((kind, link))
        return out

    @staticmethod
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
                before = before.strip()[-_LABEL_MAX:]
                if not _LABEL_HINT_RE.search(before):
                    return None
                match = _TRAILING_LABEL_RE.search(" " + before)
                return label_kind(match.group(1)) if match else None
            if previous is not None:
                if previous.tag == "a":
                    return None
                text = "".join(previous.itertext())
                if len(text) > 3 * _LABEL_MAX or not _LABEL_HINT_RE.search(text):
                    return None
                return label_kind(text)
            if parent.tag in ("body", "html"):
                return None
            node = parent
        return None

    @staticmethod
    def _in_chrome(anchor: Any, body: Any | None) -> bool:
        for node in (anchor, *anchor.iterancestors()):
            if node is body:
                return True
            tag = node.tag
            if tag == "header":
                return True
            if tag in ("li", "div", "nav", "ul", "span", "p") and _in_pagination(node):
                return True
        return False

    def canonical_url(self) -> str:
        """``<link rel=canonical>`` when on the same site as the page, else the page's URL;
        canonicalized either way (:func:`crawler.urls.canonicalize_url`)."""
        href = _canonical_href(self.root)
        link = absolute_link(href, self.base_url) if href is not None else None
        if link and site_of(link) == site_of(self.url):
            return canonicalize_url(link)
        return canonicalize_url(self.url)

    # --- assembly -----------------------------------------------------------------

    def to_item(self) -> ArticleItem:
        """The item of this page; :class:`NoArticleError` when it has no article body."""
        listing = self.list_page_reason()
        if listing:
            raise NoArticleError(self.url, listing)
        body_text = self.body_text
        if not body_text:
            if self.body_element is not None:
                reason = f"the {self.profile.name} body is empty"
            else:
                reason = f"no article body found (profile {self.profile.name})"
            raise NoArticleError(self.url, reason, **self._links_anyway())
        prev_url, next_url = self.prev_next()
        fields: dict[str, Any] = {
            "title": self.title(),
            "published_at": self.published(),
            "author": self.author(),
            "source": self.source(),
            "images": self.images(),
            "prev_url": prev_url,
            "next_url": next_url,
        }
        hook = hooks.get(self.profile.hook)
        if hook is not None:
            hook(self, fields)
        if not fields["title"]:
            fields["title"] = self.fallback_title()
        if fields["title"] and is_board_chrome(fields["title"]):
            fields["title"] = None  # a board's section heading ("페이지 정보"), not a title
        if fields["published_at"] is None:
            fields["published_at"] = self.fallback_published()
        if not fields["author"]:
            fields["author"] = self.fallback_author()
        if not fields["source"]:
            fields["source"] = self.fallback_source() or self.site_from_title(fields["title"])
        if self._wants_fallback_links() and not (fields["prev_url"] and fields["next_url"]):
            prev_fb, next_fb = self.fallback_prev_next()
            fields["prev_url"] = fields["prev_url"] or prev_fb
            fields["next_url"] = fields["next_url"] or next_fb
        # A body without a title is still returned (title ""): validation refuses it with
        # its reason and keeps the raw fields in rejected_items instead of losing them.
        fields["title"] = fields["title"] or ""
        return ArticleItem(
            url=self.url,
            canonical_url=self.canonical_url(),
            profile=self.profile.name,
            title=fields["title"],
            body_text=body_text,
            published_at=to_iso(fields["published_at"]),
            author=fields["author"],
            source=fields["source"],
            images=fields["images"],
            prev_url=fields["prev_url"],
            next_url=fields["next_url"],
            content_hash=content_hash(body_text, normalized=True),
            fetched_at=self.fetched_at.isoformat() if self.fetched_at else None,
        )


# --- public entry points ----------------------------------------------------------------

_LIST_SKIP = frozenset({"nav", "header", "footer", "aside"})
_SECOND_LEVEL = frozenset(
    {"co", "or", "go", "ne", "re", "ac", "pe", "ms", "hs", "es", "sc", "kg", "mil", "com", "net",
     "org", "edu", "gov"}
)


def base_domain(url: str) -> str:
    """The registrable domain of ``url``'s host, roughly (``news.daum.net`` -> ``daum.net``,
    ``www.example.co.kr`` -> ``example.co.kr``)."""
    labels = host_of(url).split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _in_pagination(el: Any) -> bool:
    marks = _class_id(el)
    return bool(marks.strip()) and bool(_PAGINATION_RE.search(marks))


_PARSERS = threading.local()


def _parser() -> etree.HTMLParser:
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        # Plain lxml elements: lxml.html's Python-level element class lookup costs ~1 µs
        # per element touched, which extraction does not need.
        parser = etree.HTMLParser(encoding="utf-8", recover=True, huge_tree=True, default_doctype=False)
        _PARSERS.parser = parser
    return parser


def parse_html(text: str, url: str | None = None, *, utf8: bytes | None = None) -> Selector:
    """A parsel selector over decoded HTML (huge documents allowed; never fails).

    ``utf8``, when given, must be exactly ``text`` encoded as UTF-8 (the page as fetched,
    see :func:`~crawler.extract.encoding.decode_html_whole`): when stripping and NUL
    removal would leave it unchanged it is parsed as is, saving ~30 µs per 30 KiB page
    of re-encoding the text (the parser gets the same bytes either way).
    """
    if utf8 is not None and text and not text[0].isspace() and not text[-1].isspace() and b"\x00" not in utf8:
        body = utf8
    else:
        body = text.strip().replace("\x00", "").encode("utf-8")
    root = etree.fromstring(body, parser=_parser(), base_url=url) if body else None
    if root is None:
        root = etree.fromstring(b"<html/>", parser=_parser(), base_url=url)
    return Selector(root=root, type="html")


def _as_selector(html_or_selector: Any) -> Selector:
    if isinstance(html_or_selector, Selector):
        return html_or_selector
    if isinstance(html_or_selector, bytes):
        return parse_html(decode_html(html_or_selector)[0])
    if isinstance(html_or_selector, str):
        return parse_html(html_or_selector)
    if isinstance(html_or_selector, etree._Element):
        return Selector(root=html_or_selector, type="html")
    raise TypeError(f"expected HTML text, bytes or a parsel Selector, not {type(html_or_selector).__name__}")


def match_profile(url: str, html_or_selector: Any = None, *, profiles_dir: str | None = None) -> str:
    """The name of the profile for a page: domain rules first, then markup, else ``generic``."""
    selector = _as_selector(html_or_selector) if html_or_selector is not None else None
    text = html_or_selector if isinstance(html_or_selector, str) else None
    return load(profiles_dir or None).match(url, selector, text).name


def _resolve_profile(
    registry: Registry, url: str, selector: Selector, profile: str | None, text: str | Source | None = None
) -> Profile:
    if profile:
        return registry.get(profile)
    return registry.match(url, selector, text)


def extract_article(
    body: bytes,
    url: str,
    *,
    headers: Mapping[str, str | bytes] | None = None,
    profile: str | None = None,
    fetched_at: datetime | None = None,
    encoding: str | None = None,
    profiles_dir: str | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> ArticleItem:
    """Extract the article of one page.

    ``body`` is the page as fetched, ``url`` where it was fetched from; ``headers``
    its HTTP headers (for the charset); ``profile`` a profile name to use instead of
    matching; ``fetched_at`` anchors dates without a year and relative dates (naive
    means UTC; default now); ``encoding`` overrides the header's charset;
    ``profiles_dir`` adds profiles from a directory (the ``CRAWLER_PROFILES_DIR``
    setting); ``default_timezone`` reads dates of profiles that name no zone.
    Raises :class:`NoArticleError` when the page has no article body, ``KeyError`` for
    an unknown profile name.
    """
    text, codec, whole = decode_html_whole(body, headers, encoding)
    return _extract(
        text, url, utf8=body if whole and codec == "utf-8" else None, profile=profile,
        fetched_at=fetched_at, profiles_dir=profiles_dir, default_timezone=default_timezone,
    )


def extract_article_text(
    text: str,
    url: str,
    *,
    profile: str | None = None,
    fetched_at: datetime | None = None,
    profiles_dir: str | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> ArticleItem:
    """:func:`extract_article` for HTML already decoded to text."""
    return _extract(
        text, url, utf8=None, profile=profile, fetched_at=fetched_at, profiles_dir=profiles_dir,
        default_timezone=default_timezone,
    )


def _extract(
    text: str,
    url: str,
    *,
    utf8: bytes | None,
    profile: str | None,
    fetched_at: datetime | None,
    profiles_dir: str | None,
    default_timezone: str,
) -> ArticleItem:
    selector = parse_html(text, url, utf8=utf8)
    registry = load(profiles_dir or None)
    source = Source(text)
    chosen = _resolve_profile(registry, url, selector, profile, source)
    page = ArticlePage(
        selector, url, chosen, fetched_at=fetched_at, default_timezone=default_timezone, source=source
    )
    return page.to_item()


def extract_list_links(
    body: bytes,
    url: str,
    *,
    headers: Mapping[str, str | bytes] | None = None,
    profile: str | None = None,
    encoding: str | None = None,
    profiles_dir: str | None = None,
) -> list[str]:
    """Absolute article URLs of a list page, in page order, de-duplicated.

    The profile's ``list_links`` selectors first (gnuboard board lists, Daum section
    lists, WordPress archives); when they find nothing, anchors that read like
    article titles on the same site, outside navigation, headers and footers.
    """
    text, _ = decode_html(body, headers, encoding)
    selector = parse_html(text, url)
    registry = load(profiles_dir or None)
    chosen = _resolve_profile(registry, url, selector, profile, text)
    base = _base_href(selector.root)
    base_url = (absolute_link(base, url) or url) if base is not None else url
    own = canonicalize_url(url)
    links: dict[str, str] = {}

    def add(href: str | None) -> None:
        link = absolute_link(href, base_url)
        if link:
            key = canonicalize_url(link)
            if key != own and key not in links:
                links[key] = link

    for query in chosen.list_links:
        for node in select(selector.root, query, text):
            if isinstance(node, str):
                add(node)
            elif node.tag == "a":
                add(node.get("href"))
            else:
                for anchor in node.iter("a"):
                    add(anchor.get("href"))
                    break
        if links:
            return list(links.values())
    if chosen.name != GENERIC:
        generic = registry.get(GENERIC)
        for query in generic.list_links:
            for node in select(selector.root, query, text):
                add(node if isinstance(node, str) else node.get("href"))
            if links:
                return list(links.values())
    site = base_domain(url)
    for anchor in selector.root.iter("a"):
        href = anchor.get("href")
        link = absolute_link(href, base_url)
        if not link or base_domain(link) != site:
            continue
        if any(
            isinstance(a.tag, str)
            and (a.tag in _LIST_SKIP or _BOILERPLATE_RE.search(_class_id(a)) or _in_pagination(a))
            for a in anchor.iterancestors()
        ):
            continue
        label = text_of(anchor)
        if len(label) < 10 or label_kind(label):
            continue
        add(link)
    return list(links.values())


__all__ = [
    "ArticlePage",
    "NoArticleError",
    "extract_article",
    "extract_article_text",
    "extract_list_links",
    "largest_text_block",
    "match_profile",
    "press_of",
]
