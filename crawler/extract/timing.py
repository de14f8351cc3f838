"""Per-page extraction time per profile: ``python -m crawler.extract.timing [--size KIB] [-n N]``.

Times :func:`crawler.extract.extract_article` on the saved pages of
``tests/fixtures/pages``, each padded to about ``--size`` KiB (default 30, the
benchmark's page size) with the chrome real pages carry: a menu and a sidebar of
links, a comment list, inline scripts. A measuring script, not a test.

``--bodies`` compares generic body extractors on the same pages against the expected
``body_text`` (word-level F1, plain and padded, and time): the largest-text-block
heuristic the generic profile uses, trafilatura, and readability-lxml (when installed).
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from crawler.extract import extract_article

PAGES = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pages"
CASES = (
    ("gnuboard", "gnuboard_view.html", "https://board.example.kr/bbs/board.php?bo_table=economy&wr_id=1532"),
    ("gnuboard", "gnuboard_builder.html", "https://camp.example.com/bbs/board.php?bo_table=camp&wr_id=2206"),
    ("gnuboard", "euckr_board.html", "http://old.example.co.kr/bbs/board.php?bo_table=old&wr_id=4"),
    ("daum", "daum_view.html", "https://v.daum.net/v/20251104101502345"),
    ("daum", "seed_article.txt", "https://v.daum.net/v/20251015131318210"),
    ("wordpress", "wordpress_post.html", "https://slowtravel.example.org/2025/09/28/jeju-olle-7/"),
    ("generic", "generic_article.html", "https://www.simin.example.com/news/articleView.html?idxno=88812"),
    ("generic", "broken_truncated.html", "https://local.example.com/view?id=5521"),
)


def _chrome_block(index: int) -> str:
    links = "".join(
        f'<li><a href="/bbs/board.php?bo_table=free&amp;wr_id={index * 40 + i}">'
        f"사이드바 최신글 제목 {index}-{i} 입니다</a> <span class=\"lt_date\">10-1{i % 10}</span></li>"
        for i in range(20)
    )
    comments = "".join(
        f'<article class="cmt" id="c_{index}{i}"><header><span class="sv_member">회원{i}</span>'
        f'<time datetime="2025-10-15T13:2{i % 10}:00+09:00">25-10-15 13:2{i % 10}</time></header>'
        f'<div class="cmt_contents"><p>댓글 내용입니다. 좋은 글 감사합니다 {i}.</p></div></article>'
        for i in range(6)
    )
    numbers = ",".join(str(i) for i in range(150))
    script = f"<script>var g5_data_{index} = [{numbers}];</script>"
    return (
        f'<aside class="sidebar widget"><h2>최신글</h2><ul class="latest">{links}</ul></aside>'
        f'<section class="comment-list" id="bo_vc_{index}">{comments}</section>{script}'
    )


def padded(body: bytes, size_kib: float, encoding: str = "utf-8") -> bytes:
    """``body`` with page chrome added before ``</body>`` until it is about ``size_kib`` KiB."""
    if len(body) >= size_kib * 1024:
        return body
    text = body.decode(encoding)
    blocks: list[str] = []
    index = 0
    while len(body) + len("".join(blocks).encode(encoding)) < size_kib * 1024:
        blocks.append(_chrome_block(index))
        index += 1
    chrome = "".join(blocks)
    lower = text.lower()
    at = lower.rfind("</body>")
    text = text[:at] + chrome + text[at:] if at >= 0 else text + chrome
    return text.encode(encoding)


def measure(size_kib: float = 30.0, rounds: int = 200) -> list[tuple[str, str, int, float, float, float]]:
    """``(profile, page, bytes, min ms, median ms, p90 ms)`` for each saved page."""
    results = []
    now = datetime.now(UTC)
    for profile, name, url in CASES:
        raw = (PAGES / name).read_bytes()
        encoding = "cp949" if name.startswith("euckr") else "utf-8"
        try:
            body = padded(raw, size_kib, encoding)
        except UnicodeDecodeError:  # a page cut inside a character: pad the decodable part
            body = padded(raw[:-2], size_kib, encoding)
        item = extract_article(body, url, fetched_at=now)
        assert item.profile == profile, (name, item.profile)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            extract_article(body, url, fetched_at=now)
            times.append((time.perf_counter() - start) * 1000)
        times.sort()
        results.append(
            (profile, name, len(body), times[0], statistics.median(times), times[int(len(times) * 0.9)])
        )
    return results


def _words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text))


def _f1(got: str, expected: str) -> float:
    g, e = _words(got), _words(expected)
    overlap = sum((g & e).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(g.values()), overlap / sum(e.values())
    return 2 * precision * recall / (precision + recall)


def _body_extractors() -> dict[str, Callable[[str], str]]:
    from crawler.extract.body import largest_text_block
    from crawler.extract.body import strip_boilerplate as _strip_boilerplate
    from crawler.extract.html import text_lines
    from crawler.extract.parse import parse_html
    from crawler.text import clean_body

    def own(html: str) -> str:
        root = parse_html(html).root
        for el in list(root.iter("script", "style", "noscript", "template")):
            el.getparent().remove(el)
        best = largest_text_block(root)
        if best is None:
            return ""
        _strip_boilerplate(best)
        return clean_body("\n".join(text_lines(best)))

    extractors: dict[str, Callable[[str], str]] = {"largest-block": own}
    try:
        import trafilatura

        def traf(html: str) -> str:
            out = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
            return clean_body(out or "")

        extractors["trafilatura"] = traf
    except ImportError:
        pass
    try:
        import lxml.html
        from readability import Document

        def readab(html: str) -> str:
            summary = Document(html).summary(html_partial=True)
            return clean_body("\n".join(text_lines(lxml.html.fromstring(summary))))

        extractors["readability"] = readab
    except ImportError:
        pass
    return extractors


def compare_bodies(size_kib: float = 30.0, rounds: int = 10) -> None:
    """Print word-level F1 (plain/padded page) and ms per padded page of each extractor."""
    import json
    import logging

    from crawler.extract.encoding import decode_html

    logging.disable(logging.WARNING)
    extractors = _body_extractors()
    totals = {name: [0.0, 0.0, 0.0] for name in extractors}
    count = 0
    for spec_path in sorted(PAGES.glob("*.json")):
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        if "expected" not in spec:
            continue
        page = next(p for p in PAGES.glob(spec_path.stem + ".*") if p.suffix != ".json")
        raw = page.read_bytes()
        html, codec = decode_html(raw)
        try:
            big = padded(raw, size_kib, codec).decode(codec)
        except UnicodeDecodeError:
            big = padded(raw[:-2], size_kib, codec).decode(codec)
        expected = spec["expected"]["body_text"]
        count += 1
        cells = []
        for name, extract in extractors.items():
            plain, padded_f1 = _f1(extract(html), expected), _f1(extract(big), expected)
            start = time.perf_counter()
            for _ in range(rounds):
                extract(big)
            ms = (time.perf_counter() - start) / rounds * 1000
            for i, value in enumerate((plain, padded_f1, ms)):
                totals[name][i] += value
            cells.append(f"{name} {plain:.2f}/{padded_f1:.2f} {ms:5.1f}ms")
        print(f"{spec_path.stem:20} " + " | ".join(cells))
    for name, (plain, padded_f1, ms) in totals.items():
        print(f"{name:14} mean F1 {plain / count:.3f} (padded {padded_f1 / count:.3f}), {ms / count:.1f} ms/page")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=30.0, help="page size in KiB (default 30)")
    parser.add_argument("-n", type=int, default=200, help="rounds per page (default 200)")
    parser.add_argument("--bodies", action="store_true", help="compare generic body extractors instead")
    args = parser.parse_args(argv)
    if args.bodies:
        compare_bodies(args.size)
        return 0
    print(f"{'profile':10} {'page':24} {'KiB':>5} {'min ms':>8} {'median ms':>10} {'p90 ms':>8}")
    for profile, name, size, low, median, p90 in measure(args.size, args.n):
        print(f"{profile:10} {name:24} {size / 1024:5.1f} {low:8.3f} {median:10.3f} {p90:8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
