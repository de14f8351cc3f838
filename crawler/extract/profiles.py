"""Site profiles: where a page keeps its title, body, date, author, source, images and
previous/next links, as data.

A profile is a TOML file (``crawler/profiles/<name>.toml``, and any extra directory
the caller names, e.g. the ``CRAWLER_PROFILES_DIR`` setting); a file whose ``name``
is already known replaces the bundled profile of that name. Keys (all optional but
``name``)::

    name = "myboard"
    extends = "gnuboard"          # start from another profile's keys
    description = "..."
    priority = 10                 # order of the markup checks (higher first)
    timezone = "Asia/Seoul"       # zone of dates printed without one
    hook = "gnuboard"             # code hook (crawler.extract.hooks) for what data cannot say
    domains = ["example.com"]     # host (or parent domain) rules, checked first
    markers = ["#bo_v"]           # CSS: the page is this profile's when one matches
    list_markers = ["body.archive"]  # CSS: the page is a list page, not an article
    fallback_links = true         # look for rel/label prev/next links when selectors find none
    fallback_links_on_domains = true  # ... also on the profile's own domains
    prefer_body_credits = false   # reporter/press credited in the body win over author/source selectors
    reconcile = false             # the selectors are a CMS's, not one site's: the body they find
                                  # gives way to the reconciled main text (crawler.extract.maintext)
                                  # when it holds enough of it, and their date is checked like the
                                  # shared layers' (crawler.extract.published)

    [select]
    title = ["#bo_v_title .bo_v_tit"]   # first selector yielding text wins
    body = ["#bo_v_con"]
    paragraphs = []               # inside the body: one paragraph per element (else block walk)
    paragraph_br = "newline"      # <br> inside a paragraph: "newline" or "space"
    drop = [".ad"]                # inside the body: removed before reading text and images
    date = ["#bo_v_info .if_date"]
    author = [], source = []
    images = ["#bo_v_img img"]    # page-level image selectors, added before the body's images
    image_attrs = ["data-src", "src"]
    caption = ["figcaption"]      # inside an image's <figure>
    prev = [], next = []          # anchors (their href), or ``::attr(href)`` selectors
    list_links = ["#bo_list .bo_tit a"]
    list_pages = [".pagination strong + a"]  # on a list page: the link to the next list page,
                                  # followed as a list page, up to the walk's max pages

Selectors are CSS (parsel: ``::text`` and ``::attr(name)`` allowed); a selector
starting with ``xpath:`` is XPath.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from parsel import Selector

from crawler.extract.query import QueryError, Source, compile_query, compile_union
from crawler.urls import host_of

#: The directory of the bundled profiles.
BUNDLED_DIR = Path(__file__).resolve().parent.parent / "profiles"
GENERIC = "generic"

_SELECT_KEYS = (
    "title", "body", "paragraphs", "drop", "date", "author", "source", "images",
    "image_attrs", "caption", "prev", "next", "list_links", "list_pages",
)
_DEFAULT_IMAGE_ATTRS = ("data-org-src", "data-original", "data-lazy-src", "data-src", "src")


class ProfileError(ValueError):
    """A profile file that cannot be read (names the file and the key)."""


@dataclass(frozen=True)
class Profile:
    """One site profile: selectors and rules, read from a TOML file."""

    name: str
    description: str = ""
    priority: int = 0
    timezone: str | None = None
    hook: str | None = None
    domains: tuple[str, ...] = ()
    markers: tuple[str, ...] = ()
    list_markers: tuple[str, ...] = ()
    fallback_links: bool = True
    fallback_links_on_domains: bool = True
    prefer_body_credits: bool = False
    reconcile: bool = False
    paragraph_br: str = "newline"
    title: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    paragraphs: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    images: tuple[str, ...] = ()
    image_attrs: tuple[str, ...] = _DEFAULT_IMAGE_ATTRS
    caption: tuple[str, ...] = ("figcaption",)
    prev: tuple[str, ...] = ()
    next: tuple[str, ...] = ()
    list_links: tuple[str, ...] = ()
    list_pages: tuple[str, ...] = ()
    path: str | None = field(default=None, compare=False)

    def binds_host(self, host: str) -> bool:
        """True when ``host`` is one of the profile's domains or below one."""
        return any(host == d or host.endswith("." + d) for d in self.domains)


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ProfileError(f"{where}: {key} must be a string or a list of strings, not {value!r}")


def profile_from_dict(data: dict[str, Any], where: str = "<profile>") -> Profile:
    """A :class:`Profile` from the keys of a profile file (``extends`` already merged)."""
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ProfileError(f"{where}: missing name")
    select = data.get("select", {})
    if not isinstance(select, dict):
        raise ProfileError(f"{where}: [select] must be a table")
    unknown = set(select) - set(_SELECT_KEYS) - {"paragraph_br"}
    if unknown:
        raise ProfileError(f"{where}: unknown [select] keys {sorted(unknown)}")
    kwargs: dict[str, Any] = {
        key: _strings(select[key], where, key) for key in _SELECT_KEYS if key in select
    }
    br = select.get("paragraph_br", "newline")
    if br not in ("newline", "space"):
        raise ProfileError(f"{where}: paragraph_br must be 'newline' or 'space', not {br!r}")
    domains = tuple(d.lower().lstrip(".") for d in _strings(data.get("domains", []), where, "domains"))
    return Profile(
        name=name,
        description=str(data.get("description", "")),
        priority=int(data.get("priority", 0)),
        timezone=data.get("timezone"),
        hook=data.get("hook"),
        domains=domains,
        markers=_strings(data.get("markers", []), where, "markers"),
        list_markers=_strings(data.get("list_markers", []), where, "list_markers"),
        fallback_links=bool(data.get("fallback_links", True)),
        fallback_links_on_domains=bool(data.get("fallback_links_on_domains", True)),
        prefer_body_credits=bool(data.get("prefer_body_credits", False)),
        reconcile=bool(data.get("reconcile", False)),
        paragraph_br=br,
        path=where,
        **kwargs,
    )


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **{k: v for k, v in over.items() if k != "select"}}
    merged["select"] = {**base.get("select", {}), **over.get("select", {})}
    merged.pop("extends", None)
    return merged


def _read_dir(directory: Path) -> dict[str, tuple[dict[str, Any], str]]:
    raw: dict[str, tuple[dict[str, Any], str]] = {}
    for path in sorted(directory.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ProfileError(f"{path}: {exc}") from exc
        name = data.get("name") or path.stem
        data["name"] = name
        raw[name] = (data, str(path))
    return raw


class Registry:
    """The known profiles, matched to pages by domain rules, then markup."""

    def __init__(self, profiles: Iterable[Profile]) -> None:
        self.profiles: dict[str, Profile] = {p.name: p for p in profiles}
        if GENERIC not in self.profiles:
            self.profiles[GENERIC] = Profile(name=GENERIC)
        self._ordered = sorted(self.profiles.values(), key=lambda p: (-p.priority, p.name))

    def names(self) -> list[str]:
        """Profile names, sorted."""
        return sorted(self.profiles)

    def get(self, name: str) -> Profile:
        """The profile called ``name``; ``KeyError`` naming the known ones otherwise."""
        try:
            return self.profiles[name]
        except KeyError:
            raise KeyError(f"unknown profile {name!r} (known: {', '.join(self.names())})") from None

    def match(self, url: str, page: Selector | Any | None, text: str | Source | None = None) -> Profile:
        """The profile of a page (a parsel Selector or lxml root; ``text`` its source, to
        skip markers it cannot contain): domain rules first, then markers, else ``generic``."""
        host = host_of(url)
        for profile in self._ordered:
            if profile.domains and profile.binds_host(host):
                return profile
        if page is not None:
            for profile in self._ordered:
                for marker in profile.markers:
                    if select(page, marker, text):
                        return profile
        return self.profiles[GENERIC]


def select(node: Any, query: str, text: str | Source | None = None) -> list[Any]:
    """What ``query`` selects from ``node`` (an lxml element or a parsel Selector):
    elements, or strings for ``::text`` / ``::attr()`` / XPath text and attributes.
    ``text``, the page's source, lets queries naming absent ids or classes be skipped."""
    root = node.root if isinstance(node, Selector) else node
    return compile_query(query)(root, text)


@lru_cache(maxsize=16)
def load(extra_dir: str | None = None) -> Registry:
    """The bundled profiles plus those of ``extra_dir`` (cached per directory)."""
    raw = _read_dir(BUNDLED_DIR)
    if extra_dir:
        directory = Path(extra_dir)
        if not directory.is_dir():
            raise ProfileError(f"profiles directory {extra_dir!r} does not exist")
        raw.update(_read_dir(directory))
    resolved: dict[str, dict[str, Any]] = {}

    def resolve(name: str, chain: tuple[str, ...] = ()) -> dict[str, Any]:
        if name in resolved:
            return resolved[name]
        if name in chain:
            raise ProfileError(f"profiles extend each other in a loop: {' -> '.join((*chain, name))}")
        if name not in raw:
            raise ProfileError(f"{chain[-1] if chain else name}: extends unknown profile {name!r}")
        data, _ = raw[name]
        parent = data.get("extends")
        result = _merge(resolve(parent, (*chain, name)), data) if parent else dict(data)
        resolved[name] = result
        return result

    loaded = [profile_from_dict(resolve(name), raw[name][1]) for name in raw]
    for profile in loaded:
        for key in _SELECT_KEYS:
            if key == "image_attrs":
                continue
            for query in getattr(profile, key):
                try:
                    compile_query(query)
                except QueryError as exc:
                    raise ProfileError(f"{profile.path}: [select] {key}: {exc}") from None
        for query in (*profile.markers, *profile.list_markers):
            try:
                compile_query(query)
            except QueryError as exc:
                raise ProfileError(f"{profile.path}: markers: {exc}") from None
        try:
            compile_union(profile.drop)
        except QueryError as exc:
            raise ProfileError(f"{profile.path}: [select] drop: {exc}") from None
    return Registry(loaded)


def resolve(
    registry: Registry, url: str, page: Selector | Any | None, name: str | None, text: str | Source | None = None
) -> Profile:
    """The profile called ``name`` when given, else the one :meth:`Registry.match` finds."""
    if name:
        return registry.get(name)
    return registry.match(url, page, text)


def names(extra_dir: str | None = None) -> list[str]:
    """Names of the known profiles (bundled, plus ``extra_dir``'s)."""
    return load(extra_dir).names()


def get(name: str, extra_dir: str | None = None) -> Profile:
    """The profile called ``name``."""
    return load(extra_dir).get(name)
