"""Compiled profile selectors: the fast forms select exactly what the plain CSS/XPath does."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import profiles
from crawler.extract.encoding import decode_html
from crawler.extract.parse import parse_html
from crawler.extract.query import QueryError, Source, compile_query, split_branches

PAGES = Path(__file__).parent / "fixtures" / "pages"
SELECT_KEYS = ("title", "body", "paragraphs", "date", "author", "source", "images", "prev", "next", "list_links")


def _all_queries() -> list[str]:
    queries: set[str] = set()
    for profile in profiles.load().profiles.values():
        for key in SELECT_KEYS:
            queries.update(getattr(profile, key))
        queries.update(profile.markers)
    return sorted(queries)


@pytest.mark.parametrize("page", sorted(p for p in PAGES.iterdir() if p.suffix in (".html", ".txt")), ids=str)
def test_fast_forms_select_what_plain_xpath_selects(page: Path) -> None:
    text, _ = decode_html(page.read_bytes())
    root = parse_html(text).root
    source = Source(text)
    for query in _all_queries():
        compiled = compile_query(query)
        plain = compiled.relative(root)
        fast = compiled(root, source)
        assert fast == plain, f"{page.name}: {query}"


def test_id_first_css_uses_the_id_table() -> None:
    compiled = compile_query("#bo_v_info .if_date, div#x > p")
    assert compiled.document.path.startswith("id('bo_v_info')/descendant::")
    assert "id('x')[self::div]/p" in compiled.document.path
    assert compiled.needs == ((("word", "bo_v_info"), ("word", "if_date")), (("word", "x"),))


def test_needs_ignore_negations_and_alternatives() -> None:
    assert compile_query("xpath://div[not(contains(@class, 'ad'))]").needs == ()
    assert compile_query("xpath://*[@id='a'] | //*[@id='b']").needs == ()
    assert compile_query("meta[property='og:title']::attr(content)").needs == ((("text", "og:title"),),)
    assert compile_query("h1").needs == ()


def test_class_and_id_needs_are_answered_from_the_tree() -> None:
    pad = "<p>" + "x" * 100_000 + "</p>"  # long pages answer from the tree, short ones by substring
    html = f'<html><body><div id="bo_v" class="a  b"><p class="if_date">x</p></div><!-- no_such -->{pad}</body></html>'
    root = parse_html(html).root
    source = Source(html, root)
    assert source.has_word("bo_v") and source.has_word("b") and source.has_word("if_date")
    assert not source.has_word("no_such")  # in the source text, on no element
    assert not source.has_word("bo")  # a part of a word is not the word
    assert compile_query("#bo_v .if_date")(root, source)
    assert not compile_query(".no_such")(root, source)
    assert Source(html).has_word("no_such")  # without a tree: the substring test
    short = '<html><body><div id="bo_v"></div><!-- no_such --></body></html>'
    assert Source(short, parse_html(short).root).has_word("no_such")


def test_split_branches_keeps_commas_in_brackets() -> None:
    assert split_branches("a[title='x, y'], b:not(.c, .d) , e") == ["a[title='x, y']", "b:not(.c, .d)", "e"]


def test_bad_selectors_are_errors() -> None:
    with pytest.raises(QueryError, match="bad selector"):
        compile_query("div[[")
    with pytest.raises(QueryError):
        compile_query("xpath://div[")


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:8000/bbs/board.php?bo_table=x&wr_id=1", "https://user@news.example.kr/a/b", "ftp://h/x"]
)
@pytest.mark.parametrize(
    "href",
    ["/bbs/board.php?bo_table=a&wr_id=3", "/a/../b", "//cdn.example/y", "http://Other/x#f", "HTTPS://x.y/z",
     "rel/x", "../up", "?q=1", "/", "/x#frag", "/./a", "/.well-known", "#top", "javascript:void(0)", " /sp "],
)  # fmt: skip
def test_absolute_link_matches_urljoin(base: str, href: str) -> None:
    """The shortcuts for absolute and root-relative hrefs give what urljoin gives."""
    from urllib.parse import urljoin, urlsplit, urlunsplit

    from crawler.extract.html import absolute_link

    expected = None
    stripped = href.strip()
    if stripped and not stripped.lower().startswith(("javascript:", "#")):
        parts = urlsplit(urljoin(base, stripped))
        if parts.scheme in ("http", "https") and parts.hostname:
            expected = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", parts.query, ""))
    assert absolute_link(href, base) == expected
