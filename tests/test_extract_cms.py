"""Extraction on saved pages of real CMS installs (gnuboard5, WordPress classic and block
themes, Rhymix): what went wrong on real installs, pinned. The saved pages and their
expected JSON are in tests/fixtures/pages (test_extract.py checks every field); the
tests here pin the fix of each problem and its variants on the same markup."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.extract import NoArticleError, extract_article, extract_list_links, match_profile
from crawler.extract.hooks import board_title_parts
from crawler.extract.listing import extract_list, extract_list_pages
from crawler.items import ArticleItem

PAGES = Path(__file__).parent / "fixtures" / "pages"


def _page(name: str) -> str:
    return (PAGES / f"{name}.html").read_text(encoding="utf-8")


def _spec(name: str) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    return spec


def _extract(name: str, html: str | None = None, **kwargs: Any) -> ArticleItem:
    spec = _spec(name)
    body = (html if html is not None else _page(name)).encode("utf-8")
    fetched_at = datetime.fromisoformat(spec["fetched_at"])
    return extract_article(body, spec["url"], fetched_at=fetched_at, **kwargs)


def _replace(text: str, old: str, new: str, count: int = 1) -> str:
    assert text.count(old) == count, f"{old!r} appears {text.count(old)} times, not {count}"
    return text.replace(old, new)


# --- gnuboard5 ----------------------------------------------------------------------------

GNU = "gnuboard_category_cut"
GNU_SUBJECT = (
    "질문 – 동계 캠핑에서 등유 난로와 전기 난로 중 어느 쪽이 더 안전한가요? 텐트 환기는 몇 시간마다 하시는지, "
    "일산화탄소 경보기는 어디에 다시는지도 궁금합니다"
)


def test_gnuboard_subject_keeps_the_word_its_category_shares() -> None:
    # category 질문, subject "질문 – ...": only the skin's .bo_v_cate element is left out
    item = _extract(GNU)
    assert item.title.startswith("질문 – 동계 캠핑에서")
    assert item.title == GNU_SUBJECT
    assert item.provenance["title"] == "hook"


def test_gnuboard_category_element_is_left_out_when_it_is_inside_the_title_element() -> None:
    # A skin without .bo_v_tit: the category element sits in #bo_v_title with the subject.
    html = _replace(
        _page(GNU),
        '<span class="bo_v_tit">\n            질문 – 동계',
        '<span class="subject">\n            질문 – 동계',
    )
    item = _extract(GNU, html)
    assert item.title == GNU_SUBJECT


def test_gnuboard_category_word_is_not_stripped_from_a_subject_without_the_element() -> None:
    html = _replace(_page(GNU), '<span class="bo_v_cate">질문</span>', "")
    assert _extract(GNU, html).title == GNU_SUBJECT


def test_gnuboard_subject_cut_by_the_skin_is_taken_whole_from_the_title_tag() -> None:
    page = _page(GNU)
    assert "일산화탄소 경…</span>" in page  # cut_str(subject, 70) in the skin
    assert _extract(GNU).title == GNU_SUBJECT
    # Older skins cut with "..."
    dots = _replace(page, "일산화탄소 경…</span>", "일산화탄소 경...</span>")
    assert _extract(GNU, dots).title == GNU_SUBJECT


def test_gnuboard_cut_subject_is_taken_whole_from_og_title() -> None:
    page = _replace(
        _page(GNU), f"<title>{GNU_SUBJECT} &gt; 질문답변 | 캠핑하는 사람들</title>", "<title>캠핑하는 사람들</title>"
    )
    page = _replace(page, "</title>", f'</title>\n<meta property="og:title" content="{GNU_SUBJECT}">')
    assert _extract(GNU, page).title == GNU_SUBJECT


def test_gnuboard_title_ending_in_an_ellipsis_of_its_own_is_kept() -> None:
    page = _page(GNU).replace(GNU_SUBJECT, "겨울 캠핑 첫날 밤...")
    page = _replace(page, GNU_SUBJECT[:70] + "…", "겨울 캠핑 첫날 밤...")
    assert _extract(GNU, page).title == "겨울 캠핑 첫날 밤..."
    # and a shown subject that <title> does not continue stays as shown
    other = _replace(_page(GNU), "일산화탄소 경…</span>", "일산화탄소 감지기…</span>")
    assert _extract(GNU, other).title.endswith("일산화탄소 감지기…")


def test_gnuboard_source_is_the_board_not_subject_and_board() -> None:
    page = _page(GNU)
    assert f'<span title="{GNU_SUBJECT} &gt; 질문답변">질문답변</span>' in page  # $g5['title'] in the attribute
    assert _extract(GNU).source == "질문답변"


def test_gnuboard_source_from_the_title_tag_when_the_theme_prints_no_board_name() -> None:
    page = _replace(
        _page(GNU),
        f'<h2 id="container_title"><span title="{GNU_SUBJECT} &gt; 질문답변">질문답변</span></h2>',
        "",
    )
    item = _extract(GNU, page)
    assert item.source == "질문답변"


def test_gnuboard_source_of_an_old_theme_printing_subject_and_board() -> None:
    # gnuboard 5.0's head.php: <h1 id="container_title">$g5['title']<span class="sound_only"> 목록</span>
    page = _replace(
        _page(GNU),
        f'<h2 id="container_title"><span title="{GNU_SUBJECT} &gt; 질문답변">질문답변</span></h2>',
        f'<h1 id="container_title">{GNU_SUBJECT} &gt; 질문답변<span class="sound_only"> 목록</span></h1>',
    )
    assert _extract(GNU, page).source == "질문답변"


def test_gnuboard_source_is_never_the_page_title(tmp_path: Path) -> None:
    # A profile whose source selector reads "subject > board" (old themes print $g5['title']
    # as the container title's text) or the whole <title>: the hook keeps the board only.
    for selector in ("#hd_h1", "head > title"):
        (tmp_path / "myboard.toml").write_text(
            f'name = "myboard"\nextends = "gnuboard"\n[select]\nsource = ["{selector}"]\n', encoding="utf-8"
        )
        item = _extract(GNU, profile="myboard", profiles_dir=str(tmp_path))
        assert item.source == "질문답변", selector


@pytest.mark.parametrize(
    ("title", "parts"),
    [
        ("글제목 > 자유게시판 | 그누보드5", ("글제목", "자유게시판")),
        ("A > B 비교 > 자유게시판 | 그누보드5", ("A > B 비교", "자유게시판")),
        ("요금 | 할인 > 자유게시판 | 그누보드5", ("요금 | 할인", "자유게시판")),
        ("글제목 > 자유게시판", ("글제목", "자유게시판")),
        ("자유게시판 1 페이지 | 그누보드5", None),
        ("그누보드5", None),
        ("", None),
    ],
)
def test_board_title_parts(title: str, parts: tuple[str, str] | None) -> None:
    assert board_title_parts(title) == parts


def test_gnuboard_body_credits_still_win_over_the_board() -> None:
    # the reposted-news page: the press credited in the body is the source
    body = (PAGES / "gnuboard_view.html").read_bytes()
    item = extract_article(body, "https://board.example.kr/bbs/board.php?bo_table=economy&wr_id=1532")
    assert (item.title, item.source) == ("반도체 수출 석 달 연속 증가… 10월 역대 최대", "한국경제")


# --- WordPress ----------------------------------------------------------------------------

TT1 = "wordpress_tt1_byline"
BYLINE = (
    '<span class="byline">By <a href="https://crumbandcrust.example.com/author/maria/" rel="author">'
    "Maria Lopez</a></span>"
)
TT3 = "wordpress_tt3_post"


def test_wordpress_twentytwentyone_byline_gives_the_author_without_by() -> None:
    page = _page(TT1)
    assert BYLINE in page
    assert 'name="author"' not in page and "ld+json" not in page
    item = _extract(TT1)
    assert item.author == "Maria Lopez"
    assert item.provenance["author"] == "profile"


def test_wordpress_author_bio_gives_the_name_not_the_view_all_link() -> None:
    # twentytwentyone prints no byline for an author with a bio: template-parts/post/author-bio.php
    bio = (
        '<div class="author-bio show-avatars">\n'
        '\t<img alt="" src="https://secure.gravatar.com/avatar/0?s=85&#038;d=mm&#038;r=g" '
        'class="avatar avatar-85 photo" height="85" width="85" />\n'
        '\t<div class="author-bio-content">\n'
        '\t\t<h2 class="author-title">By Maria Lopez</h2><!-- .author-title -->\n'
        '\t\t<p class="author-description"> Home baker since 2019.</p><!-- .author-description -->\n'
        '\t\t<a class="author-link" href="https://crumbandcrust.example.com/author/maria/" rel="author">'
        "View all of Maria Lopez&#039;s posts.</a>\t</div><!-- .author-bio-content -->\n"
        "</div><!-- .author-bio -->\n"
    )
    page = _replace(_page(TT1), BYLINE, "")
    page = _replace(page, "</article><!-- #post-57 -->", bio + "</article><!-- #post-57 -->")
    assert _extract(TT1, page).author == "Maria Lopez"


def test_wordpress_block_theme_post_has_no_links_and_its_author() -> None:
    item = _extract(TT3)
    assert (item.prev_url, item.next_url) == (None, None)
    assert item.author == "Maria Lopez"
    assert item.title == "Shaping a bâtard"
    assert item.published_at == "2025-12-02T07:45:10-06:00"


# --- Rhymix ---------------------------------------------------------------------------------

RX_DOC = "rhymix_document"
RX_LIST = "rhymix_list"
RX_LIST_URL = "https://bookclub.example.kr/free"


def test_rhymix_pages_match_the_rhymix_profile() -> None:
    assert match_profile(RX_LIST_URL, _page(RX_LIST)) == "rhymix"
    assert match_profile("https://bookclub.example.kr/free/4823", _page(RX_DOC)) == "rhymix"
    # XpressEngine 1.x prints its own generator
    xe = _replace(
        _page(RX_DOC), '<meta name="generator" content="Rhymix">', '<meta name="Generator" content="XpressEngine">'
    )
    assert match_profile("https://xe.example.kr/free/4823", xe) == "rhymix"


def test_rhymix_document_fields() -> None:
    page = _page(RX_DOC)
    # the layout's board-name h1 comes before the document's own title
    assert page.index("<h1>자유게시판</h1>") < page.index('<div class="read_header">')
    item = _extract(RX_DOC)
    assert item.title == "12월 독서모임 후기: 『작별하지 않는다』를 함께 읽고"  # without its category link
    assert item.published_at == "2026-11-29T19:25:00+09:00"  # "2026.11.29 19:25"
    assert item.author == "책벌레"
    assert item.source == "자유게시판"
    assert item.body_text.startswith("지난 토요일 저녁")
    for chrome in ("Rhymix is free software", "밤산책", "추천 3", "동네책방 겨울 할인", "이 게시물을"):
        assert chrome not in item.body_text
    assert (item.prev_url, item.next_url) == (None, None)


def test_rhymix_document_source_without_open_graph_is_the_layouts_board_name() -> None:
    page = _replace(_page(RX_DOC), '<meta property="og:article:section" content="자유게시판" />\n', "")
    assert _extract(RX_DOC, page).source == "자유게시판"


def test_rhymix_default_skin_document() -> None:
    # modules/board/skins/default/_read.html: p.time, a.author in p.meta, no icons
    page = _page(RX_DOC)
    start, end = page.index('\t\t<p class="meta">'), page.index("\t</div>\n\t<!-- /READ HEADER -->")
    default_meta = (
        '\t\t<p class="time">\n\t\t\t2026.11.29 19:25\n\t\t</p>\n'
        '\t\t<p class="meta">\n'
        '\t\t\t<a href="#popup_menu_area" class="member_4 author" onclick="return false">책벌레</a>\n'
        '\t\t\t<span class="sum">\n\t\t\t\t<span class="read">조회 수:58</span>\n'
        '\t\t\t\t<span class="vote">추천 수:3</span>\n\t\t\t</span>\n\t\t</p>\n'
    )
    page = page[:start] + default_meta + page[end:]
    item = _extract(RX_DOC, page)
    assert (item.title, item.published_at, item.author) == (
        "12월 독서모임 후기: 『작별하지 않는다』를 함께 읽고",
        "2026-11-29T19:25:00+09:00",
        "책벌레",
    )


def test_rhymix_list_page_is_a_list_with_its_documents_and_next_page() -> None:
    spec = _spec(RX_LIST)
    body = _page(RX_LIST).encode("utf-8")
    with pytest.raises(NoArticleError, match="a list page"):
        extract_article(body, RX_LIST_URL)
    listing = extract_list(body, RX_LIST_URL)
    assert listing.links == spec["expected_links"] == extract_list_links(body, RX_LIST_URL)
    assert listing.pages == spec["expected_pages"] == ["https://bookclub.example.kr/free?page=2"]
    assert extract_list_pages(body, RX_LIST_URL) == listing.pages
    assert "https://bookclub.example.kr/free/4829" in listing.links  # not its #comment link twice
    assert all("#" not in link and "page=" not in link for link in listing.links)


def test_rhymix_document_page_with_the_list_below_is_not_a_list() -> None:
    page = _page(RX_DOC)
    assert 'id="board_list"' in page and 'class="pagination"' in page
    assert _extract(RX_DOC).profile == "rhymix"  # no NoArticleError


def _list_url(number: int) -> str:
    return f"/free?page={number}" if number > 1 else "/free"


def _paged(current: int, last: int = 7) -> str:
    """The list page as Rhymix prints page ``current``: the window of up to ten numbers
    centred on it (PageHandler), links keeping ?page=N."""
    page = _page(RX_LIST)
    start = page.index('<div class="pagination">')
    end = page.index("</div>", start)
    first = max(1, current - 5)
    if last > 10 and first + 9 > last:
        first = last - 9
    numbers = range(first, min(last, first + 9) + 1)
    links = "".join(
        f"\t\t\t<strong>{n}</strong> \n" if n == current else f'\t\t\t<a href="{_list_url(n)}">{n}</a>\n'
        for n in numbers
    )
    pagination = (
        '<div class="pagination">\n'
        '\t\t<a href="/free" class="direction prev"><i class="xi-angle-left"></i>&nbsp;첫 페이지</a> \n'
        f"{links}"
        f'\t\t<a href="/free?page={last}" class="direction next">끝 페이지&nbsp;<i class="xi-angle-right"></i></a>\n\t'
    )
    return page[:start] + pagination + page[end:]


@pytest.mark.parametrize(("current", "last", "expected"), [(2, 7, 3), (6, 7, 7), (7, 7, None), (10, 40, 11)])
def test_rhymix_next_list_page_is_the_one_after_the_current(current: int, last: int, expected: int | None) -> None:
    url = f"{RX_LIST_URL}?page={current}"
    pages = extract_list_pages(_paged(current, last).encode("utf-8"), url)
    assert pages == ([f"{RX_LIST_URL}?page={expected}"] if expected else [])


def test_rhymix_default_skin_and_sketchbook_pagination() -> None:
    # the default skin's first/last links are a.prevEnd/a.nextEnd; sketchbook5 prints
    # form.bd_pg with <strong class="this">
    page = _paged(3).replace('class="direction prev"', 'class="prevEnd"')
    page = page.replace('class="direction next"', 'class="nextEnd"')
    assert extract_list_pages(page.encode("utf-8"), f"{RX_LIST_URL}?page=3") == [f"{RX_LIST_URL}?page=4"]
    sketch = _paged(3).replace('<div class="pagination">', '<form action="./" class="bd_pg clear"><fieldset>')
    sketch = sketch.replace("<strong>3</strong>", '<strong class="this">3</strong>')
    assert extract_list_pages(sketch.encode("utf-8"), f"{RX_LIST_URL}?page=3") == [f"{RX_LIST_URL}?page=4"]


def test_profiles_without_list_pages_name_no_next_page() -> None:
    body = (PAGES / "gnuboard_list.html").read_bytes()
    assert extract_list_pages(body, "https://board.example.kr/bbs/board.php?bo_table=economy") == []
