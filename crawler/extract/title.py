"""How the title is chosen: candidates from every source; the one sources agree on wins.

Candidates: the JSON-LD ``headline``, ``og:title``, ``twitter:title``, other title ``<meta>``
and ``<title>``, each with its *core* (the site's name cut off where a separator sets apart
a part naming the site: ``og:site_name``, the publisher, the host, the home link's text);
the headings (``h1``, ``itemprop=headline``, ``h2``) without a leading kicker child, those
that are the site's logo or sit in chrome (breadcrumbs, menus) set apart. Data: ``title.toml``.
Order: an ``h1`` (or an ``h2`` equal to one) confirmed by a metadata title, a breadcrumb's
confirmed (the metadata's words), a heading placed as the headline, metadata titles that
agree, the first one, any ``h1``, board chrome before the body (the seed's), ``<title>``.
:func:`refine_title` holds a profile's title to the same candidates.
"""

from __future__ import annotations

import html
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from lxml import etree

from crawler.extract.html import first_line, iter_text, text_of
from crawler.text import normalize_line

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

_DATA = tomllib.loads(Path(__file__).with_name("title.toml").read_text(encoding="utf-8"))
MAX_CHARS = 500  # every candidate is cut to this before any regex runs
_MAX_H1, _MAX_H2, _MAX_LINKS = 12, 8, 100  # headings kept; links read for the home link
_BOARD_HEADER_RE = re.compile(
    r"^\s*[\"“]?(?P<title>.{2,300}?)[\"”]?\s+(?:작성일|등록일|날짜)\s*:?\s*"
    r"(?P<date>\d{2,4}[.\-/]\d{1,2}(?:[.\-/]\d{1,2})?\.?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?)"
)
TITLE_SPLIT_RE = re.compile(r"\s+(?:\||-|–|—|::|>|<|:)\s+")
_SEPS, _CJK_SEPS = ("|".join(map(re.escape, sorted(_DATA[k], key=len, reverse=True)))
                    for k in ("separators", "cjk_separators"))
_SEP_RE, _LEADING_RE = re.compile(rf"\s+(?:{_SEPS})\s+"), re.compile(rf"\s*(?:{_SEPS})\s+")
_DANGLING_RE, _CJK_SEP_RE = re.compile(rf"(?:\s+(?:{_SEPS}))+$"), re.compile(rf"\s*(?:{_CJK_SEPS})\s*")
_CJK_RE, _PIPE_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"), re.compile(r"\s+[|｜]\s+")
_TAIL_RE = re.compile(r"\s*[(\[]([^()\[\]]{2,60})[)\]]$|:\s+([^:]{2,60})$")  # "Title (Site)", "Title: Site"
_ELLIPSIS_RE, _NOT_KEY_RE = re.compile(r"\s*(?:…|\.{2,})$"), re.compile(r"[\W_]+")
_WORD_SPLIT_RE = re.compile(r"[\s_\-]+")
_WAYBACK_RE = re.compile(r"https?://web\.archive\.org/web/\d+[a-z_]*/(https?://.+)")
_HEADLINES = ("h1.title", "h1.tit", ".article-title")  # headlines that are not an h1
_HEADLINE_PROPS = etree.XPath("//*[@itemprop='headline'][not(self::meta or self::h1)]")
_FOLD = str.maketrans("‘’‚‛′`´“”„‟«»″‹›‐‑‒–—−\xa0", "'''''''\"\"\"\"\"\"\"''------ ")
_TRANSLIT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "&": "and"})
_KICKER, _HIDDEN, _LOGO, _TITLE_WORDS = (tuple(_DATA[f"{k}_words"]) for k in ("kicker", "hidden", "logo", "title"))
_CHROME_TAGS, _CHROME_WORDS = frozenset(_DATA["chrome_tags"]), frozenset(_DATA["chrome_words"])
_SLD, _META_KEYS, _PUNCT = frozenset(_DATA["second_level"]), tuple(_DATA["meta_keys"]), " :|-–—·•/»«,."


@dataclass
class Head:
    """A heading: its text (kicker dropped), full text, leading child's text, and flags."""

    text: str
    full: str
    lead: str = ""
    logo: bool = False
    chrome: bool = False
    strong: bool = False  # placed as the article's headline
    kicker: bool = False  # <h1 class="strapline">: not the headline
    least: int = 2  # the weakest agreement with a metadata title that confirms it


@dataclass
class Candidates:
    """A page's site names (as written, as keys), metadata titles ``(layer, text, core)``
    best first, ``h1`` headings, ``h2`` elements (read on demand) and home-page links."""

    names: list[str]
    keys: set[str]
    homes: set[str]
    metas: list[tuple[str, str, str]] = field(default_factory=list)
    heads: list[Head] = field(default_factory=list)
    h2: list[Any] = field(default_factory=list)


def fold(text: str) -> str:
    """``text`` for loose comparison: quotes, dashes and no-break spaces unified, lower case."""
    return text.translate(_FOLD).lower()


def _key(text: str) -> str:
    """``text`` as a name key: lower case, umlauts spelled out, accents and punctuation gone."""
    text = text.casefold().translate(_TRANSLIT)
    return _NOT_KEY_RE.sub("", text if text.isascii() else unicodedata.normalize("NFKD", text))


def _clean(value: str | None) -> str:
    value = (value or "")[:MAX_CHARS]
    if "&" in value and ";" in value:
        value = html.unescape(value)
    return _DANGLING_RE.sub("", normalize_line(value)) if value else ""


def _words(el: Any) -> str:
    return f"{el.get('class') or ''} {el.get('id') or ''}".lower()


def board_header(page: ArticlePage) -> tuple[str, str] | None:
    """``(title, date)`` of board chrome printed as text before the body (the seed's form)."""
    match = _BOARD_HEADER_RE.match(first_line(page.root)[:400])
    return (match.group("title").strip(), match.group("date")) if match else None


def _site_names(page: ArticlePage) -> Candidates:
    metas = page.metas
    names = [page.metadata.publisher or "", metas.get("og:site_name", ""), metas.get("application-name", ""),
             metas.get("twitter:site", "").lstrip("@")]
    match = _WAYBACK_RE.match(page.url)  # an archived capture names the archived page's site
    host = urlsplit(match.group(1) if match else page.url).hostname or ""
    other = host[4:] if host.startswith("www.") else "www." + host
    roots = {f"{s}://{h}{end}" for s in ("http", "https") for h in (host, other) for end in ("", "/")}
    homes = roots | {page.url[: match.start(1)] + r for r in roots if match} | {"/", "./", f"//{host}/"}
    if not any(names):  # no name in the metadata: the text of the header's link home
        names += [text_of(a)[:80] or a.get("title") or "" for a in islice(page.root.iter("a"), _MAX_LINKS)
                  if a.get("href") in homes]
    names = [n for n in (normalize_line(n[:MAX_CHARS]) for n in names) if n]
    labels = host.removeprefix("www.").split(".")
    domain = labels[-3:] if len(labels) >= 3 and labels[-2] in _SLD and len(labels[-1]) == 2 else labels[-2:]
    keys = {_key(n) for n in names} | {_key(host), _key(".".join(domain)), _key(domain[0])}
    return Candidates(names, {k for k in keys if len(k) >= 2}, homes)


def _is_site(segment: str, keys: set[str]) -> bool:
    key = _key(segment)
    for name in keys if key else ():
        if key == name:
            return True
        if len(name) >= 4 and len(key) >= 4:
            if (key.startswith(name) or key.endswith(name)) and len(key) <= 2 * len(name) + 8:
                return True  # "AutoSprintCH", "Krimiblog-Archiv", "The Japan Times"
            if key in name and 3 * len(key) >= len(name):
                return True  # "Teufel Blog" of "Das Lautsprecher Teufel Blog"
    return False


def core(text: str, names: list[str], keys: set[str]) -> str:
    """``text`` without the site's name: a name holding a separator itself written whole at
    an end; else the segment naming the site (the title stands before it; after it when it
    leads, the last of a ``Site » Section » Title`` path; the first of ``Title | Section |
    Forum | Site``); else a trailing ``(Site)`` or ``: Site``; else ``text``."""
    text, low = _clean(text), fold(text)
    for name in names:
        if len(low) > len(name) + 3 and _SEP_RE.search(name):  # "AOC media - Analyse Opinion Critique"
            fname = fold(name)
            if low.endswith(fname) and _DANGLING_RE.search(head := text[: len(text) - len(fname)].rstrip()):
                return _DANGLING_RE.sub("", head)
            if low.startswith(fname) and (lead := _LEADING_RE.match(text, len(fname))):
                return text[lead.end():]
    seps = list((_CJK_SEP_RE if _CJK_RE.search(text) else _SEP_RE).finditer(text))
    if seps:
        bounds = [0, *(i for m in seps for i in m.span()), len(text)]
        segments = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
        marks = [m.group().strip() for m in seps]
        for i in range(len(segments) - 1, 0, -1):
            if _is_site(segments[i], keys):
                return segments[0] if i >= 2 and len(set(marks[:i])) == 1 else text[: seps[i - 1].start()]
        if _is_site(segments[0], keys):
            return segments[-1] if len(set(marks)) == 1 else text[seps[0].end():]
    tail = _TAIL_RE.search(text)
    if tail and tail.start() > 0 and _is_site(tail.group(1) or tail.group(2), keys):
        return text[: tail.start()]
    return text


def _hidden(el: Any) -> bool:
    return isinstance(el.tag, str) and (el.get("aria-hidden") == "true" or any(w in _words(el) for w in _HIDDEN))


def head_of(el: Any, c: Candidates, least: int = 2) -> Head:
    """A heading element as a :class:`Head`: a leading ``small``, a child named kicker,
    overline, label... or one before a screen-reader separator is not part of its text."""
    full = text_of(el)
    head, box = Head(full, full, least=least), el
    while len(box) == 1 and not (box.text or "").strip() and not (box[0].tail or "").strip():
        box = box[0]
    children = [child for child in box if isinstance(child.tag, str)]
    if children and not (box.text or "").strip():
        head.lead = lead if (lead := text_of(children[0])) != full else ""
        dropped = 0
        for child in children:
            after = child.getnext()
            if not (child.tag == "small" or _hidden(child) or any(w in _words(child) for w in _KICKER)
                    or (after is not None and not (child.tail or "").strip() and _hidden(after))):
                break
            dropped += 1
            if (child.tail or "").strip():
                break
        if dropped and (dropped < len(children) or (children[-1].tail or "").strip()):
            parts = [c.tail or "" if i < dropped else "".join(iter_text(c)) + (c.tail or "")
                     for i, c in enumerate(children)]
            head.text = normalize_line(" ".join(parts).replace("\n", " ")[:MAX_CHARS]).lstrip(_PUNCT) or full
    words = _words(el)
    head.kicker = any(w in words for w in _KICKER)
    head.strong = el.get("itemprop") == "headline" or any(w in words for w in _TITLE_WORDS)
    head.logo = any(w in words for w in _LOGO) or _key(full) in c.keys or any(
        a.get("href") in c.homes for a in el.iter("a"))
    for depth, anc in enumerate(el.iterancestors()):
        if depth >= 10 or anc.tag == "body":
            break
        words = _words(anc)
        head.strong = head.strong or (depth == 0 and any(w in words for w in _TITLE_WORDS))
        head.logo = head.logo or (depth < 4 and any(w in words for w in _LOGO))
        if anc.tag in ("article", "main"):
            head.strong = True
            break  # what encloses the article is layout, not the heading's place
        if anc.tag in _CHROME_TAGS or not _CHROME_WORDS.isdisjoint(_WORD_SPLIT_RE.split(words)):
            head.chrome = True
    return head


def gather(page: ArticlePage) -> Candidates:
    """The page's title candidates: one walk of the tree for its ``h1``/``h2`` elements.

    Read once per page and kept: :func:`~crawler.extract.article.to_item` reads them
    before the body is found, since finding it drops headers from the tree."""
    cached = page.memo.get("title")
    if cached is None:
        cached = page.memo["title"] = _gather(page)
    return cached


def _gather(page: ArticlePage) -> Candidates:
    c = _site_names(page)
    raw = [("json-ld", page.metadata.title)] if page.metadata.layers.get("title") == "json-ld" else []
    raw += [("meta", page.metas.get(key)) for key in _META_KEYS] + [("title-tag", page.page_title)]
    cores: dict[str, str] = {}
    for layer, value in raw:
        if text := _clean(value):
            c.metas.append((layer, text, cores.get(text) or cores.setdefault(text, core(text, c.names, c.keys))))
    h1: list[Any] = []
    for el in page.root.iter("h1", "h2"):
        (h1 if el.tag == "h1" else c.h2).append(el)
        if len(h1) >= _MAX_H1 and len(c.h2) >= _MAX_H2:
            break
    del h1[_MAX_H1:], c.h2[_MAX_H2:]
    source = page.html
    if source is not None and (source.has('itemprop="headline"') or source.has("itemprop='headline'")):
        h1 += _HEADLINE_PROPS(page.root)[:3]
    c.heads = [h for h in (head_of(el, c) for el in h1) if h.text]
    return c


def agree(head: Head, raw: str, cut: str) -> tuple[int, str] | None:
    """``(strength, title)`` when a heading and a metadata title (``raw``, its core ``cut``)
    confirm each other, else None."""
    text = head.text
    fh, fc = fold(text), fold(cut)
    if fh == fc or fh == fold(raw):
        return 4, text
    if len(fh) < 8 or len(fc) < 8:
        return None
    long_enough = len(fh) >= len(fc) / 2 or (head.strong and len(fh) >= 12 and " " in fh)
    cut_head = _ELLIPSIS_RE.sub("", fh)
    if cut_head != fh and len(cut_head) >= 8 and fc.startswith(cut_head) and not fc.startswith(fh):
        return 3, cut  # the heading is cut with an ellipsis
    if fc.endswith(fh) and not fc[len(fc) - len(fh) - 1].isalnum() and long_enough:
        return 3, text  # the metadata prefixes a kicker: "Chronik: <heading>"
    same = len(fh) == len(text)  # the folded text indexes the text
    if same and fh.endswith(fc) and _key(fh[: len(fh) - len(fc)]) == _key(head.lead) != "":
        return 3, text[len(text) - len(cut):]  # the heading prints its kicker in a child
    if same and fh.startswith(fc) and (_key(fc) == _key(head.lead) or _PIPE_RE.match(text, len(cut))):
        return 3, text[: len(cut)]  # the heading prints a subtitle or the site's name after it
    if fc.startswith(fh) and (long_enough or (fh.count(" ") >= 2 and _LEADING_RE.match(fc, len(fh)))):
        return 2, text  # the metadata adds a tail: "<heading>, Thailand", "<heading> - <dek>"
    return None


Metas = list[tuple[str, str, str]]


Rated = tuple[tuple[int, int, int, bool, int], str]


def _confirmed(heads: list[Head], metas: Metas, least: int = 0, chrome: bool = False, at: int = 0) -> Rated | None:
    """The heading best confirmed by metadata titles, rated (strongest agreement, most and
    best sources, placed as the headline, first) with its title; a breadcrumb's gives the
    metadata's words."""
    best: Rated | None = None
    for i, head in enumerate(heads, at):
        found = [(hit, rank) for rank, (_, raw, cut) in enumerate(metas)
                 if (hit := agree(head, raw, cut)) and hit[0] >= (least or head.least)]
        if found:
            (score, title), rank = max(found, key=lambda f: (f[0][0], -f[1]))
            rating = (score, len(found), -rank, head.strong, -i)
            if best is None or rating > best[0]:
                best = rating, metas[rank][2] if chrome else title
    return best


def _extend(title: str, metas: Metas) -> str:
    """``title`` completed by a metadata title when it is cut with an ellipsis."""
    cut = _ELLIPSIS_RE.sub("", title)
    if cut != title and len(cut) >= 8:
        for _, _, other in metas:
            folded, head = fold(other), fold(cut)
            # the metadata goes on where the title stops (not with the same ellipsis: then
            # the title's own "..." is followed by the site's chrome, "... > board | site")
            if (len(other) > len(cut) and folded.startswith(head) and not _ELLIPSIS_RE.search(other)
                    and not folded[len(head):].lstrip().startswith(("…", ".."))):
                return other
    return title


def _choose(page: ArticlePage, c: Candidates) -> tuple[str | None, str]:
    metas = c.metas
    heads = [h for h in c.heads if not (h.logo or h.chrome or h.kicker)]
    strong = next((h.text for h in heads if h.strong), None)
    best, h2 = _confirmed(heads, metas), []
    if metas and (best is None or best[0][0] < 3 or not strong):  # the h2 are read when they may count
        h2 = [h for h in (head_of(el, c, 4) for el in c.h2) if h.text and not (h.logo or h.chrome)]
        if (second := _confirmed(h2, metas, at=len(heads))) and (best is None or second[0] > best[0]):
            best = second  # an h2 equal to a metadata title
    crumbs = [h for h in c.heads if h.chrome and not h.logo]  # confirming metadata other than <title>
    best = best or _confirmed(crumbs, [m for m in metas if m[0] != "title-tag"], chrome=True) or (
        None if strong else _confirmed(h2, metas, 2))
    if best or strong:
        return best[1] if best else strong, "h1"
    for i, (layer, _, cut) in enumerate(metas):
        if any(fold(cut) == fold(other) for _, _, other in metas[i + 1:]):
            return _extend(cut, metas), layer
    if metas and metas[0][0] != "title-tag":
        return _extend(metas[0][2], metas), metas[0][0]
    if value := heads[0].text if heads else page.first_text(_HEADLINES):
        return value, "h1"
    if board := board_header(page):
        return board[0], "board-header"
    if metas:
        _, raw, cut = metas[-1]
        parts = [p for p in TITLE_SPLIT_RE.split(raw) if p] if cut == raw else [cut]
        return max(parts, key=len) if parts else raw, "title-tag"
    logo = next((h.text for h in c.heads if h.logo), None)
    return (logo, "h1") if logo else (page.first_text(("h2",)), "h2")


def fallback_title(page: ArticlePage) -> tuple[str | None, str]:
    """``(title, layer)``: the title from the layers every profile shares."""
    return _choose(page, gather(page))


def refine_title(page: ArticlePage, title: str | None, layer: str) -> tuple[str | None, str]:
    """A profile's title held to the page's candidates: its heading's kicker dropped, a cut
    "…" completed, the site's name cut off; a profile title that is only ``og:title`` is
    chosen again from every candidate. Titles of other layers are kept."""
    if layer != "profile" or not title or not (page.profile.reconcile or _ELLIPSIS_RE.search(title[-3:])):
        return title, layer  # a site's own profile, or a board's, knows its title element
    c, folded = gather(page), fold(title)
    if folded in (fold(_clean(page.metas.get("og:title"))), fold(_clean(page.metas.get("twitter:title")))) and (
        page.first_text(tuple(q for q in page.profile.title if "::attr(" not in q)) is None
    ):  # the profile's last resort, the metadata's title: chosen again among all
        chosen, how = _choose(page, c)
        return (chosen, how) if chosen else (title, layer)
    own = next((h for h in c.heads if fold(h.full) == folded), None)
    head = Head(own.text, title, own.lead, strong=True) if own else Head(title, title, strong=True)
    hits = [hit for _, raw, cut in c.metas if (hit := agree(head, raw, cut)) and hit[0] >= 3]
    refined = max(hits, key=lambda hit: hit[0])[1] if hits else _extend(head.text, c.metas)
    return core(refined, c.names, c.keys) or refined, layer
