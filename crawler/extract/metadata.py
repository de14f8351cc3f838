"""Structured metadata: what a page says about itself in machine-readable form.

JSON-LD in every shape sites use (one object, arrays, ``@graph``; ``author`` given by
``@id`` reference to a ``Person`` elsewhere in the graph; ``NewsArticle``,
``BlogPosting``, ``Article`` and their kin first, ``WebPage`` last), and ``<meta>``
tags: OpenGraph and ``article:*``, Dublin Core, Parse.ly (``parsely-*`` and the
``parsely-page`` JSON), ``byl``, ``citation_*``, ``sailthru.*``.

Why not ``extruct``: measured on the 488 pages of the dev set, its JSON-LD reader
drops every object of a page when one of its scripts is not valid JSON (3 pages), and
its microdata and OpenGraph readers need an ``lxml.html`` tree (a second parse of each
page, about 1 ms) where extraction uses plain ``lxml.etree`` for speed; its RDFa reader
cost 25 ms per page. What this module reads of those syntaxes is a few dozen keys.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crawler.text import normalize_line

_JSON_LD = etree.XPath("//script[@type='application/ld+json']/text()", smart_strings=False)
_JSON_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: JSON-LD types of one article, best first.
ARTICLE_TYPES = (
    "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle", "reviewnewsarticle",
    "backgroundnewsarticle", "blogposting", "article", "socialmediaposting", "discussionforumposting",
    "techarticle", "scholarlyarticle", "liveblogposting", "posting", "report", "review", "recipe",
    "howto", "qapage",
)
_PAGE_TYPES = ("webpage", "itempage", "aboutpage", "medicalwebpage")
#: Longest JSON-LD script read (a page's own metadata is a few KiB).
MAX_JSON_LD = 1_000_000
#: Longest single value kept.
MAX_VALUE = 2000

#: ``<meta>`` keys (lower case), best first, by field.
META_TITLE = ("og:title", "twitter:title", "parsely-title", "dc.title", "dcterms.title", "citation_title",
              "sailthru.title", "title")
META_PUBLISHED = (
    "article:published_time", "og:article:published_time", "article:published", "published_time",
    "og:published_time", "datepublished", "parsely-pub-date", "sailthru.date", "citation_publication_date",
    "citation_date", "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created",
    "dc.date.created", "article.published", "pubdate", "publishdate", "publish-date", "publish_date",
    "date", "originalpublicationdate", "creation_date", "release_date", "og:updated_time",
)
META_MODIFIED = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")
META_AUTHOR = (
    "author", "article:author", "og:article:author", "byl", "parsely-author", "sailthru.author",
    "dc.creator", "dcterms.creator", "citation_author", "dable:author", "cxenseparse:author", "lead-author",
    "article:author_name", "twitter:data1",
)
META_SITE = ("og:site_name", "application-name", "publisher", "dc.publisher", "dcterms.publisher",
             "citation_publisher", "twitter:site")


@dataclass
class Metadata:
    """What the page's structured metadata says (each value a normalized string)."""

    title: str | None = None
    published: str | None = None
    modified: str | None = None
    authors: list[str] = field(default_factory=list)
    publisher: str | None = None
    description: str | None = None
    article_body: str | None = None
    #: The JSON-LD object the values came from (``{}`` when none).
    json_ld: dict[str, Any] = field(default_factory=dict)
    #: Which layer each value came from (``json-ld`` or ``meta``).
    layers: dict[str, str] = field(default_factory=dict)


def _objects(data: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > 20:
        return
    if isinstance(data, list):
        for item in data:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _objects(graph, depth + 1)
        main = data.get("mainEntity")
        if isinstance(main, (dict, list)):
            yield from _objects(main, depth + 1)


def types_of(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {str(k).lower().rsplit("/", 1)[-1] for k in kinds if k}


def json_ld_objects(root: Any) -> list[dict[str, Any]]:
    """Every JSON-LD object of the page (scripts that are not JSON are skipped, one by one)."""
    found: list[dict[str, Any]] = []
    for raw in _JSON_LD(root):
        if not raw or len(raw) > MAX_JSON_LD:
            continue
        text = _JSON_CONTROL.sub(" ", raw).strip()
        if text.startswith("<!--"):
            text = text[4:].rsplit("-->", 1)[0]
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        found.extend(_objects(data))
    return found


def article_object(objects: list[dict[str, Any]]) -> dict[str, Any]:
    """The object describing the article: the best-ranked article type, else a web page
    with a headline, else ``{}``."""
    best: tuple[int, dict[str, Any]] | None = None
    for obj in objects:
        kinds = types_of(obj)
        for rank, kind in enumerate(ARTICLE_TYPES):
            if kind in kinds and (best is None or rank < best[0]):
                best = (rank, obj)
                break
    if best is not None:
        return best[1]
    for obj in objects:
        if types_of(obj) & set(_PAGE_TYPES) and (obj.get("headline") or obj.get("datePublished")):
            return obj
    return {}


def _clean(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = normalize_line(value[:MAX_VALUE])
    return value or None


def names_of(value: Any, index: dict[str, dict[str, Any]], depth: int = 0) -> list[str]:
    """Names in a JSON-LD person/organization value: a string, ``{name}``, an ``@id``
    reference resolved through ``index``, or a list of those."""
    if depth > 5 or value is None:
        return []
    if isinstance(value, str):
        if value.startswith(("http://", "https://", "/")) and value in index:
            return names_of(index[value], index, depth + 1)
        name = _clean(value)
        return [name] if name and "://" not in name else []
    if isinstance(value, list):
        out: list[str] = []
        for item in value[:20]:
            out.extend(names_of(item, index, depth + 1))
        return list(dict.fromkeys(out))
    if isinstance(value, dict):
        name = value.get("name")
        if name is None and isinstance(value.get("@id"), str) and value["@id"] in index:
            target = index[value["@id"]]
            if target is not value:
                return names_of(target, index, depth + 1)
        if isinstance(name, (str, list)):
            return names_of(name, index, depth + 1) if isinstance(name, list) else [n for n in [_clean(name)] if n]
        given, family = _clean(value.get("givenName")), _clean(value.get("familyName"))
        if given or family:
            return [" ".join(p for p in (given, family) if p)]
    return []


def _first_date(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return _clean(value)


def _parsely(metas: dict[str, str]) -> dict[str, Any]:
    raw = metas.get("parsely-page")
    if not raw or len(raw) > 20_000:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def read_metadata(root: Any, metas: dict[str, str]) -> Metadata:
    """The page's structured metadata from its JSON-LD scripts and ``metas`` (the
    ``<meta>`` contents by lower-cased key)."""
    objects = json_ld_objects(root)
    index = {obj["@id"]: obj for obj in objects if isinstance(obj.get("@id"), str)}
    article = article_object(objects)
    meta = Metadata(json_ld=article)
    layers = meta.layers

    def take(name: str, value: str | None, layer: str) -> None:
        if value and getattr(meta, name) is None:
            setattr(meta, name, value)
            layers[name] = layer

    if article:
        take("title", _clean(article.get("headline")) or _clean(article.get("name")), "json-ld")
        take("published", _first_date(article.get("datePublished")) or _first_date(article.get("dateCreated")),
             "json-ld")
        take("modified", _first_date(article.get("dateModified")), "json-ld")
        authors = names_of(article.get("author"), index) or names_of(article.get("creator"), index)
        if authors:
            meta.authors = authors
            layers["authors"] = "json-ld"
        publisher = names_of(article.get("publisher"), index) or names_of(article.get("sourceOrganization"), index)
        take("publisher", publisher[0] if publisher else None, "json-ld")
        take("description", _clean(article.get("description")), "json-ld")
        body = article.get("articleBody")
        if isinstance(body, str) and body.strip():
            meta.article_body = body[:1_000_000]
    parsely = _parsely(metas)

    def meta_value(keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = _clean(metas.get(key))
            if value:
                return value
        return None

    take("title", meta_value(META_TITLE) or _clean(parsely.get("title")), "meta")
    take("published", meta_value(META_PUBLISHED) or _clean(parsely.get("pub_date")), "meta")
    take("modified", meta_value(META_MODIFIED), "meta")
    take("publisher", meta_value(META_SITE), "meta")
    take("description", meta_value(("og:description", "description", "twitter:description")), "meta")
    if not meta.authors:
        for key in META_AUTHOR:
            value = _clean(metas.get(key))
            if value and "://" not in value and not value.startswith("@"):
                if key == "twitter:data1" and metas.get("twitter:label1", "").lower() not in ("written by", "author"):
                    continue
                meta.authors = [value]
                layers["authors"] = "meta"
                break
        if not meta.authors:
            names = parsely.get("author") or parsely.get("authors")
            found = names_of(names, {})
            if found:
                meta.authors = found
                layers["authors"] = "meta"
    return meta
