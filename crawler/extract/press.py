"""How ``source`` (the press or the board) is chosen.

The profile's selectors first (or the body's credit, for profiles that prefer body
credits); then JSON-LD ``publisher``; the press credited in the body (``[파이낸셜뉴스]``,
``Copyright © 파이낸셜뉴스``); ``og:site_name``; a copyright line at the page's foot; the
site's name after the title in ``<title>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.extract.html import text_of
from crawler.extract.title import TITLE_SPLIT_RE
from crawler.text import REPORTER_RE, is_copyright_line

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

_COPYRIGHT_PRESS_RE = re.compile(
    r"(?:copyright\s*(?:ⓒ|©|\(c\))?|ⓒ|©|\(c\)|저작권자\s*(?:ⓒ|©|\(c\))?)\s*(?:\d{4}(?:\s*[-~]\s*\d{4})?\.?\s*)?"
    r"(?P<name>[^.,<>()\[\]|ⓒ©]+?)\s*(?:\.|,|\bAll\b|\ball\b|무단|\(|<|\||ⓒ|©|$)",
    re.I,
)
BRACKET_PRESS_RE = re.compile(
    r"^\s*[\[【]\s*(?:[^\]】=]{1,20}=\s*)?(?P<name>[^\]】=\s][^\]】=]{0,20}?)\s*[\]】]"
    r"|^\s*\((?:[^)=]{1,20}=\s*)(?P<name2>[^)=]{1,20}?)\s*\)"
)
_PRESS_NOISE = re.compile(r"\b(?:inc|co|ltd|corp)\b\.?|\(주\)|주식회사|by\s", re.I)
#: Bracketed tags that lead a story but name no press (``[속보]``, ``[단독]``, ``[사진]`` ...).
NOT_PRESS = frozenset(
    "속보 단독 사진 포토 영상 동영상 인터뷰 기고 칼럼 사설 오피니언 종합 르포 기획 특집 공지 알림 "
    "팩트체크 이슈 현장 리뷰 논평 해설 분석 일문일답 인사 부고 화보 카드뉴스 그래픽 출처 질문 답변 "
    "긴급 상보 정정 반론보도 알립니다 신간 날씨 전문 광고 AD PR 보도자료 Q&A 업데이트 단신 "
    "이벤트 후기 정보 잡담 질문답변 유머 뉴스 기사 펌 스크랩".split()
)
_NOT_PRESS_RE = re.compile(r"^(?:종합)?\d*보$|^\d+$")
#: Lines longer than this are no credit line (and are not searched).
_MAX_CREDIT_LINE = 300


def press_of(line: str) -> str | None:
    """The press named by a copyright line (``Copyright © 파이낸셜뉴스.``) or a leading
    credit (``[파이낸셜뉴스]``, ``[서울=뉴시스]``, ``(서울=연합뉴스)``), or None.
    Tags that name no press (``[속보]``, ``[단독]``, ``[종합2보]``) are not credits."""
    line = line[:_MAX_CREDIT_LINE]
    match = BRACKET_PRESS_RE.match(line)
    if match:
        name = (match.group("name") or match.group("name2") or "").strip()
        name = REPORTER_RE.sub("", name).strip()
        if (
            2 <= len(name) <= 20
            and len(name.split()) <= 2
            and name not in NOT_PRESS
            and not _NOT_PRESS_RE.match(name)
        ):
            return name
    if is_copyright_line(line):
        match = _COPYRIGHT_PRESS_RE.search(line)
        if match:
            name = _PRESS_NOISE.sub("", match.group("name"))
            name = re.sub(r"\s*[&/]\s*[A-Za-z0-9.-]+$", "", name).strip(" -:")
            if 2 <= len(name) <= 40 and not re.fullmatch(r"[\d\s-]+", name):
                return name
    return None


def press_in_body(page: ArticlePage) -> str | None:
    """The press credited in the body (``[파이낸셜뉴스]``, ``Copyright © 파이낸셜뉴스``) or
    in the copyright line right after it, or None."""
    lines = page.raw_lines
    if lines:
        press = press_of(lines[0])
        if press:
            return press
    for line in reversed(lines[-5:]):
        if is_copyright_line(line[:_MAX_CREDIT_LINE]):
            press = press_of(line)
            if press:
                return press
    root = page.body_root
    if root is not None:
        following = root.getnext()
        for _ in range(3):
            if following is None:
                break
            if isinstance(following.tag, str):
                text = text_of(following)[:_MAX_CREDIT_LINE]
                if is_copyright_line(text):
                    press = press_of(text)
                    if press:
                        return press
            following = following.getnext()
    return None


def profile_source(page: ArticlePage) -> str | None:
    """The source by the profile: body credits first when it prefers them, else its selectors."""
    if page.profile.prefer_body_credits:
        press = press_in_body(page)
        if press:
            return press
    return page.first_text(page.profile.source)


def site_from_title(page: ArticlePage, title: str | None) -> str | None:
    """The site's name after the article title in ``<title>`` (``제목 - 지역소식``)."""
    page_title = page.page_title
    if not title or not page_title.startswith(title):
        return None
    match = TITLE_SPLIT_RE.match(page_title, len(title))
    if not match:
        return None
    parts = TITLE_SPLIT_RE.split(page_title[match.end() :])
    rest = parts[-1].strip() if parts else ""
    return rest if 0 < len(rest) <= 40 else None


def fallback_source(page: ArticlePage) -> tuple[str | None, str]:
    """``(source, layer)``: the source from the layers every profile shares."""
    metadata = page.metadata
    if metadata.publisher and metadata.layers.get("publisher") == "json-ld":
        return metadata.publisher, "json-ld"
    press = press_in_body(page)
    if press:
        return press, "body-credit"
    if metadata.publisher:
        return metadata.publisher, "meta"
    for line in reversed(page.page_lines[-40:]):
        line = line[:_MAX_CREDIT_LINE]
        if is_copyright_line(line):
            press = press_of(line)
            if press:
                return press, "copyright-line"
    return None, "none"
