"""The chain spider's routing on demo-site pages: items, directions, list seeds, limits."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.demo.site import ChainSite
from crawler.frontier.keys import META_DIRECTION, META_MAX_PAGES, META_PAGES, META_SEED
from crawler.frontier.walk import META_LIST_PAGE, WalkPolicy, seed_meta
from crawler.items import ArticleItem
from crawler.spiders.chain import ChainSpider

BASE = "http://127.0.0.1:9"
PAGES = Path(__file__).parent / "fixtures" / "pages"


class Stats:
    def __init__(self) -> None:
        self.values: Counter[str] = Counter()

    def inc_value(self, key: str, count: int = 1, start: int = 0) -> None:
        self.values[key] += count


@pytest.fixture(scope="module")
def site() -> ChainSite:
    return ChainSite(boards=1, posts_per_board=5)


@pytest.fixture
def spider() -> ChainSpider:
    s = ChainSpider()
    s.policy = WalkPolicy(seed_priority=100, next_bonus=1)
    s.crawler = SimpleNamespace(stats=Stats())  # type: ignore[assignment]
    return s


def respond(site: ChainSite, path: str, meta: dict[str, Any]) -> HtmlResponse:
    body = site.page(path) or b"<html><body>404</body></html>"
    request = Request(BASE + path, meta=meta)
    return HtmlResponse(
        BASE + path, body=body, headers={"Content-Type": "text/html; charset=utf-8"}, request=request
    )


def run(spider: ChainSpider, response: HtmlResponse) -> tuple[list[ArticleItem], list[Request]]:
    out = list(spider.parse(response))
    return [x for x in out if isinstance(x, ArticleItem)], [x for x in out if isinstance(x, Request)]


def post(site: ChainSite, wr_id: int) -> str:
    return site.boards["board1"][wr_id - 1].path


def test_seed_article_yields_item_and_both_links(spider: ChainSpider, site: ChainSite) -> None:
    seed = BASE + post(site, 3)
    items, requests = run(spider, respond(site, post(site, 3), seed_meta(seed, direction="both")))
    assert len(items) == 1 and items[0].seed_url == seed and items[0].title
    by_dir = {r.meta[META_DIRECTION]: r for r in requests}
    # gnuboard: 이전글 (prev) is the newer post
    assert by_dir["prev"].url == BASE + post(site, 4)
    assert by_dir["next"].url == BASE + post(site, 2)
    assert by_dir["next"].priority == 1 and by_dir["prev"].priority == 0
    assert all(r.meta[META_SEED] == seed and r.meta[META_PAGES] == 1 for r in requests)
    assert not any(r.dont_filter for r in requests)  # the seen set ends cycles


def test_direction_is_kept_along_the_walk(spider: ChainSpider, site: ChainSite) -> None:
    meta = {META_SEED: BASE + post(site, 3), META_DIRECTION: "prev", META_PAGES: 1}
    _, requests = run(spider, respond(site, post(site, 4), meta))
    assert [(r.url, r.meta[META_DIRECTION]) for r in requests] == [(BASE + post(site, 5), "prev")]


def test_max_pages_bounds_each_direction(spider: ChainSpider, site: ChainSite) -> None:
    meta = {META_SEED: BASE + post(site, 1), META_DIRECTION: "prev", META_PAGES: 2, META_MAX_PAGES: 3}
    items, requests = run(spider, respond(site, post(site, 3), meta))
    assert len(items) == 1 and requests == []  # seed, +1, +2: three articles


def test_list_seed_yields_article_starts(spider: ChainSpider, site: ChainSite) -> None:
    path = site.list_paths()[0]
    items, requests = run(spider, respond(site, path, seed_meta(BASE + path, direction="next")))
    assert items == []
    assert sorted(r.url for r in requests) == sorted(BASE + p for p in site.article_paths())
    assert all(r.meta[META_SEED] == BASE + path and r.meta[META_DIRECTION] == "next" for r in requests)
    assert all(r.priority == 99 for r in requests)
    assert spider.crawler.stats.values["chain/list_pages"] == 1


def test_page_without_article_is_counted_not_fatal(spider: ChainSpider, site: ChainSite) -> None:
    # a list page reached by walking (not a seed) and a 404 body: no article, no crash
    meta = {META_SEED: BASE + post(site, 1), META_DIRECTION: "prev", META_PAGES: 1}
    assert run(spider, respond(site, site.list_paths()[0], meta)) == ([], [])
    assert run(spider, respond(site, "/missing", meta)) == ([], [])
    assert spider.crawler.stats.values["chain/no_article"] == 2


def test_off_site_links_end_the_walk(spider: ChainSpider, site: ChainSite) -> None:
    body = (site.page(post(site, 3)) or b"").replace(
        post(site, 4).replace("&", "&amp;").encode(), b"http://elsewhere.test/next"
    )
    request = Request(BASE + post(site, 3), meta=seed_meta(BASE + post(site, 3), direction="both"))
    response = HtmlResponse(request.url, body=body, request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})  # fmt: skip
    items, requests = run(spider, response)
    assert items and items[0].prev_url == "http://elsewhere.test/next"
    assert [r.meta[META_DIRECTION] for r in requests] == ["next"]


def test_spider_arguments_become_seeds() -> None:
    import asyncio

    spider = ChainSpider(seeds="http://a.test/1, http://a.test/2", direction="prev", max_pages="4")

    async def collect() -> list[Request]:
        return [r async for r in spider.start()]

    requests = asyncio.run(collect())
    assert [r.url for r in requests] == ["http://a.test/1", "http://a.test/2"]
    assert all(r.dont_filter and r.priority == 100 for r in requests)
    assert requests[0].meta[META_DIRECTION] == "prev" and requests[0].meta[META_MAX_PAGES] == 4


# --- pages of real CMS installs (tests/fixtures/pages) -------------------------------------


def respond_page(body: str | bytes, url: str, meta: dict[str, Any]) -> HtmlResponse:
    if isinstance(body, str):
        body = body.encode("utf-8")
    request = Request(url, meta=meta)
    return HtmlResponse(url, body=body, headers={"Content-Type": "text/html; charset=utf-8"}, request=request)


def fixture(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


TT3_URL = "https://crumbandcrust.example.com/2025/12/02/shaping-a-batard/"
RX_LIST = "https://bookclub.example.kr/free"
RX_DOCUMENTS = [
    "https://bookclub.example.kr/free/4101",
    "https://bookclub.example.kr/free/4829",
    "https://bookclub.example.kr/free/4823",
    "https://bookclub.example.kr/free/4817",
    "https://bookclub.example.kr/free/4809",
]


def no_links_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage().startswith("no previous/next links")]


def test_article_without_previous_or_next_link_is_said_once(
    spider: ChainSpider, caplog: pytest.LogCaptureFixture
) -> None:
    # twentytwentythree prints no post navigation: the walk ends at its seed, and says so
    with caplog.at_level(logging.INFO, logger="crawler.spiders.chain"):
        response = respond_page(fixture("wordpress_tt3_post"), TT3_URL, seed_meta(TT3_URL, direction="both"))
        items, requests = run(spider, response)
    assert len(items) == 1 and requests == []
    lines = no_links_lines(caplog)
    assert [(r.levelno, r.getMessage()) for r in lines] == [
        (logging.INFO, f"no previous/next links found on {TT3_URL}")
    ]
    assert spider.crawler.stats.values["chain/no_links"] == 1


def test_article_with_one_link_is_not_linkless(
    spider: ChainSpider, site: ChainSite, caplog: pytest.LogCaptureFixture
) -> None:
    # the newest post has only 다음글; the oldest only 이전글; the middle one both
    with caplog.at_level(logging.INFO, logger="crawler.spiders.chain"):
        for wr_id in (1, 3, 5):
            path = post(site, wr_id)
            items, _ = run(spider, respond(site, path, seed_meta(BASE + path, direction="both")))
            assert items and (items[0].prev_url or items[0].next_url)
    assert no_links_lines(caplog) == []
    assert spider.crawler.stats.values["chain/no_links"] == 0


def test_list_seed_follows_its_documents_and_its_next_list_page(spider: ChainSpider) -> None:
    meta = seed_meta(RX_LIST, direction="both", max_pages=3)
    items, requests = run(spider, respond_page(fixture("rhymix_list"), RX_LIST, meta))
    assert items == []  # the list page is no article
    articles = [r for r in requests if not r.meta.get(META_LIST_PAGE)]
    lists = [r for r in requests if r.meta.get(META_LIST_PAGE)]
    assert [r.url for r in articles] == RX_DOCUMENTS
    assert all(r.priority == 99 and r.meta[META_SEED] == RX_LIST and r.meta[META_MAX_PAGES] == 3 for r in articles)
    assert [r.url for r in lists] == [RX_LIST + "?page=2"]
    page2 = lists[0]
    # past the seen set: /free?page=2 has the fingerprint of /free (page is no identity)
    assert page2.dont_filter
    assert page2.priority == 98  # after the documents of the page before it
    assert (page2.meta[META_SEED], page2.meta[META_DIRECTION], page2.meta[META_PAGES], page2.meta[META_MAX_PAGES]) == (
        RX_LIST, "both", 1, 3,
    )
    stats = spider.crawler.stats.values
    assert (stats["chain/list_pages"], stats["chain/list_links"], stats["chain/list_next_pages"]) == (1, 5, 1)


def rhymix_list_page(number: int) -> str:
    """The list fixture as Rhymix prints its page ``number`` of 7."""
    body = fixture("rhymix_list")
    numbers = "".join(
        f"\t\t\t<strong>{n}</strong> \n" if n == number else f'\t\t\t<a href="{RX_LIST}?page={n}">{n}</a>\n'
        for n in range(1, 8)
    )
    start = body.index("\t\t\t<strong>1</strong> \n")
    end = body.index('\t\t<a href="/free?page=7" class="direction next">')
    return body[:start] + numbers + body[end:]


def test_next_list_pages_are_lists_up_to_max_pages(spider: ChainSpider) -> None:
    # page 2, reached from the seed list: read as a list although it is no seed
    meta = {META_SEED: RX_LIST, META_DIRECTION: "both", META_PAGES: 1, META_MAX_PAGES: 3, META_LIST_PAGE: True}
    items, requests = run(spider, respond_page(rhymix_list_page(2), RX_LIST + "?page=2", meta))
    assert items == []
    assert [r.url for r in requests if not r.meta.get(META_LIST_PAGE)] == RX_DOCUMENTS
    [page3] = [r for r in requests if r.meta.get(META_LIST_PAGE)]
    assert page3.url == RX_LIST + "?page=3" and page3.meta[META_PAGES] == 2
    # page 3 is the third list page of max 3: its documents, no page 4
    items, requests = run(spider, respond_page(rhymix_list_page(3), page3.url, dict(page3.meta)))
    assert [r.url for r in requests] == RX_DOCUMENTS
    # without max pages the list is walked to its last page, which names no next one
    unbounded = {META_SEED: RX_LIST, META_DIRECTION: "both", META_PAGES: 5, META_LIST_PAGE: True}
    _, requests = run(spider, respond_page(rhymix_list_page(6), RX_LIST + "?page=6", unbounded))
    assert [r.url for r in requests if r.meta.get(META_LIST_PAGE)] == [RX_LIST + "?page=7"]
    _, requests = run(spider, respond_page(rhymix_list_page(7), RX_LIST + "?page=7", unbounded))
    assert [r.url for r in requests if r.meta.get(META_LIST_PAGE)] == []


def test_list_page_reached_by_an_article_link_is_not_read(spider: ChainSpider) -> None:
    # only seeds and next list pages are read as lists; a walk that lands on a list ends
    meta = {META_SEED: RX_LIST + "/4823", META_DIRECTION: "prev", META_PAGES: 1}
    assert run(spider, respond_page(fixture("rhymix_list"), RX_LIST, meta)) == ([], [])
    assert spider.crawler.stats.values["chain/no_article"] == 1


def test_rhymix_document_from_a_list_ends_its_walk_and_says_so(
    spider: ChainSpider, caplog: pytest.LogCaptureFixture
) -> None:
    url = "https://bookclub.example.kr/free/4823"
    meta = seed_meta(RX_LIST, direction="both", is_seed=False)
    with caplog.at_level(logging.INFO, logger="crawler.spiders.chain"):
        items, requests = run(spider, respond_page(fixture("rhymix_document"), url, meta))
    assert [i.title for i in items] == ["12월 독서모임 후기: 『작별하지 않는다』를 함께 읽고"]
    assert items[0].seed_url == RX_LIST
    assert requests == []  # the list below the document is not followed from an article
    assert len(no_links_lines(caplog)) == 1
