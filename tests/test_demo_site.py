"""The generated demo site and its server, which the crawl tests and benchmarks rely on."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from parsel import Selector

from crawler.demo.site import ChainSite, Response, SiteServer


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_posts_chain_both_ways_like_gnuboard() -> None:
    site = ChainSite(boards=2, posts_per_board=4)
    paths = site.article_paths()
    assert len(paths) == 8
    middle = Selector(text=site.page(paths[1]).decode())  # type: ignore[union-attr]
    prev_link = middle.css(".bo_v_nb li.btn_prv a::attr(href)").get()
    next_link = middle.css(".bo_v_nb li.btn_next a::attr(href)").get()
    assert prev_link == paths[2]  # 이전글 is the newer post
    assert next_link == paths[0]
    oldest = Selector(text=site.page(paths[0]).decode())  # type: ignore[union-attr]
    assert oldest.css(".btn_next").get() is None


def test_add_post_links_it_from_the_former_newest() -> None:
    site = ChainSite(boards=1, posts_per_board=3)
    post = site.add_post("board1")
    former = Selector(text=site.page(site.article_paths()[2]).decode())  # type: ignore[union-attr]
    assert former.css(".btn_prv a::attr(href)").get() == post.path


def test_padding_reaches_page_size_and_reposts_share_bodies() -> None:
    site = ChainSite(boards=3, posts_per_board=5, page_kib=30, reposts=2)
    sizes = [len(site.page(p) or b"") for p in site.article_paths()]
    assert min(sizes) > 28 * 1024
    assert site.distinct_bodies() == 15 - 2


def test_server_serves_counts_and_injects_faults() -> None:
    site = ChainSite(boards=1, posts_per_board=3)
    with SiteServer(site) as server:
        path = site.article_paths()[0]
        status, body = _get(server.url(path))
        assert status == 200 and "bo_v_con" in body.decode()
        assert _get(server.url("/nope"))[0] == 404
        server.routes["/loop"] = Response(302, headers={"Location": "/loop"})
        server.error_rate = 1.0
        assert _get(server.url(path))[0] in (500, 503)
        assert server.article_hits()[path] == 2


@pytest.mark.parametrize("kib", [0, 30])
def test_list_page_links_every_post(kib: float) -> None:
    site = ChainSite(boards=1, posts_per_board=4, page_kib=kib)
    sel = Selector(text=site.page(site.list_paths()[0]).decode())  # type: ignore[union-attr]
    assert sel.css("#bo_list .bo_tit a::attr(href)").getall() == site.article_paths()[::-1]
