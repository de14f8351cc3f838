"""What a previous/next link is called: the labels of ``labels.toml``, as matchers.

The labels are data (nine languages, and the class/id names themes give their post
navigation); this module only compiles them: whole-label and prefix matches of a link's
text, a cheap hint test that tells which texts can hold a label at all, the label that
ends the text right before a link (``관련자료 이전 <a>``), and class/id names: the
themes' names (``nav-previous``) and the bare words (``prev``, ``next``) read as a weaker
sign.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import NamedTuple

LABELS_FILE = Path(__file__).with_name("labels.toml")

_ARROWS = "<>«»‹›←→◀▶◁▷◂▸△▽▲▼∧∨↑↓⇐⇒|:·•-–—_[](){}\"'“”‘’"
_ARROW_STRIP = str.maketrans(dict.fromkeys(map(ord, _ARROWS), " "))
#: Longest text before a link that may still be a label.
LABEL_MAX = 24


def squash(text: str) -> str:
    """``text`` without arrows and punctuation, spaces collapsed, case folded."""
    return " ".join(text.translate(_ARROW_STRIP).split()).casefold()


class Labels(NamedTuple):
    """The compiled labels."""

    whole: dict[str, str]  # squashed label -> "prev" / "next"
    prefixes: tuple[tuple[str, str], ...]  # ("previous post ", "prev"), longest first
    hints: tuple[str, ...]  # pieces (lower case) one of which every label holds
    ascii_hints: tuple[str, ...]  # the hints an ASCII text may hold
    prefix_heads: tuple[str, ...]  # first words of the prefixes
    trailing: re.Pattern[str]  # a label ending a text
    names: dict[str, str]  # class/id word -> kind
    weak_names: dict[str, str]  # bare class/id word ("prev", "next") -> kind


@cache
def labels() -> Labels:
    """The labels of :data:`LABELS_FILE`, compiled once."""
    data = tomllib.loads(LABELS_FILE.read_text(encoding="utf-8"))
    whole: dict[str, str] = {}
    prefixes: dict[str, str] = {}
    names: dict[str, str] = {}
    weak: dict[str, str] = {}
    for lang, table in data.items():
        for kind in ("prev", "next"):
            if lang == "names":
                names.update((name.casefold(), kind) for name in table.get(kind, ()))
                weak.update((name.casefold(), kind) for name in table.get(f"weak_{kind}", ()))
                continue
            whole.update((squash(label), kind) for label in table.get(kind, ()))
            prefixes.update((squash(label) + " ", kind) for label in table.get(f"{kind}_prefixes", ()))
    pieces = {h.casefold() for table in data.values() for h in table.get("hints", ())}
    # A hint holding another ("前一" holds "前") is never the only one a text holds.
    hints = tuple(sorted(h for h in pieces if not any(o != h and o in h for o in pieces)))
    ordered = sorted(whole, key=len, reverse=True)
    trailing = re.compile(
        r"(?:^|[\s\]\)|:>»›▶▷<«‹◀◁])(" + "|".join(re.escape(w).replace(r"\ ", r"\s?") for w in ordered) + r")"
        r"\s*[:：>»›▶▷<«‹◀◁]*\s*$",
        re.I,
    )
    heads = tuple(sorted({p.split()[0] for p in prefixes}))
    return Labels(
        whole=whole,
        prefixes=tuple(sorted(prefixes.items(), key=lambda kv: -len(kv[0]))),
        hints=hints,
        ascii_hints=tuple(h for h in hints if h.isascii()),
        prefix_heads=heads,
        trailing=trailing,
        names=names,
        weak_names=weak,
    )


def label_kind(text: str | None) -> str | None:
    """``"prev"``, ``"next"`` or None for a link label (``< 이전``, ``다음글 ▶``, ``Older``,
    ``Article précédent``, ``上一篇``)."""
    if not text or len(text) > 400:
        return None
    label = squash(text)
    if not label:
        return None
    compiled = labels()
    kind = compiled.whole.get(label)
    if kind is not None:
        return kind
    # A prefix needs only the start: a label and a long title ("Previous post: ...").
    label = label[:80]
    for prefix, kind in compiled.prefixes:
        if label.startswith(prefix):
            return kind
    return None


def quick_label(text: str) -> str | None:
    """:func:`label_kind` of an anchor's own text, skipping long texts cheaply."""
    if len(text) > 200:
        return None
    if not has_hint(text):
        return None
    compiled = labels()
    if len(text) > 40:
        head = squash(" ".join(text.split()[:3]))
        if not head.startswith(compiled.prefix_heads):
            return None
    return label_kind(text)


def has_hint(text: str) -> bool:
    """Whether ``text`` holds a hint of any label (so may hold one).

    Substring tests of a few dozen hints on the lower-cased text: ~2 µs for a menu's
    text, where one regular expression of every label word took ~70 µs; an ASCII text is
    tested for the ASCII hints only."""
    low = text.lower()
    compiled = labels()
    return any(hint in low for hint in (compiled.ascii_hints if low.isascii() else compiled.hints))


def trailing_label(text: str) -> str | None:
    """The kind of the label that ends ``text`` (``관련자료 이전``, ``Next:``), or None."""
    text = text.strip()[-LABEL_MAX:]
    if not text or not has_hint(text):
        return None
    match = labels().trailing.search(" " + text)
    return label_kind(match.group(1)) if match else None


def name_kind(marks: str) -> str | None:
    """The kind named by an element's class/id words (``nav-previous``), or None."""
    return _word_kind(marks, labels().names)


def weak_name_kind(marks: str) -> str | None:
    """The kind named by a bare class/id word (``prev``, ``next``, ``previous``), or None:
    a weaker sign than :func:`name_kind`'s, read only on a link and its parent."""
    return _word_kind(marks, labels().weak_names)


def _word_kind(marks: str, names: dict[str, str]) -> str | None:
    if not marks:
        return None
    for word in marks.casefold().split():
        kind = names.get(word)
        if kind is not None:
            return kind
    return None
