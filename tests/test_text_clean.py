"""clean_body: the boilerplate rules shared by extraction and the normalize pipeline."""

from __future__ import annotations

import pytest

from crawler.text import (
    clean_body,
    content_hash,
    is_board_chrome,
    is_copyright_line,
    is_reporter_line,
    normalize_text,
    reporter_of,
)


@pytest.mark.parametrize(
    "line",
    [
        "박성현 기자 psh@fnnews.com",
        "psh@fnnews.com 박성현 기자",
        "psh@fnnews.com",
        "kej@yna.co.kr",
        "[서울=뉴시스] 홍길동 기자 = hong@newsis.com",
        "/김철수 특파원 cs.kim@example.co.kr",
        "이메일: reporter@example.com",
        "(홍길동 기자 hong@hani.co.kr)",
    ],
)
def test_reporter_lines(line: str) -> None:
    assert is_reporter_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "문의는 help@example.com 으로 보내 달라고 구청은 밝혔다.",
        "박성현 기자가 현장을 취재했다.",
        "배 부총리는 “산업계에 있을 때 3년간 실패의 반복을 통해 성공 사례를 만들기까지 최소 3년이 걸렸다”며",
    ],
)
def test_not_reporter_lines(line: str) -> None:
    assert not is_reporter_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "Copyright © 파이낸셜뉴스. 무단전재 및 재배포 금지.",
        "Copyright ⓒ 한국경제. All rights reserved.",
        "<저작권자 © 시민일보, 무단 전재 및 재배포 금지>",
        "저작권자 ⓒ 뉴스1코리아, 무단전재 및 재배포 금지",
        "ⓒ 한국경제 & hankyung.com, 무단전재 및 재배포 금지",
        "무단전재-재배포, AI학습 및 활용 금지",
    ],
)
def test_copyright_lines(line: str) -> None:
    assert is_copyright_line(line)


def test_board_chrome() -> None:
    for line in (
        "목록",
        "관련자료",
        "이전글",
        "다음",
        "댓글 0",
        "조회 54",
        "조회 1,204회",
        "추천 3",
        "등록된 댓글이 없습니다.",
        "로그인한 회원만 댓글 등록이 가능합니다.",
        "작성일 10-15",
    ):
        assert is_board_chrome(line), line
    for line in ("목록을 정리했다.", "다음 주에 발표한다.", "댓글이 많았다."):
        assert not is_board_chrome(line), line


def test_reporter_of() -> None:
    assert reporter_of("psh@fnnews.com 박성현 기자") == "박성현 기자"
    assert reporter_of("[서울=뉴시스] 홍길동  특파원 = x@y.com") == "홍길동 특파원"
    assert reporter_of("kej@yna.co.kr") is None


def test_clean_body_drops_boilerplate_and_normalizes() -> None:
    raw = (
        "[파이낸셜뉴스] 첫 문단입니다.\r\n\u00a0\n둘째  문단\u200b입니다.\n"
        "psh@fnnews.com 박성현 기자\nCopyright © 파이낸셜뉴스. 무단전재 및 재배포 금지.\n목록\n댓글 0"
    )
    assert clean_body(raw) == "[파이낸셜뉴스] 첫 문단입니다.\n둘째 문단입니다."


def test_clean_body_is_idempotent_and_hash_stable_across_sites() -> None:
    on_press_site = "첫 문단.\n둘째 문단.\n박성현 기자 psh@fnnews.com"
    on_board = "목록\n첫 문단.\n\n둘째 문단.\n<저작권자 © 파이낸셜뉴스, 무단전재 및 재배포 금지>\n관련자료"
    once = clean_body(on_press_site)
    assert clean_body(once) == once
    assert once == clean_body(on_board) == "첫 문단.\n둘째 문단."
    assert content_hash(clean_body(on_press_site)) == content_hash(clean_body(on_board))
    assert normalize_text(once) == once


def test_recent_results_are_bounded_and_answer_for_their_own_output() -> None:
    from crawler.text import _RecentResults, clean_body

    cache = _RecentResults(size=4, max_chars=50)
    for i in range(10):
        cache.put(f"in {i}", f"out {i}")
    assert len(cache._results) <= 4
    assert cache.get("in 9") == "out 9" and cache.get("out 9") == "out 9"
    assert cache.get("in 0") is None  # evicted, oldest first
    cache.put("x" * 51, "y")
    assert cache.get("x" * 51) is None  # too long to keep

    raw = "박성현 기자 psh@fnnews.com\n  본문   첫 줄\n저작권자 © 무단전재 및 재배포 금지"
    once = clean_body(raw)
    assert once == "본문 첫 줄"
    assert clean_body(once) == once and clean_body(raw) == once
