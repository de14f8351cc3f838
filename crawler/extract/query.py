"""Profile selectors compiled for speed.

A selector is CSS (parsel's dialect: ``::text``, ``::attr(name)``) or XPath after
``xpath:``. Two things keep a 30 KiB page's selectors cheap (libxml2 spends about
0.3 µs per element on an attribute predicate, so a class or id test over a whole
page costs ~200 µs):

* a CSS branch that starts with ``#id`` is evaluated from ``id('...')`` (libxml2's
  id table: ~1 µs) when the query runs on the whole document;
* before evaluating, the ids, classes and quoted attribute values a query needs are
  looked up in the page's source text (a substring test, ~2 µs): a query whose every
  branch names something absent from the page is not evaluated at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cssselect import SelectorSyntaxError
from lxml import etree
from parsel.csstranslator import css2xpath

_ID_FIRST_RE = re.compile(r"^(?P<tag>[a-zA-Z][\w-]*)?#(?P<id>[\w-]+)(?P<rest>.*)$", re.S)
_CSS_TOKEN_RE = re.compile(r"#([\w-]+)|\.([A-Za-z_][\w-]*)")
_CSS_VALUE_RE = re.compile(r"""\[\s*[\w:-]+\s*[~|^$*]?=\s*(?:"([^"]+)"|'([^']+)'|([^\]\s'"]+))\s*\]""")
_CSS_BRACKETS_RE = re.compile(r"\[[^\]]*\]|::?[\w-]+\([^)]*\)|::?[\w-]+")
_XPATH_ID_RE = re.compile(r"""@id\s*=\s*['"]([^'"]+)['"]""")
_XPATH_CLASS_RE = re.compile(
    r"""@class\),\s*['"] ['"]\),\s*['"] ([\w-]+) ['"]|contains\(@class,\s*['"]([\w-]+)['"]\)"""
)


class QueryError(ValueError):
    """A selector that is neither valid CSS nor valid XPath."""


def split_branches(css: str) -> list[str]:
    """The comma-separated branches of a CSS selector (commas inside ``[]``/``()`` kept)."""
    branches, depth, start = [], 0, 0
    quote = ""
    for i, ch in enumerate(css):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "," and depth == 0:
            branches.append(css[start:i].strip())
            start = i + 1
    branches.append(css[start:].strip())
    return [b for b in branches if b]


#: A token a query needs: ``(WORD, name)`` for a class or id (the page must have that
#: class word or id), ``(TEXT, value)`` for an attribute value (the source must contain it).
Token = tuple[str, str]
WORD, TEXT = "word", "text"


def _css_tokens(branch: str) -> tuple[Token, ...]:
    tokens: list[Token] = []
    for match in _CSS_VALUE_RE.finditer(branch):
        value = match.group(1) or match.group(2) or match.group(3)
        if value:
            tokens.append((TEXT, value))
    plain = _CSS_BRACKETS_RE.sub(" ", branch)
    for match in _CSS_TOKEN_RE.finditer(plain):
        tokens.append((WORD, match.group(1) or match.group(2)))
    return tuple(tokens)


def _without_negations(expr: str) -> str:
    """``expr`` with every ``not(...)`` removed: what it names need not be on the page."""
    out, i = [], 0
    while True:
        j = expr.find("not(", i)
        if j < 0:
            out.append(expr[i:])
            return "".join(out)
        out.append(expr[i:j])
        depth, k = 0, j + 3
        while k < len(expr):
            if expr[k] == "(":
                depth += 1
            elif expr[k] == ")":
                depth -= 1
                if depth == 0:
                    break
            k += 1
        i = k + 1


def _first_step(expr: str) -> str:
    """The leading location step of ``expr`` with its predicates (``//*[...]`` of ``//*[...]//a``)."""
    depth = 0
    for i, ch in enumerate(expr):
        if ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
        elif ch == "/" and depth == 0 and i > 2 and expr[i - 1] not in "/(":
            return expr[:i]
    return expr


def _xpath_tokens(expr: str) -> tuple[Token, ...]:
    if "|" in expr:
        return ()  # a union: any branch may match; do not prefilter
    if " or " in expr:
        expr = _first_step(expr)  # alternatives later on; the first step still must match
        if " or " in expr:
            return ()
    expr = _without_negations(expr)
    ids = [(WORD, i) for i in _XPATH_ID_RE.findall(expr)]
    # a whole class word (the concat/normalize-space form) or part of one (contains)
    classes = [(WORD, a) if a else (TEXT, b) for a, b in _XPATH_CLASS_RE.findall(expr)]
    return tuple(ids + classes)


def _relative_css(rest: str) -> str | None:
    """XPath steps for what follows ``#id`` in a branch, from the id's element; None when
    the rest is not a plain descendant/child continuation."""
    if not rest:
        return ""
    stripped = rest.lstrip()
    if stripped.startswith(">"):
        inner, axis = stripped[1:].strip(), ""
    elif rest[0].isspace():
        inner, axis = stripped, "descendant::"
    else:
        return None  # "#x.cls", "#x::text", "#x[attr]": leave to the plain translation
    if not inner or inner[0] in "+~":
        return None
    xpath = css2xpath(inner)
    prefix = "descendant-or-self::"
    if not xpath.startswith(prefix) or " | " in xpath:
        return None
    return "/" + axis + xpath[len(prefix) :]


def _document_xpath(branch: str) -> str:
    match = _ID_FIRST_RE.match(branch)
    if match:
        rest = _relative_css(match.group("rest"))
        if rest is not None:
            tag = match.group("tag")
            start = f"id('{match.group('id')}')" + (f"[self::{tag.lower()}]" if tag else "")
            return start + rest
    return css2xpath(branch)


#: Pages at least this long answer class and id tests from their set of words; shorter
#: ones by substring tests (a 30 KiB board page: ~10 µs a test, against ~0.3 ms to
#: collect the words).
WORDS_FROM_CHARS = 80_000


class Source:
    """A page's HTML source with a memo of the tests made on it.

    A substring test costs ~10 µs on a 30 KiB page and 50-90 µs on the 100-200 KiB pages
    of news sites (inline scripts), and matching profiles asks a generic page about some
    25 ids and classes: given the parsed ``root``, class and id tests are answered from
    the set of the page's class words and ids (one walk of the tree, ~0.15 ms, made on
    the first such test) instead."""

    __slots__ = ("_root", "_seen", "_words", "text")

    def __init__(self, text: str, root: Any = None) -> None:
        self.text = text
        self._root = root
        self._words: set[str] | None = None
        self._seen: dict[str, bool] = {}

    def has(self, token: str) -> bool:
        """True when ``token`` occurs in the source."""
        found = self._seen.get(token)
        if found is None:
            found = self._seen[token] = token in self.text
        return found

    def has_word(self, word: str) -> bool:
        """True when some element may have the class word or id ``word``."""
        if self._root is None or len(self.text) < WORDS_FROM_CHARS:
            return self.has(word)
        words = self._words
        if words is None:
            words = self._words = set()
            for el in self._root.iter():
                for attr in ("class", "id"):
                    value = el.get(attr)
                    if value:
                        words.update(value.split())
        return word in words

    def needs_met(self, token: Token) -> bool:
        """Whether the source may hold what ``token`` names."""
        kind, value = token
        return self.has_word(value) if kind == WORD else self.has(value)


@dataclass(frozen=True)
class Query:
    """A compiled selector: ``document`` for a whole page, ``relative`` for any node."""

    source: str
    document: etree.XPath
    relative: etree.XPath
    #: For each branch, the tokens the page must hold for it to match; an empty tuple
    #: of branches, or a branch with no tokens, means "always try".
    needs: tuple[tuple[Token, ...], ...]

    def possible(self, text: str | Source | None) -> bool:
        """False when ``text`` (the page's source) shows that the query cannot match."""
        if text is None or not self.needs:
            return True
        if isinstance(text, str):
            return any(all(value in text for _, value in branch) for branch in self.needs)
        for branch in self.needs:
            for kind, value in branch:
                if not (text.has_word(value) if kind == WORD else text.has(value)):
                    break
            else:
                return True
        return False

    def __call__(self, node: Any, text: str | Source | None = None) -> list[Any]:
        """Elements or strings selected from ``node`` (an lxml element)."""
        if not self.possible(text):
            return []
        whole = node.getparent() is None
        result = (self.document if whole else self.relative)(node)
        return result if isinstance(result, list) else []


@lru_cache(maxsize=4096)
def compile_query(query: str) -> Query:
    """The :class:`Query` of a profile selector; :class:`QueryError` for a bad one."""
    try:
        if query.startswith("xpath:"):
            expr = query[6:]
            compiled = etree.XPath(expr, smart_strings=False)
            tokens = _xpath_tokens(expr)
            return Query(query, compiled, compiled, (tokens,) if tokens else ())
        branches = split_branches(query)
        relative = etree.XPath(css2xpath(query), smart_strings=False)
        document = etree.XPath(" | ".join(_document_xpath(b) for b in branches), smart_strings=False)
        needs = tuple(_css_tokens(b) for b in branches)
        if any(not branch for branch in needs):
            needs = ()
        return Query(query, document, relative, needs)
    except (etree.XPathSyntaxError, SelectorSyntaxError, ValueError) as exc:
        raise QueryError(f"bad selector {query!r}: {exc}") from exc


@lru_cache(maxsize=256)
def compile_union(queries: tuple[str, ...]) -> etree.XPath | None:
    """One XPath selecting, relative to any node, what any of ``queries`` selects."""
    if not queries:
        return None
    parts = [q[6:] if q.startswith("xpath:") else css2xpath(q) for q in queries]
    try:
        return etree.XPath(" | ".join(parts), smart_strings=False)
    except (etree.XPathSyntaxError, SelectorSyntaxError, ValueError) as exc:
        raise QueryError(f"bad selector among {list(queries)!r}: {exc}") from exc
