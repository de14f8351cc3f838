"""One article page (HTML bytes + URL) to one :class:`~crawler.items.ArticleItem`.

Pure: no Scrapy engine, no I/O. Each field is chosen in layers, first hit wins:

1. the site profile's selectors (:class:`~crawler.extract.page.ArticlePage`);
2. the profile's code hook (:mod:`crawler.extract.hooks`);
3. the layers every profile shares, one module per field: :mod:`~crawler.extract.title`,
   :mod:`~crawler.extract.published`, :mod:`~crawler.extract.author`,
   :mod:`~crawler.extract.press`, :mod:`~crawler.extract.links`; the body is
   :mod:`~crawler.extract.body`.

``item.provenance`` says which layer gave each field.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from parsel import Selector

from crawler.extract import hooks
from crawler.extract.author import fallback_author, profile_author
from crawler.extract.dates import DEFAULT_TIMEZONE, to_iso
from crawler.extract.encoding import decode_html_whole
from crawler.extract.html import absolute_link
from crawler.extract.images import images
from crawler.extract.links import fallback_prev_next, wants_fallback_links
from crawler.extract.listing import list_page_reason
from crawler.extract.page import ArticlePage
from crawler.extract.parse import as_selector, canonical_href, parse_html
from crawler.extract.press import fallback_source, profile_source, site_from_title
from crawler.extract.profiles import load, resolve
from crawler.extract.published import fallback_published
from crawler.extract.query import Source
from crawler.extract.title import fallback_title, refine_title
from crawler.extract.title import gather as gather_titles
from crawler.items import ArticleItem
from crawler.text import content_hash, is_board_chrome
from crawler.urls import canonicalize_url, site_of


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


def canonical_url(page: ArticlePage) -> str:
    """``<link rel=canonical>`` when on the same site as the page, else the page's URL;
    canonicalized either way (:func:`crawler.urls.canonicalize_url`)."""
    href = canonical_href(page.root)
    link = absolute_link(href, page.base_url) if href is not None else None
    if link and site_of(link) == site_of(page.url):
        return canonicalize_url(link)
    return canonicalize_url(page.url)


def _links_anyway(page: ArticlePage) -> dict[str, str | None]:
    prev_url, next_url = page.prev_next()
    if wants_fallback_links(page) and not (prev_url and next_url):
        prev_fb, next_fb = fallback_prev_next(page)
        prev_url, next_url = prev_url or prev_fb, next_url or next_fb
    return {"prev_url": prev_url, "next_url": next_url}


def to_item(page: ArticlePage) -> ArticleItem:
    """The item of ``page``; :class:`NoArticleError` when it has no article body."""
    title = page.title()
    if not title or page.profile.reconcile:
        gather_titles(page)  # before the body is found: finding it may drop headers from the tree
    listing = list_page_reason(page)
    if listing:
        raise NoArticleError(page.url, listing)
    body_text = page.body_text
    if not body_text:
        if page.body_element is not None:
            reason = f"the {page.profile.name} body is empty"
        else:
            reason = f"no article body found (profile {page.profile.name})"
        raise NoArticleError(page.url, reason, **_links_anyway(page))
    prev_url, next_url = page.prev_next()
    fields: dict[str, Any] = {
        "title": title,
        "published_at": page.published(),
        "author": profile_author(page),
        "source": profile_source(page),
        "images": images(page),
        "prev_url": prev_url,
        "next_url": next_url,
    }
    # images come from the profile's selectors and the body alike: they have no layer
    provenance = {name: "profile" for name, value in fields.items() if value and name != "images"}
    hook = hooks.get(page.profile.hook)
    if hook is not None:
        before = dict(fields)
        hook(page, fields)
        provenance.update(
            {name: "hook" for name, value in fields.items() if value and value != before[name] and name != "images"}
        )
    fields["title"], provenance["title"] = refine_title(page, fields["title"], provenance.get("title", "none"))
    if not fields["title"]:
        fields["title"], provenance["title"] = fallback_title(page)
    if fields["title"] and is_board_chrome(fields["title"]):
        fields["title"] = None  # a board's section heading ("페이지 정보"), not a title
    if fields["published_at"] is None:
        fields["published_at"], provenance["published_at"] = fallback_published(page)
    elif provenance.get("published_at") == "profile" and page.profile.reconcile:
        fields["published_at"], provenance["published_at"] = fallback_published(page, fields["published_at"])
    if not fields["author"]:
        fields["author"], provenance["author"] = fallback_author(page)
    if not fields["source"]:
        fields["source"], provenance["source"] = fallback_source(page)
        if not fields["source"]:
            fields["source"] = site_from_title(page, fields["title"])
            provenance["source"] = "title-tag" if fields["source"] else "none"
    if wants_fallback_links(page) and not (fields["prev_url"] and fields["next_url"]):
        prev_fb, next_fb = fallback_prev_next(page)
        for name, link in (("prev_url", prev_fb), ("next_url", next_fb)):
            if not fields[name] and link:
                fields[name] = link
                provenance[name] = "links"
    provenance["body_text"] = page.body_layer
    # A body without a title is still returned (title ""): validation refuses it with
    # its reason and keeps the raw fields in rejected_items instead of losing them.
    item = ArticleItem(
        url=page.url,
        canonical_url=canonical_url(page),
        profile=page.profile.name,
        title=fields["title"] or "",
        body_text=body_text,
        published_at=to_iso(fields["published_at"]),
        author=fields["author"],
        source=fields["source"],
        images=fields["images"],
        prev_url=fields["prev_url"],
        next_url=fields["next_url"],
        content_hash=content_hash(body_text, normalized=True),
        fetched_at=page.fetched_at.isoformat() if page.fetched_at else None,
        provenance=provenance,
    )
    return item


# --- public entry points ----------------------------------------------------------------


def match_profile(url: str, html_or_selector: Any = None, *, profiles_dir: str | None = None) -> str:
    """The name of the profile for a page: domain rules first, then markup, else ``generic``."""
    selector = as_selector(html_or_selector) if html_or_selector is not None else None
    text = html_or_selector if isinstance(html_or_selector, str) else None
    return load(profiles_dir or None).match(url, selector, text).name


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


def page_of(
    selector: Selector,
    url: str,
    *,
    text: str,
    profile: str | None = None,
    fetched_at: datetime | None = None,
    profiles_dir: str | None = None,
    default_timezone: str = DEFAULT_TIMEZONE,
) -> ArticlePage:
    """The page object of a parsed page, its profile matched (or named)."""
    registry = load(profiles_dir or None)
    source = Source(text, selector.root)
    chosen = resolve(registry, url, selector, profile, source)
    return ArticlePage(selector, url, chosen, fetched_at=fetched_at, default_timezone=default_timezone, source=source)


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
    page = page_of(
        selector, url, text=text, profile=profile, fetched_at=fetched_at, profiles_dir=profiles_dir,
        default_timezone=default_timezone,
    )
    return to_item(page)
