"""Article or list: whether a page is a list of articles rather than one, the article
links of a list page, and the links to its next list pages (pagination)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urldefrag

from crawler.extract.body import BOILERPLATE_RE, class_id
from crawler.extract.encoding import decode_html
from crawler.extract.html import absolute_link, text_of
from crawler.extract.labels import label_kind
from crawler.extract.links import in_pagination
from crawler.extract.metadata import ARTICLE_TYPES, types_of
from crawler.extract.parse import base_href, parse_html
from crawler.extract.profiles import GENERIC, Profile, Registry, load, resolve, select
from crawler.urls import canonicalize_url, host_of

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

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


#: Main text (characters) that makes a page an article whatever links it lists.
ARTICLE_TEXT = 1000
#: Main text that makes a page an article when its metadata says it is one.
ARTICLE_TEXT_WITH_METADATA = 200


def says_article(page: ArticlePage) -> bool:
    """Whether the page's metadata calls it an article (JSON-LD article type,
    ``og:type=article``, ``article:published_time``)."""
    metadata = page.metadata
    if metadata.json_ld and types_of(metadata.json_ld) & set(ARTICLE_TYPES):
        return True
    metas = page.metas
    return (metas.get("og:type") or "").strip().lower() == "article" or bool(metas.get("article:published_time"))


def reads_as_article(page: ArticlePage) -> bool:
    """Whether the page holds an article's text, sidebars full of links or not: a long
    main text, or a shorter one on a page whose metadata calls it an article.

    Measured on the dev set: the rule "no body selector matched and three list links"
    alone refused 23 of its 488 article pages (a WordPress theme's related posts and
    sidebars); each of them has 1,800 characters of main text or more, or article
    metadata, while the board and archive list pages of the fixtures hold under 200."""
    size = len(page.body_text)
    return size >= ARTICLE_TEXT or (size >= ARTICLE_TEXT_WITH_METADATA and says_article(page))


def list_page_reason(page: ArticlePage) -> str | None:
    """Why the page is a list of articles rather than one (None when it is not):
    one of the profile's ``list_markers`` matches, or its body selectors find
    nothing while its ``list_links`` selectors find three links or more and the page
    does not read as an article (:func:`reads_as_article`)."""
    profile = page.profile
    for marker in profile.list_markers:
        if select(page.root, marker, page.html):
            shown = marker if len(marker) <= 60 else marker[:57] + "..."
            return f"a list page (it matches {shown!r} of the {profile.name} profile)"
    if profile.name == GENERIC or not profile.body or page.body_element is not None:
        return None
    for query in profile.list_links:
        links = {page.link_of(node) for node in select(page.root, query, page.html)} - {None}
        if len(links) >= 3 and not reads_as_article(page):
            return f"a list page ({len(links)} article links, no {profile.name} article body)"
    return None


class ListPage(NamedTuple):
    """What a list page leads to: article URLs, and the URLs of its next list pages."""

    links: list[str]
    pages: list[str]


def extract_list(
    body: bytes,
    url: str,
    *,
    headers: Mapping[str, str | bytes] | None = None,
    profile: str | None = None,
    encoding: str | None = None,
    profiles_dir: str | None = None,
) -> ListPage:
    """The article links (:func:`extract_list_links`) and the next list pages
    (:func:`extract_list_pages`) of a list page, parsed once."""
    text, _ = decode_html(body, headers, encoding)
    selector = parse_html(text, url)
    registry = load(profiles_dir or None)
    chosen = resolve(registry, url, selector, profile, text)
    base = base_href(selector.root)
    base_url = (absolute_link(base, url) or url) if base is not None else url
    return ListPage(
        _article_links(selector.root, text, url, base_url, chosen, registry),
        _next_pages(selector.root, text, url, base_url, chosen, registry),
    )


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
    return extract_list(
        body, url, headers=headers, profile=profile, encoding=encoding, profiles_dir=profiles_dir
    ).links


def extract_list_pages(
    body: bytes,
    url: str,
    *,
    headers: Mapping[str, str | bytes] | None = None,
    profile: str | None = None,
    encoding: str | None = None,
    profiles_dir: str | None = None,
) -> list[str]:
    """Absolute URLs of the next list pages of a list page (the board list's ``?page=2``),
    in page order, de-duplicated, the page itself left out: what the first of the
    profile's ``list_pages`` selectors that finds any link finds, or, when the profile
    names none, the shared pagers' (``rel=next``, WordPress, Bootstrap, Blogger) of the
    ``generic`` profile (a crawl follows them as list pages, up to its max pages)."""
    return extract_list(
        body, url, headers=headers, profile=profile, encoding=encoding, profiles_dir=profiles_dir
    ).pages


def _collector(url: str, base_url: str) -> tuple[dict[str, str], Callable[[str | None], None]]:
    """An ordered, canonically de-duplicated link set without ``url`` itself, and its adder."""
    own = canonicalize_url(url)
    links: dict[str, str] = {}

    def add(href: str | None) -> None:
        link = absolute_link(href, base_url)
        if link:
            key = canonicalize_url(link)
            if key != own and key not in links:
                links[key] = link

    return links, add


def _add_hrefs(nodes: Iterable[Any], add: Callable[[str | None], None]) -> None:
    """Add the link of each node: an ``href`` string, an anchor, or the first anchor inside."""
    for node in nodes:
        if isinstance(node, str):
            add(node)
        elif node.tag == "a":
            add(node.get("href"))
        else:
            for anchor in node.iter("a"):
                add(anchor.get("href"))
                break


def _next_pages(root: Any, text: str, url: str, base_url: str, chosen: Profile, registry: Registry) -> list[str]:
    # Compared whole (only the fragment dropped): the canonical form of a URL drops its
    # page parameter, which is all that tells one list page from the next.
    own = urldefrag(url).url
    links: dict[str, str] = {}

    def add(href: str | None) -> None:
        link = absolute_link(href, base_url)
        if link:
            key = urldefrag(link).url
            if key != own:
                links.setdefault(key, link)

    # The profile's own pager first; else the shared one (rel=next, the usual CMS pagers).
    queries = chosen.list_pages or (registry.get(GENERIC).list_pages if chosen.name != GENERIC else ())
    for query in queries:
        _add_hrefs(select(root, query, text), add)
        if links:
            break
    return list(links.values())


def _article_links(
    root: Any, text: str, url: str, base_url: str, chosen: Profile, registry: Registry
) -> list[str]:
    links, add = _collector(url, base_url)
    for query in chosen.list_links:
        _add_hrefs(select(root, query, text), add)
        if links:
            return list(links.values())
    if chosen.name != GENERIC:
        generic = registry.get(GENERIC)
        for query in generic.list_links:
            for node in select(root, query, text):
                add(node if isinstance(node, str) else node.get("href"))
            if links:
                return list(links.values())
    site = base_domain(url)
    for anchor in root.iter("a"):
        href = anchor.get("href")
        link = absolute_link(href, base_url)
        if not link or base_domain(link) != site:
            continue
        if any(
            isinstance(a.tag, str)
            and (a.tag in _LIST_SKIP or BOILERPLATE_RE.search(class_id(a)) or in_pagination(a))
            for a in anchor.iterancestors()
        ):
            continue
        label = text_of(anchor)
        if len(label) < 10 or label_kind(label):
            continue
        add(link)
    return list(links.values())
