"""Extraction on saved pages: each page in tests/fixtures/pages has its expected JSON beside it,
checked field by field; targeted tests for the seed, profiles, links and the command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from crawler.cli import main as cli_main
from crawler.extract import (
    NoArticleError,
    decode_html,
    extract_article,
    extract_list_links,
    match_profile,
    profiles,
)
from crawler.extract.labels import label_kind
from crawler.extract.press import press_of
from crawler.items import ArticleItem
from crawler.text import content_hash

PAGES = Path(__file__).parent / "fixtures" / "pages"
SEED_URL = "https://v.daum.net/v/20251015131318210"
BOARD_URL = "https://board.example.com/bbs/board.php?bo_table=news&wr_id=7583647"
CONTRACT_FIELDS = (
    "url",
    "canonical_url",
    "profile",
    "title",
    "body_text",
    "published_at",
    "author",
    "source",
    "images",
    "prev_url",
    "next_url",
    "content_hash",
)


def _cases() -> list[Any]:
    cases = []
    for spec_path in sorted(PAGES.glob("*.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        page = next(p for p in PAGES.glob(spec_path.stem + ".*") if p.suffix != ".json")
        for index, run in enumerate(spec.get("runs", [{}])):
            case_id = spec_path.stem if len(spec.get("runs", [])) < 2 else f"{spec_path.stem}-{index}"
            cases.append(pytest.param(page, spec, run, id=case_id))
    return cases


def _seed() -> bytes:
    return (PAGES / "seed_article.txt").read_bytes()


@pytest.mark.parametrize(("page", "spec", "run"), _cases())
def test_saved_page_matches_expected_json(page: Path, spec: dict[str, Any], run: dict[str, Any]) -> None:
    body = page.read_bytes()
    if spec.get("kind") == "list":
        assert extract_list_links(body, spec["url"]) == spec["expected_links"]
        with pytest.raises(NoArticleError):  # a list page is not stored as an article
            extract_article(body, spec["url"])
        return
    if spec.get("error"):
        with pytest.raises(NoArticleError) as info:
            extract_article(body, spec["url"])
        assert spec["url"] in str(info.value)
        return
    fetched_at = datetime.fromisoformat(spec["fetched_at"])
    item = extract_article(body, spec["url"], fetched_at=fetched_at, **run)
    got = item.to_dict()
    expected = spec["expected"]
    assert set(CONTRACT_FIELDS) <= set(expected), "the expected JSON must name every contract field"
    for field in CONTRACT_FIELDS:
        assert got[field] == expected[field], f"{page.name}: {field}"
    assert item.content_hash == content_hash(item.body_text)


def test_every_profile_has_a_saved_page() -> None:
    seen = set()
    for spec_path in PAGES.glob("*.json"):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        if "expected" in spec:
            seen.add(spec["expected"]["profile"])
    assert {"gnuboard", "daum", "wordpress", "generic"} <= seen
    assert {"gnuboard", "daum", "wordpress", "generic"} <= set(profiles.names())


# --- the seed page: what CONTRACT.md lists ---------------------------------------------


def test_seed_gives_the_contract_values() -> None:
    item = extract_article(_seed(), SEED_URL, fetched_at=datetime(2025, 10, 15, 6, tzinfo=UTC))
    assert item.title == "AI 모델만으로 AX 성공 안 돼... 현장 이해·데이터 필수"
    paragraphs = item.body_text.split("\n")
    assert len(paragraphs) == 7
    assert paragraphs[0].startswith("[파이낸셜뉴스] “인공지능(AI) 모델만")
    assert paragraphs[-1].startswith("임문영 부위원장도")
    assert item.author == "박성현 기자"
    assert item.source == "파이낸셜뉴스"
    assert len(item.images) == 1
    image = item.images[0]
    assert image.url == "https://t1.daumcdn.net/news/202510/15/fnnewsi/20251015131318210oikc.jpg"
    assert image.caption and image.caption.startswith("15일 서울 종로구") and image.caption.endswith("사진=박성현 기자")
    for chrome in ("psh@fnnews.com", "Copyright", "무단전재", "작성일", "목록", "관련자료", "댓글", "로그인한 회원만"):
        assert chrome not in item.body_text
    assert item.published_at is not None and item.published_at.startswith("2025-10-15T")
    assert item.published_at.endswith("+09:00")
    assert item.content_hash == content_hash(item.body_text)


def test_seed_prev_next_are_null_because_the_page_prints_them_as_text() -> None:
    # The seed keeps "이전 <title> 10-15 다음 <title> 10-15" only as text: no anchors, no links.
    item = extract_article(_seed(), SEED_URL)
    assert item.prev_url is None and item.next_url is None


def test_seed_prev_next_when_the_board_prints_links() -> None:
    seed = _seed().decode("utf-8")
    prev_title = '이재명 대통령 "게임은 중독 물질 아냐…문제는 억압 정책"'
    next_title = "이진호, 면허취소 수준으로 100km 달렸다…불법 도박→음주운전 두 번째 검찰 송치[종합]"
    text = f"관련자료 이전 {prev_title} 10-15 다음 {next_title} 10-15"
    assert text in seed
    linked = seed.replace(
        text,
        f'관련자료 이전 <a href="/bbs/board.php?bo_table=news&amp;wr_id=7583648">{prev_title}</a> 10-15 '
        f'다음 <a href="/bbs/board.php?bo_table=news&amp;wr_id=7583646">{next_title}</a> 10-15',
    )
    item = extract_article(linked.encode("utf-8"), BOARD_URL)
    assert item.prev_url == "https://board.example.com/bbs/board.php?bo_table=news&wr_id=7583648"
    assert item.next_url == "https://board.example.com/bbs/board.php?bo_table=news&wr_id=7583646"


def test_seed_at_a_board_url_reads_the_board_date_without_a_year() -> None:
    # At a board URL the Daum markup still picks the daum profile; the date is the
    # board's "작성일 10-15", the latest Oct 15 not after the fetch time.
    item = extract_article(_seed(), BOARD_URL, fetched_at=datetime(2026, 3, 1, tzinfo=UTC))
    assert item.profile == "daum"
    assert item.published_at == "2025-10-15T00:00:00+09:00"
    item = extract_article(_seed(), BOARD_URL, fetched_at=datetime(2026, 10, 16, tzinfo=UTC))
    assert item.published_at == "2026-10-15T00:00:00+09:00"
    assert item.title == "AI 모델만으로 AX 성공 안 돼... 현장 이해·데이터 필수"
    assert item.content_hash == extract_article(_seed(), SEED_URL).content_hash


def test_seed_through_the_command_line(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    code = cli_main(["extract", str(PAGES / "seed_article.txt"), "--url", SEED_URL])
    out = capsysbinary.readouterr().out
    assert code == 0
    data = json.loads(out.decode("utf-8"))
    assert data["title"] == "AI 모델만으로 AX 성공 안 돼... 현장 이해·데이터 필수"
    assert data["author"] == "박성현 기자" and data["source"] == "파이낸셜뉴스"
    assert len(data["body_text"].split("\n")) == 7
    assert "모델만으로".encode() in out  # UTF-8, not \\u escapes
    assert ArticleItem.from_dict(data).content_hash == data["content_hash"]


# --- command-line errors ------------------------------------------------------------------


def test_command_no_article_exits_1_naming_the_url(capsys: pytest.CaptureFixture[str]) -> None:
    url = "https://board.example.kr/bbs/board.php?bo_table=economy&wr_id=99999"
    assert cli_main(["extract", str(PAGES / "no_body.html"), "--url", url]) == 1
    err = capsys.readouterr().err
    assert url in err and "no article" in err


def test_command_missing_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.html"
    assert cli_main(["extract", str(missing), "--url", "https://x.example/"]) == 2
    assert str(missing) in capsys.readouterr().err


def test_command_unknown_profile_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["extract", str(PAGES / "gnuboard_view.html"), "--url", "https://x.example/", "--profile", "nope"])
    assert code == 2
    assert "unknown profile 'nope'" in capsys.readouterr().err


def test_command_output_is_utf8_whatever_the_locale() -> None:
    env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "ascii"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler.cli",
            "extract",
            str(PAGES / "euckr_board.html"),
            "--url",
            "http://old.example.co.kr/bbs/board.php?bo_table=old&wr_id=4",
        ],
        capture_output=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert json.loads(proc.stdout.decode("utf-8"))["title"] == "똠방각하 다시 보기 - 햏자들의 추억"


# --- profiles ---------------------------------------------------------------------------


def test_match_profile_by_domain_then_markup() -> None:
    gnuboard = (PAGES / "gnuboard_view.html").read_bytes()
    assert match_profile("https://v.daum.net/v/1", "<html><body><p>x</p></body></html>") == "daum"
    assert match_profile("https://board.example.kr/bbs/board.php?wr_id=1", gnuboard) == "gnuboard"
    assert match_profile("https://x.example/", gnuboard.decode("utf-8")) == "gnuboard"
    assert match_profile("https://x.example/", (PAGES / "wordpress_post.html").read_bytes()) == "wordpress"
    assert match_profile("https://x.example/", '<link rel="next" href="/2">') == "wordpress"
    assert match_profile("https://x.example/", (PAGES / "generic_article.html").read_bytes()) == "generic"
    assert match_profile("https://x.example/", _seed()) == "daum"  # div.article_view [dmcf-ptype]


def test_forced_profile_is_used() -> None:
    item = extract_article((PAGES / "generic_article.html").read_bytes(), "https://x.example/a", profile="wordpress")
    assert item.profile == "wordpress"
    assert item.title == "동네 도서관, 밤 10시까지 문 연다"  # the shared fallbacks still apply
    with pytest.raises(KeyError, match="unknown profile"):
        extract_article(b"<p>x</p>", "https://x.example/", profile="nope")


def test_profile_from_an_extra_directory(tmp_path: Path) -> None:
    (tmp_path / "myboard.toml").write_text(
        """
name = "myboard"
extends = "gnuboard"
domains = ["myboard.example"]
timezone = "UTC"
[select]
title = [".subject"]
body = [".story"]
date = [".when"]
author = [".who"]
""",
        encoding="utf-8",
    )
    html = (
        '<html><body><div class="subject">제목입니다</div><span class="who">작성자: 홍길동</span>'
        '<span class="when">2025-10-15 13:13</span><div class="story"><p>첫 문단</p><p>둘째 문단</p></div>'
        '<ul class="bo_v_nb"><li class="btn_prv"><a href="/b?wr_id=2">앞 글</a></li></ul></body></html>'
    )
    assert "myboard" in profiles.names(str(tmp_path))
    assert match_profile("https://www.myboard.example/b?wr_id=1", html, profiles_dir=str(tmp_path)) == "myboard"
    item = extract_article(html.encode(), "https://www.myboard.example/b?wr_id=1", profiles_dir=str(tmp_path))
    assert (item.profile, item.title, item.author) == ("myboard", "제목입니다", "홍길동")
    assert item.body_text == "첫 문단\n둘째 문단"
    assert item.published_at == "2025-10-15T13:13:00+00:00"
    assert item.prev_url == "https://www.myboard.example/b?wr_id=2"  # inherited from gnuboard


def test_bad_profile_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text('name = "bad"\n[select]\ntitel = ["h1"]\n', encoding="utf-8")
    with pytest.raises(profiles.ProfileError, match="titel"):
        profiles.load(str(tmp_path))
    with pytest.raises(profiles.ProfileError, match="does not exist"):
        profiles.load(str(tmp_path / "missing"))


# --- links -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("이전", "prev"),
        ("< 이전", "prev"),
        ("◀ 이전글", "prev"),
        ("이전글", "prev"),
        ("« Previous", "prev"),
        ("Older", "prev"),
        ("다음", "next"),
        ("다음 >", "next"),
        ("다음글 ▶", "next"),
        ("Next »", "next"),
        ("Newer", "next"),
        ("이전글 원·달러 환율", "prev"),
        ("다음 주 일정", None),
        ("이전 페이지로", None),
        ("Daum", None),
        ("", None),
    ],
)
def test_label_kind(label: str, kind: str | None) -> None:
    assert label_kind(label) == kind


def test_links_are_absolute_and_not_javascript_or_anchors() -> None:
    html = """<html><body><h1>글</h1><div id="bo_v_con"><p>본문 문장이 여기에 있습니다.</p></div>
    <ul class="bo_v_nb"><li class="btn_prv"><span class="nb_tit">이전글</span><a href="javascript:alert(1)">a</a></li>
    <li class="btn_next"><span class="nb_tit">다음글</span><a href="#top">b</a></li></ul>
    <p><a href="mailto:x@example.com">이전</a> <a href="../bbs/board.php?wr_id=9#c">다음</a></p></body></html>"""
    item = extract_article(html.encode(), "https://b.example/x/bbs/board.php?wr_id=10")
    assert item.prev_url is None
    assert item.next_url == "https://b.example/x/bbs/board.php?wr_id=9"


def test_generic_prev_next_skip_paging_headers_and_home_links() -> None:
    html = """<html lang="ko"><body><header><a href="https://www.daum.net/">다음</a></header>
    <article><h1>제목</h1><p>본문 문단이 충분히 길게 이어집니다. 본문 문단이 충분히 길게 이어집니다.</p>
    <p>둘째 문단도 충분히 길게 이어집니다. 둘째 문단도 충분히 길게 이어집니다.</p></article>
    <div class="pagination"><a href="/list?page=1">이전</a><a href="/list?page=3">다음</a></div>
    <a href="/">다음</a><div><a href="/news/41" title="이전 기사">이전 기사 보기</a></div></body></html>"""
    item = extract_article(html.encode(), "https://news.example/news/42")
    assert item.prev_url == "https://news.example/news/41"
    assert item.next_url is None


def test_canonical_link_only_on_the_same_site() -> None:
    body = (
        "<html><head>{}</head><body><h1>t</h1><div id='bo_v_con'><p>정상적인 본문 문장입니다.</p></div></body></html>"
    )
    same = body.format('<link rel="canonical" href="https://www.b.example/v/1?utm_source=x">')
    other = body.format('<link rel="canonical" href="https://syndication.example/v/1">')
    url = "https://b.example/v/1?page=3&utm_medium=y"
    assert extract_article(same.encode(), url).canonical_url == "https://www.b.example/v/1"
    assert extract_article(other.encode(), url).canonical_url == "https://b.example/v/1"


def test_list_links_dedupe_keep_order_and_profile_override() -> None:
    body = (PAGES / "gnuboard_list.html").read_bytes()
    links = extract_list_links(body, "https://board.example.kr/bbs/board.php?bo_table=economy")
    assert len(links) == len(set(links)) == 4
    assert all(link.startswith("https://board.example.kr/bbs/board.php?") for link in links)
    generic = extract_list_links(body, "https://board.example.kr/bbs/board.php?bo_table=economy", profile="generic")
    assert generic == links[1:]  # the generic rule wants title-like anchor text (the notice is short)


# --- bodies, encodings, errors ---------------------------------------------------------------


def test_no_body_is_a_clear_error_naming_the_url() -> None:
    for html in (b"", b"<html><body></body></html>", b"<html><body><nav><a href='/'>home</a></nav></body></html>"):
        with pytest.raises(NoArticleError) as info:
            extract_article(html, "https://x.example/empty")
        assert "https://x.example/empty" in str(info.value)
        assert isinstance(info.value, ValueError)
    gnuboard_empty = (
        b"<html><body><article id='bo_v'><h2 id='bo_v_title'>t</h2>"
        b"<div id='bo_v_con'> <p>&nbsp;</p></div></article></body></html>"
    )
    with pytest.raises(NoArticleError, match="gnuboard body is empty"):
        extract_article(gnuboard_empty, "https://x.example/bbs/board.php?wr_id=1")


def test_scripts_styles_and_ads_stay_out_of_the_body() -> None:
    html = """<html><body><div id="bo_v"><h2 id="bo_v_title">제목</h2><div id="bo_v_con">
    <p>첫 문단.</p><script>var x = "스크립트";</script><style>.a{}</style>
    <ins class="adsbygoogle">광고</ins><div class="ad">광고 영역</div><p>둘째 문단.</p>
    <p>저작권자 © 어느신문 무단전재 및 재배포 금지</p></div></div></body></html>"""
    item = extract_article(html.encode(), "https://b.example/bbs/board.php?wr_id=3")
    assert item.body_text == "첫 문단.\n둘째 문단."


def test_decode_html_order_and_lying_headers() -> None:
    korean = "<html><head><meta charset='euc-kr'></head><body>똠방각하 햏자</body></html>"
    cp949 = korean.encode("cp949")
    assert decode_html(cp949) == (korean, "cp949")
    assert decode_html(cp949, {"Content-Type": "text/html; charset=utf-8"})[1] == "cp949"
    assert decode_html(cp949, {b"Content-Type": b"text/html;charset=EUC-KR"})[1] == "cp949"
    assert decode_html(cp949, encoding="utf-8")[1] == "cp949"
    no_meta = "<html><body>게시판에 올라온 글입니다. 똠방각하 햏자</body></html>"
    assert decode_html(no_meta.encode("cp949")) == (no_meta, "cp949")
    utf8 = korean.replace("euc-kr", "utf-8").encode("utf-8")
    assert decode_html(utf8, {"Content-Type": "text/html; charset=euc-kr"})[1] == "utf-8"
    assert decode_html(utf8)[1] == "utf-8"
    assert decode_html("café".encode("latin-1"), {"Content-Type": "text/html; charset=iso-8859-1"}) == (
        "café",
        "cp1252",
    )
    assert decode_html(b"\xef\xbb\xbf<p>\xea\xb0\x80</p>") == ("<p>가</p>", "utf-8")
    xml = '<?xml version="1.0" encoding="euc-kr"?><html><body>햏</body></html>'
    assert decode_html(xml.encode("cp949")) == (xml, "cp949")
    text, codec = decode_html("<p>가나다".encode() + "라".encode()[:2])  # cut inside a character
    assert codec == "utf-8" and text.startswith("<p>가나")


def test_text_and_bytes_give_the_same_item() -> None:
    body = (PAGES / "daum_view.html").read_bytes()
    a = extract_article(body, "https://v.daum.net/v/20251104101502345")
    b = extract_article(
        body.decode("utf-8").encode("utf-8"),
        "https://v.daum.net/v/20251104101502345",
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    assert a == b


def test_press_of_credits() -> None:
    assert press_of("Copyright © 파이낸셜뉴스. 무단전재 및 재배포 금지.") == "파이낸셜뉴스"
    assert press_of("<저작권자 © 시민일보, 무단 전재 및 재배포 금지>") == "시민일보"
    assert press_of("ⓒ 한국경제 & hankyung.com, 무단전재 및 재배포 금지") == "한국경제"
    assert press_of("[파이낸셜뉴스] “인공지능(AI) 모델만") == "파이낸셜뉴스"
    assert press_of("(세종=연합뉴스) 김은지 기자 = 정부가") == "연합뉴스"
    assert press_of("[서울=뉴시스]홍길동 기자 = 본문") == "뉴시스"
    assert press_of("그냥 문장입니다.") is None
    for tag in ("[속보]", "[단독]", "[사진]", "[종합2보]", "[2보]"):
        assert press_of(f"{tag} 정부가 발표했다") is None, tag


def test_no_article_error_still_carries_prev_next() -> None:
    photo_only = b"""<html><body><article id="bo_v"><h2 id="bo_v_title"><span class="bo_v_tit">sunset</span></h2>
    <div id="bo_v_con"><p><img src="/data/file/sunset.jpg"></p></div>
    <ul class="bo_v_nb"><li class="btn_prv"><span class="nb_tit">prev</span><a href="/bbs/board.php?wr_id=8">a</a></li>
    <li class="btn_next"><span class="nb_tit">next</span><a href="/bbs/board.php?wr_id=6">b</a></li></ul>
    </article></body></html>"""
    with pytest.raises(NoArticleError) as info:
        extract_article(photo_only, "https://b.example/bbs/board.php?wr_id=7")
    assert info.value.prev_url == "https://b.example/bbs/board.php?wr_id=8"
    assert info.value.next_url == "https://b.example/bbs/board.php?wr_id=6"
    assert info.value.url == "https://b.example/bbs/board.php?wr_id=7"


def test_scrapy_headers_are_read() -> None:
    from scrapy.http import Headers

    html = (
        "<html><head><title>옛 드라마</title></head>"
        "<body><div id='bo_v_con'><p>똠방각하 다시 보기</p></div></body></html>"
    )
    body = html.encode("cp949")
    headers = Headers({"Content-Type": "text/html; charset=EUC-KR"})
    assert decode_html(body, headers)[1] == "cp949"
    item = extract_article(body, "https://b.example/bbs/board.php?wr_id=1", headers=headers)
    assert item.body_text == "똠방각하 다시 보기"


def test_command_reads_profiles_dir_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    (tmp_path / "examplenews.toml").write_text(
        'name = "examplenews"\ndomains = ["news.example.com"]\n[select]\ntitle = ["h1.headline"]\n'
        'body = ["div.article-body"]\nprev = ["a.prev-article"]\n',
        encoding="utf-8",
    )
    page = tmp_path / "page.html"
    page.write_text(
        '<h1 class="headline">제목</h1><div class="article-body"><p>첫 문단.</p></div>'
        '<a class="prev-article" href="/a/1">앞</a>',
        encoding="utf-8",
    )
    monkeypatch.setenv("CRAWLER_PROFILES_DIR", str(tmp_path))
    assert cli_main(["extract", str(page), "--url", "https://news.example.com/a/2"]) == 0
    data = json.loads(capsysbinary.readouterr().out)
    assert (data["profile"], data["title"], data["prev_url"]) == ("examplenews", "제목", "https://news.example.com/a/1")
