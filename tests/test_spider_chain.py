"""The chain spider's routing on demo-site pages: items, directions, list seeds, limits."""

from __future__ import annotations

from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.demo.site import ChainSite
from crawler.frontier.keys import META_DIRECTION, META_MAX_PAGES, META_PAGES, META_SEED
from crawler.frontier.walk import WalkPolicy, seed_meta
from crawler.items import ArticleItem
from crawler.spiders.chain import ChainSpider

BASE = "http://127.0.0.1:9"


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
