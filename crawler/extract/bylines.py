"""Bylines to names: a credit as sites print it ("Von Max Muster und Eva Roth, 3. Mai",
"By Jane Doe | jane@example.com", "글쓴이 : 홍길동") read as the names it gives.

Labels, e-mail, handles, URLs, parentheses, dates, job titles and other people's credits
("Foto: ...") are dropped; several authors are kept. The words of every language it
knows are data, in ``bylines.toml``, with the markup hints :mod:`crawler.extract.author`
reads. A credit is cut to :data:`MAX_NAME_CHARS` before any expression sees it.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from crawler.text import normalize_line

#: Longest credit read as a name: anything longer is cut before any expression sees it.
MAX_NAME_CHARS = 200
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.I)
_PARENS_RE = re.compile(r"\([^()]{0,100}\)|\[[^\[\]]{0,100}\]")
_SEGMENTS_RE = re.compile(r"\s*(?:[|•·▪►»\n]|\s[-–—/]\s|[–—])\s*")
EDGE = ".,:;!?()[]{}\"'«»„“”‘’<>*·•|/-–—_："


@lru_cache(maxsize=1)
def words() -> Any:
    """``bylines.toml`` beside this module, read once: its word lists as case-folded sets,
    its markup hints as compiled expressions."""
    data = tomllib.loads(Path(__file__).with_name("bylines.toml").read_text(encoding="utf-8"))
    markup = data.pop("markup")

    def union(items: list[str]) -> str:
        return "|".join(re.escape(w) for w in sorted(items, key=len, reverse=True))

    # Anchored: the label leads the text, after at most dates or lead-ins ("06.11.2023 von").
    label_re = (rf"\s*+(?:(?:[\d.:/,|-]++|{union(data['lead_ins'])})\s++){{0,3}}+"
                rf"(?:(?:{union(data['prefixes'])})(?:\s+\w|\s*$)|(?:{union(data['labels'])})\s*[:：])")
    return SimpleNamespace(
        **{key: frozenset(w.casefold() for w in value) for key, value in data.items()},
        exclude_hints=tuple(markup["exclude_hints"]), not_containers=frozenset(markup["not_containers"]),
        class_re=re.compile(union(markup["class_hints"])), skip_re=re.compile(union(markup["class_skip"])),
        path_re=re.compile(union(markup["author_paths"]), re.I), label_re=re.compile(label_re, re.I),
    )


def fold(token: str) -> str:
    """``token`` case-folded, without the punctuation at its ends."""
    return token.strip(EDGE).casefold()


def label_end(tokens: list[str], w: Any) -> int:
    """Index of the first token after the leading label(s) ("Posted on May 2 by", "Autor:")."""
    start = 0
    for i, token in enumerate(tokens[:5]):  # "Text & Fotos: Eva Roth"
        if token.endswith(":") and 0 < i < len(tokens) - 1:
            keys = [fold(t) for t in tokens[: i + 1]]
            if any(k in w.labels for k in keys) and all(
                    not k or k in w.labels or k in w.not_author or k in w.joiners for k in keys):
                start = i + 1
            break
    for i in range(start, min(len(tokens) - 1, 10)):
        token, key = tokens[i], fold(tokens[i])
        before = all(fold(t) in w.lead_ins or not t[:1].isupper() for t in tokens[start:i])
        labelled = key in w.labels and (token.endswith(":") or tokens[i + 1] == ":" or (
            i == start and key not in w.colon_labels))
        if (key in w.prefixes and (key not in w.particle_labels or i == start or before)) or (
                before and (labelled or (key in w.lead_ins and token.endswith(":")))) or (token == ":" and i == start):
            start = i + 1
        elif token[:1].isupper() and key not in w.lead_ins and key not in w.prefixes and (
                start or (i and not any(fold(t) in w.prefixes for t in tokens[i:10]))):
            break
    return start


def _role(token: str, w: Any) -> bool:
    """A job title ("Redakteurin", "FOCUS-Online-Experte", "Projektleiterin")."""
    key = fold(token).rsplit("-", 1)[-1]
    return key in w.roles or (len(key) > 8 and any(key.endswith(r) for r in w.roles if len(r) > 5))


def name_like(name: list[str], w: Any) -> bool:
    """Two to five words, each capitalized or uncased (Hangul, CJK), or a particle."""
    core = [t for t in name if fold(t) not in w.particles]
    return 2 <= len(core) <= 5 and all(not t[:1].islower() for t in core)


def _segment_names(segment: str, w: Any, strict: bool) -> tuple[list[str], bool]:
    """The names of one byline segment, and whether they end cleanly (not mid-sentence)."""
    tokens = [t for t in segment.split()[:40] if not t.startswith("@")]
    if not tokens or fold(tokens[-1]) in w.prefixes or (tokens[-1][-1:] == ":" and fold(tokens[-1]) in w.labels):
        return [], True  # "Rezept von", "Autor:": the name is in the next segment
    start = label_end(tokens, w)
    rest = tokens[start:]
    if " ".join(rest).casefold() in w.generic:
        return [], True
    names: list[list[str]] = []
    current: list[str] = []
    clean = True
    for i, token in enumerate(rest):
        key, lower = fold(token), token[:1].islower()
        if not key or key in w.joiners:
            if key or token[:1] in ",;&+":
                names, current = [*names, current], []
                continue
            break
        if key in w.stops and (lower or current):  # "Max Muster am 3. Mai", not "Von Berlin aus fährt"
            clean = not (strict and rest[i + 1: i + 2] and rest[i + 1][:1].islower() and not names)
            break
        if key in w.not_author or (current and key in w.months and rest[i + 1: i + 2] and rest[i + 1][:1].isdigit()):
            break  # "Foto: ...", "Eva Roth Feb 8, 2020"
        if token.isdigit() or (any(c.isdigit() for c in token) and (
                current or names or (strict and not (start and token[:1].isalpha())))):
            break  # a date; but "Author: r2d2" is a login
        if strict and lower and key not in w.particles and (current or names):
            clean = any(names)  # "Eva Roth, Leiterin der ...": the role is dropped
            current = [] if clean else current
            break
        current.append(token.strip(EDGE.replace(".", "").replace("'", "")) or token)
        if token[-1:] in ",;":
            names, current = [*names, current], []
    out: list[str] = []
    for name in [*names, current]:
        while len(name) > 2 and _role(name[0], w):
            name.pop(0)
        while name and (fold(name[-1]) in w.particles | w.joiners or (len(name) > 2 and _role(name[-1], w))):
            name.pop()
        text = " ".join(name)
        if not name:
            continue
        if (len(text) > 60 or len(name) > 6 or text.casefold() in w.generic or not any(map(str.isalpha, text))
                or all(fold(t) in w.months or len(t.strip(".")) < 2 or fold(t) in w.lead_ins | w.prefixes
                       for t in name)):
            break  # a label, a date, initials alone
        if out and all(_role(t, w) for t in name):
            continue  # "Eva Roth, PhD, Max Muster, PhD"
        if out and not (name_like(name, w) and w.org_words.isdisjoint(map(fold, name))
                        and not any(_role(t, w) for t in name)):
            break  # "Eva Roth, AMP Project Marketing": a role, a place or a press after the name
        out.append(text)
    return out, clean


def names_in(value: str | None, *, strict: bool = False) -> list[str]:
    """The names a credit gives (``"Von Max Muster und Eva Roth, 3. Mai"`` gives two), without
    labels, e-mail, handles, URLs, dates, job titles and other people's credits.

    ``strict`` reads free text: a name ends at a lower-case word, and names followed by
    running text ("Von Berlin aus ...") are refused. Answers are kept for recent credits:
    a board's or a site's pages credit the same few people over and over."""
    if not value:
        return []
    return list(_names_in(value[:MAX_NAME_CHARS], strict))


@lru_cache(maxsize=4096)
def _names_in(text: str, strict: bool) -> tuple[str, ...]:
    return tuple(_read_names(text, strict))


def _read_names(value: str, strict: bool) -> list[str]:
    text = value.replace("：", ": ")
    if "@" in text:
        text = _EMAIL_RE.sub(" ", text)
    if "://" in text or "www." in text:
        text = _URL_RE.sub(" ", text)
    if "(" in text or "[" in text:
        text = _PARENS_RE.sub(" ", text).split("(", 1)[0]
    w = words()
    found: list[str] = []
    fallback: list[str] = []
    for segment in _SEGMENTS_RE.split(text):
        tokens = segment.split()
        if not tokens or fold(tokens[0]) in w.not_author:
            continue
        names, clean = _segment_names(segment, w, strict)
        if names and clean and (found or len(names) > 1 or name_like(names[0].split(), w)):
            found += names
        elif names and clean and not fallback:
            fallback = names
        if found and segment.rstrip()[-1:] not in ",;&" and fold(tokens[-1]) not in w.joiners:
            return found  # unless the list goes on on the next line ("Eva Roth,\nMax Muster")
    return found or fallback


def clean_person(value: str | None) -> str | None:
    """A credit's names joined by ", ", or None."""
    return joined(names_in(value))


def joined(names: list[str]) -> str | None:
    """``names`` joined by ", " (each once), or None."""
    return normalize_line(", ".join(dict.fromkeys(names))) or None if names else None


def name_words(names: list[str]) -> frozenset[str]:
    """The case-folded words of ``names`` ("by", "and", "von", "und" left out): two credits
    with the same words name the same people."""
    return frozenset(re.findall(r"\w+", " ".join(names)[:MAX_NAME_CHARS].casefold())) - {"by", "and", "von", "und"}


def label_names(text: str, w: Any) -> list[str]:
    """Names after a label in a short text, with only dates and lead-ins before the label."""
    for segment in _SEGMENTS_RE.split(text[:MAX_NAME_CHARS].replace("：", ": ")):
        tokens = segment.split()
        start = label_end(tokens[:12], w)
        if 0 < start < len(tokens) and not tokens[start][:1].islower() and all(
                fold(t) in w.lead_ins or fold(t) in w.stops or not t[:1].isalpha() for t in tokens[: start - 1]):
            return names_in(segment, strict=True)
    return []


