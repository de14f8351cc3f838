"""Article or list (crawler.extract.listing): what is refused as a list page, and where a
list page leads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.extract import NoArticleError, extract_article
from crawler.extract.listing import extract_list

NOW = datetime(2026, 12, 1, tzinfo=UTC)
PARA = "Ein Absatz des Artikels, der lang genug ist, um gelesen zu werden, und noch ein wenig weiter geht. "
SIDEBAR = "".join(
    f'<article class="post"><h2 class="entry-title"><a href="/2025/0{i}/01/story-{i}/" rel="bookmark">'
    f"Another story number {i} on this blog</a></h2></article>"
    for i in range(1, 8)
)
WP_HEAD = '<link rel="stylesheet" href="/wp-content/themes/x/style.css">'


def _wp(main: str, head: str = "") -> bytes:
    return (
        f"<html><head><title>T</title>{WP_HEAD}{head}</head><body class='single'><main>{main}</main>"
        f"<aside class='widget-area'>{SIDEBAR}</aside></body></html>"
    ).encode()


def test_an_article_with_a_sidebar_full_of_post_links_is_an_article() -> None:
    # the theme's content class is not one the profile knows, the sidebar holds 7 post links
    main = "<div class='post-body-x'><h1>Der Titel</h1>" + "".join(f"<p>{PARA}{i}</p>" for i in range(12)) + "</div>"
    item = extract_article(_wp(main), "https://blog.example.de/2025/10/01/der-titel/", fetched_at=NOW)
    assert item.title == "Der Titel" and PARA.strip() in item.body_text


def test_a_short_page_with_article_metadata_is_still_an_article() -> None:
    head = '<meta property="og:type" content="article">'
    main = "<div class='x'><h1>Kurz</h1>" + "".join(f"<p>{i}. {PARA}</p>" for i in range(3)) + "</div>"
    item = extract_article(_wp(main, head), "https://blog.example.de/2025/10/01/kurz/", fetched_at=NOW)
    assert item.title == "Kurz"


def test_a_list_of_posts_is_refused_and_leads_to_its_posts_and_next_page() -> None:
    main = (
        SIDEBAR + "<nav class='navigation posts-navigation'><div class='nav-links'>"
        "<div class='nav-previous'><a href='/page/2/'>Older posts</a></div></div></nav>"
    )
    page = _wp(main)
    with pytest.raises(NoArticleError, match="list page"):
        extract_article(page, "https://blog.example.de/", fetched_at=NOW)
    listing = extract_list(page, "https://blog.example.de/")
    assert "https://blog.example.de/2025/01/01/story-1/" in listing.links
    assert listing.pages == ["https://blog.example.de/page/2/"]


def test_a_generic_list_page_follows_rel_next() -> None:
    items = "".join(
        f"<article><h2><a href='/news/{i}'>A news story with a title {i}</a></h2></article>" for i in range(5)
    )
    page = (
        "<html><head><link rel='next' href='/news?page=3'></head><body><main>" + items + "</main></body></html>"
    ).encode()
    listing = extract_list(page, "https://news.example.org/news?page=2")
    assert listing.pages == ["https://news.example.org/news?page=3"]
    assert len(listing.links) == 5
