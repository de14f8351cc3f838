"""The body of a page whose profile has no body selectors: two extractors reconciled,
teaser sections trimmed, the lead restored.

Candidates:

- **trafilatura** (``favor_precision``, comments excluded, ``fast``: its own fallbacks
  to readability and jusText are skipped, since ours is the fallback; tables kept, as
  ``cell | cell`` lines (recipes, fact boxes: +0.003 F1 on the dev set), except a page
  laid out in a table, whose post trafilatura prints as one cell: the largest block
  reads it instead);
- **the largest text block** (:func:`crawler.extract.body.largest_text_block`), which
  also gives the images and the credits lines of board posts.

trafilatura's text wins unless it holds less than a fifth of the largest block's
(it missed the article). Measured on the dev set's 488 pages (snippet F1): trafilatura
alone 0.927 in this mode, the largest block 0.834, reconciled 0.941; with the teaser
trim and the lead below, 0.95. Each line is then checked against ``teasers.toml``:
a short line that opens a "read also", related-links, comments or newsletter section
ends the body when it stands in its last part (and is dropped anywhere else); an ad
label is dropped. The page's description (``og:description``/``description``) is put
back in front when the page shows it as text and the body lacks it: news sites print
their lead above the body container, where extractors leave it out.
"""

from __future__ import annotations

import logging
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from trafilatura import bare_extraction

from crawler.extract.labels import squash
from crawler.text import normalize_line

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

logger = logging.getLogger(__name__)

TEASERS_FILE = Path(__file__).with_name("teasers.toml")
#: trafilatura's text is kept when it holds at least this share of the largest block's.
MIN_SHARE = 0.2
#: A profile's body (of a profile with ``reconcile``) gives way to trafilatura's
#: text when that holds at least this share of it. Measured on the dev set's 127 pages
#: whose body the ``wordpress`` profile (matched by markup) gave: its ``.entry-content``
#: 0.931 snippet F1 (share bars and related posts inside), reconciled 0.967.
PROFILE_SHARE = 0.3
#: A table cell longer than this, or a row of one cell longer than 80, is a layout table
#: (a board post in a ``<td>``), not data: trafilatura prints its paragraphs as one line.
MAX_TABLE_CELL = 300
#: A teaser line in the last part of the body (this share of its characters and on)
#: ends the body.
TAIL_FROM = 0.5
#: Longest line read as a teaser heading.
MAX_TEASER_LINE = 80
#: Where a longer teaser line's phrase must end, with a separator after it.
MAX_TEASER_HEAD = 40
_TEASER_HEAD_RE = re.compile(r"\W*([^:»>|→–—]{3,38}?)\s*[:»>|→–—]")


class Teasers(NamedTuple):
    """The compiled teaser phrases."""

    end: tuple[str, ...]  # squashed phrases that open an end section
    end_set: frozenset[str]
    line: frozenset[str]  # squashed labels dropped as whole lines
    heads: frozenset[str]  # the first two characters of every phrase and label


@cache
def teasers() -> Teasers:
    """The phrases of :data:`TEASERS_FILE`, compiled once."""
    data = tomllib.loads(TEASERS_FILE.read_text(encoding="utf-8"))
    end = {squash(p) for phrases in data.get("end", {}).values() for p in phrases}
    line = {squash(p) for phrases in data.get("line", {}).values() for p in phrases}
    heads = frozenset(p[:2] for p in end | line if p)
    return Teasers(
        end=tuple(sorted(p for p in end if p)), end_set=frozenset(end), line=frozenset(line), heads=heads
    )


def teaser_kind(line: str) -> str | None:
    """``"end"`` for a line that opens an end section, ``"line"`` for an ad label,
    ``"teaser"`` for a longer line that is one teaser (``À lire aussi » <a title>``),
    else None."""
    compiled = teasers()
    if squash(line[:12])[:2] not in compiled.heads:
        return None  # most lines: no phrase starts this way
    if len(line) > MAX_TEASER_LINE:
        # A teaser with its title: the phrase, a separator, the linked title.
        match = _TEASER_HEAD_RE.match(line[:MAX_TEASER_HEAD])
        if match and len(line) <= 3 * MAX_TEASER_LINE and squash(match.group(1)) in compiled.end_set:
            return "teaser"
        return None
    key = squash(line)
    if key in compiled.line:
        return "line"
    if key.startswith(compiled.end):
        for phrase in compiled.end:
            if key.startswith(phrase) and (len(key) == len(phrase) or not key[len(phrase)].isalnum()):
                return "end"
    return None


def trim_teasers(lines: list[str]) -> list[str]:
    """``lines`` without ad labels and teaser sections (see the module's docstring)."""
    total = sum(map(len, lines)) or 1
    kept: list[str] = []
    seen = 0
    for line in lines:
        kind = teaser_kind(line)
        if kind == "end" and seen >= TAIL_FROM * total and kept:
            break
        seen += len(line)
        if kind is None:
            kept.append(line)
    return kept


def trafilatura_lines(page: ArticlePage) -> list[str]:
    """The main text by trafilatura, as normalized lines (``[]`` when it finds none)."""
    tree = page.library_tree
    if tree is None:
        return []
    try:
        doc = bare_extraction(
            tree, url=page.url, with_metadata=False, include_comments=False, favor_precision=True,
            fast=True, include_tables=True,
        )
    except Exception as exc:  # a library's failure on a hostile page costs the candidate, not the page
        logger.debug("trafilatura failed on %s: %s", page.url, exc)
        return []
    text = getattr(doc, "text", None) if doc is not None else None
    if not text:
        return []
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            line = line[2:]  # trafilatura writes list items as "- item"; bodies hold them as they read
        elif line.startswith("| "):  # a table row: "| cell | cell |"
            cells = [cell for cell in (c.strip() for c in line.strip().strip("|").split(" | ")) if cell]
            if any(len(cell) > MAX_TABLE_CELL for cell in cells) or (len(cells) == 1 and len(cells[0]) > 80):
                return []  # a page laid out in a table: its text is not trafilatura's to give
            line = " | ".join(cells)
        line = normalize_line(line)
        if line:
            out.append(line)
    return out


def lead_line(page: ArticlePage, lines: list[str]) -> str | None:
    """The page's description when the page shows it as text and ``lines`` lack it."""
    description = page.metadata.description
    if not description or len(description) < 40:
        return None
    head = description[:60]
    if any(head in line for line in lines[:5]) or head[:40] in "\n".join(lines):
        return None
    if head not in page.visible_text:
        return None
    return description


def profile_lines(page: ArticlePage, lines: list[str]) -> tuple[list[str], str]:
    """``(lines, layer)``: the body the profile's selectors found, reconciled with
    trafilatura's when the profile asks for it, teaser sections trimmed."""
    layer = "profile"
    if page.profile.reconcile:
        theirs = trafilatura_lines(page)
        if theirs and sum(map(len, theirs)) >= PROFILE_SHARE * sum(map(len, lines)):
            lines, layer = theirs, "trafilatura"
    return trim_teasers(lines), layer


def main_lines(page: ArticlePage, ours: list[str]) -> tuple[list[str], str]:
    """``(lines, layer)``: the body of a page without profile body selectors, from the
    largest block's lines ``ours`` and trafilatura's."""
    theirs = trafilatura_lines(page)
    if theirs and sum(map(len, theirs)) >= MIN_SHARE * sum(map(len, ours)):
        lines, layer = theirs, "trafilatura"
    else:
        lines, layer = ours, "largest-block"
    lines = trim_teasers(lines)
    lead = lead_line(page, lines)
    if lead:
        lines = [lead, *lines]
    return lines, layer
