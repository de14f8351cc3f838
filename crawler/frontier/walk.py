"""The rules of a chain walk shared by the spider, seeds and recovery: which links to
follow, in which direction, at which priority, and the requests that carry them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scrapy import Request

from crawler.frontier.keys import (
    DIRECTIONS,
    META_DIRECTION,
    META_IS_SEED,
    META_MAX_PAGES,
    META_PAGES,
    META_PROFILE,
    META_SEED,
)
from crawler.urls import is_http_url, site_of

#: Request meta key marking a list page reached by a list's pagination (its next list
#: page): the spider reads it as a list (article links, next list pages) though it is no
#: seed. On such a request ``META_PAGES`` counts the list pages before it.
META_LIST_PAGE = "chain_list_page"


@dataclass(frozen=True)
class WalkPolicy:
    """Priorities and defaults of a walk (from the ``CRAWLER_*`` settings).

    :param seed_priority: priority of seeds and forced chain ends (higher first).
    :param next_bonus: priority added to links followed in the ``next`` direction.
    :param direction: default direction from a seed: ``prev``, ``next`` or ``both``.
    :param max_pages: default most articles per walk direction from a seed (0: no limit).
    """

    seed_priority: int = 100
    next_bonus: int = 1
    direction: str = "both"
    max_pages: int = 0

    def __post_init__(self) -> None:
        check_direction(self.direction)


def check_direction(direction: str) -> str:
    """``direction`` if it is ``prev``, ``next`` or ``both``, else ValueError naming it."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
    return direction


def same_site(url: str, other: str) -> bool:
    """True when ``url`` is an http(s) URL on the site of ``other`` (``www.`` ignored)."""
    return is_http_url(url) and site_of(url) == site_of(other)


def seed_meta(
    seed: str,
    *,
    direction: str,
    max_pages: int = 0,
    profile: str | None = None,
    pages: int = 0,
    is_seed: bool = True,
) -> dict[str, Any]:
    """The meta of a walk start: a seed (``is_seed``) or a forced chain end / link."""
    meta: dict[str, Any] = {
        META_SEED: seed,
        META_DIRECTION: check_direction(direction),
        META_PAGES: pages,
    }
    if max_pages:
        meta[META_MAX_PAGES] = max_pages
    if profile:
        meta[META_PROFILE] = profile
    if is_seed:
        meta[META_IS_SEED] = True
    return meta


def seed_request(
    url: str,
    policy: WalkPolicy,
    *,
    direction: str | None = None,
    max_pages: int | None = None,
    profile: str | None = None,
) -> Request:
    """The request of a seed: highest priority, never filtered as seen."""
    meta = seed_meta(
        url,
        direction=direction or policy.direction,
        max_pages=policy.max_pages if max_pages is None else max_pages,
        profile=profile,
    )
    return Request(url, meta=meta, priority=policy.seed_priority, dont_filter=True)


def start_request(
    url: str,
    seed: str,
    policy: WalkPolicy,
    *,
    direction: str,
    max_pages: int = 0,
    profile: str | None = None,
    priority: int | None = None,
    force: bool = False,
) -> Request:
    """The request of a walk start that is not the seed itself: an article listed on a
    seed list page, a known chain end, or a link recovered from PostgreSQL."""
    meta = seed_meta(
        seed, direction=direction, max_pages=max_pages, profile=profile, is_seed=False
    )
    if priority is None:
        priority = policy.seed_priority - 1
    return Request(url, meta=meta, priority=priority, dont_filter=force)


def follow_requests(
    meta: dict[str, Any],
    page_url: str,
    prev_url: str | None,
    next_url: str | None,
    policy: WalkPolicy,
) -> list[Request]:
    """The requests that continue a walk from an article at ``page_url`` reached with
    ``meta``: its prev and/or next link as the walk's direction says, on the page's
    site only (an off-site link ends the walk), while the walk has pages left. Cycles
    and links back to seen pages end in the seen set."""
    direction = meta.get(META_DIRECTION) or policy.direction
    pages = int(meta.get(META_PAGES, 0)) + 1  # articles walked so far, this one included
    max_pages = int(meta.get(META_MAX_PAGES, 0) or 0)
    if max_pages and pages >= max_pages:
        return []
    seed = meta.get(META_SEED) or page_url
    out: list[Request] = []
    for side, link in (("next", next_url), ("prev", prev_url)):
        if not link or direction not in (side, "both"):
            continue
        if not same_site(link, page_url) or link == page_url:
            continue
        child = _child_meta(meta, seed, side, pages, max_pages)
        priority = policy.next_bonus if side == "next" else 0
        out.append(Request(link, meta=child, priority=priority))
    return out


def _child_meta(meta: dict[str, Any], seed: str, direction: str, pages: int, max_pages: int) -> dict[str, Any]:
    """The meta of a request one step further on a walk: its seed, direction and pages so
    far, and the walk's page bound and profile when it has them."""
    child: dict[str, Any] = {META_SEED: seed, META_DIRECTION: direction, META_PAGES: pages}
    if max_pages:
        child[META_MAX_PAGES] = max_pages
    if META_PROFILE in meta:
        child[META_PROFILE] = meta[META_PROFILE]
    return child


def next_list_requests(
    meta: dict[str, Any],
    page_url: str,
    links: list[str],
    policy: WalkPolicy,
) -> list[Request]:
    """The requests of the next list pages (``links``) of a list page reached with
    ``meta``: list pages themselves (:data:`META_LIST_PAGE`), one page further from the
    seed list than this one, on the page's site only, while the walk has pages left:
    ``max pages`` bounds the list pages of a seed as it bounds each walk direction (the
    seed list is the first). Their articles start walks in the seed's direction.

    They pass the seen set (``dont_filter``), as seeds do: the canonical form of a URL
    drops its ``page`` parameter, so every page of a list has the list's fingerprint,
    which its seed already holds. What ends the walk is the list's last page (it names
    no next page), or ``max pages``."""
    pages = int(meta.get(META_PAGES, 0)) + 1  # list pages so far, this one included
    max_pages = int(meta.get(META_MAX_PAGES, 0) or 0)
    if max_pages and pages >= max_pages:
        return []
    seed = meta.get(META_SEED) or page_url
    direction = meta.get(META_DIRECTION) or policy.direction
    out: list[Request] = []
    for link in links:
        if not same_site(link, page_url) or link == page_url:
            continue
        child = _child_meta(meta, seed, direction, pages, max_pages)
        child[META_LIST_PAGE] = True
        # After the articles of the list page before it (seed_priority - 1).
        out.append(Request(link, meta=child, priority=policy.seed_priority - 2, dont_filter=True))
    return out
