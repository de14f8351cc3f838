"""Fault suite, part 2: a hostile or broken site.

A site answering 5% of requests with 500/503 and stalling some for 10 s; a redirect
loop; a prev/next cycle; a link to a loopback address from an otherwise public site;
bad pages (truncated HTML, an EUC-KR page whose header says UTF-8, a 50 MB page, a
gzip bomb, a page with no title, a PDF). Each bad input must end with a clear log
line naming it and a ``rejected_items`` row or a stats counter: never a crash, never
a silent drop; every good page is stored exactly once and the worker exits 0.

The bad pages share one crawl (module fixture ``hostile``); each test checks one case.
"""

from __future__ import annotations

import gzip
import re
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pytest
from faultkit import (
    PrivatePostgres,
    PrivateRedis,
    Worker,
    rejected,
    run_crawler,
    service_env,
    stored_counts,
    stored_urls,
)

from crawler.demo.site import ChainSite, Response, SiteServer
from crawler.urls import canonicalize_url

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

SETTINGS: dict[str, Any] = {"lease_timeout": 10, "idle_poll": 0.2, "connect_timeout": 3}
_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ (INFO|WARNING|ERROR|CRITICAL) ")


def gnuboard_page(
    title: str | None,
    paragraphs: list[str],
    *,
    prev_href: str | None = None,
    next_href: str | None = None,
    charset: str = "utf-8",
) -> str:
    """A gnuboard5-style article page (what ``ChainSite`` renders), as text."""

    def nb(cls: str, label: str, href: str | None) -> str:
        if not href:
            return ""
        return f'<li class="{cls}"><span class="nb_tit">{label}</span><a href="{escape(href)}">{label} 글</a></li>'

    head_title = f"<title>{escape(title)} | 테스트 게시판</title>" if title else ""
    h2 = f'<header><h2 id="bo_v_title"><span class="bo_v_tit">{escape(title)}</span></h2></header>' if title else ""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="ko"><head><meta charset="{charset}">{head_title}</head><body>'
        f'<div id="wrapper"><div id="container"><article id="bo_v">{h2}'
        '<section id="bo_v_info"><h2>페이지 정보</h2><div class="profile_info_ct">'
        '<span class="sound_only">작성자</span> <strong><span class="sv_member">관리자</span></strong> '
        '<strong class="if_date"><span class="sound_only">작성일</span> 25-10-15 09:00</strong></div></section>'
        f'<section id="bo_v_atc"><h2 id="bo_v_atc_title">본문</h2><div id="bo_v_con">{body}</div></section>'
        f'<ul class="bo_v_nb">{nb("btn_prv", "이전글", prev_href)}{nb("btn_next", "다음글", next_href)}</ul>'
        "</article></div></div></body></html>"
    )


def _paragraphs(tag: str, n: int = 3) -> list[str]:
    return [f"{tag} 기사의 {i + 1}번째 문단입니다. 시험용 본문이 충분히 길게 이어집니다." for i in range(n)]


def _html(text: str, charset: str = "utf-8") -> Response:
    return Response(200, text.encode(charset), {"Content-Type": f"text/html; charset={charset}"})


def trap_path(name: str, n: int = 1) -> str:
    return f"/bbs/board.php?bo_table={name}&wr_id={n}"


def log_lines_about(log: str, needle: str) -> list[str]:
    """Log lines at INFO or above that mention ``needle``."""
    return [line for line in log.splitlines() if _LOG_LINE.match(line) and needle in line]


def stat(log: str, name: str) -> int | None:
    """A counter from the final Scrapy stats dump in ``log``."""
    found = re.findall(rf"'{re.escape(name)}': (\d+)", log)
    return int(found[-1]) if found else None


class CutTransferServer:
    """Answers every article request with a ``Content-Length`` larger than what it sends,
    then closes the connection: a transfer truncated mid-body (robots.txt is served whole)."""

    def __init__(self, page: bytes, announced: int) -> None:
        self.hits = 0
        outer = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = self.request.recv(4096)
                    if not chunk:
                        return
                    data += chunk
                if data.split(b" ", 2)[1] == b"/robots.txt":
                    body = b"User-agent: *\nAllow: /\n"
                    self.request.sendall(
                        b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode() + body
                    )
                    return
                outer.hits += 1
                self.request.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n"
                    + f"Content-Length: {announced}\r\n\r\n".encode() + page
                )

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{path}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class CrawlResult:
    site: SiteServer
    database: str
    log: str
    exit_code: int
    urls: set[str] = field(default_factory=set)
    rejected: list[tuple[str, str]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    chain_site: ChainSite | None = None
    cutter: CutTransferServer | None = None

    def url(self, path: str) -> str:
        return self.site.url(path)

    def stored(self, path: str) -> bool:
        return canonicalize_url(self.url(path)) in self.urls

    def rejected_reasons(self, path: str) -> list[str]:
        target = canonicalize_url(self.url(path))
        return [reason for url, reason in self.rejected if url and canonicalize_url(url) == target]

    def article_title(self, path: str) -> str | None:
        import psycopg

        with psycopg.connect(self.database, autocommit=True) as conn:
            row = conn.execute(
                "SELECT a.title FROM article_urls u JOIN articles a ON a.id = u.article_id"
                " WHERE u.canonical_url = %s",
                (canonicalize_url(self.url(path)),),
            ).fetchone()
        return row[0] if row else None


def crawl_once(
    site: SiteServer, seeds: list[str], database: str, redis_url: str, log_path: Path, **settings: Any
) -> CrawlResult:
    env = service_env(database, redis_url, **{**SETTINGS, **settings})
    run_crawler(env, "enqueue", *seeds)
    worker = Worker(env, log_path, "--exit-when-idle", "3")
    code = worker.wait(180)
    return CrawlResult(
        site=site,
        database=database,
        log=worker.log(),
        exit_code=code,
        urls={canonicalize_url(u) for u in stored_urls(database)},
        rejected=rejected(database),
        counts=stored_counts(database),
    )


def assert_no_crash(result: CrawlResult) -> None:
    """The worker exited 0 and no page made the spider raise."""
    assert result.exit_code == 0, result.log[-3000:]
    assert not [k for k in counters(result.log) if k.startswith("spider_exceptions")], "a page made the spider raise"


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    yield server
    server.close()


# --- a flaky, slow site --------------------------------------------------------------------


def test_site_with_5_percent_errors_and_10s_stalls_is_crawled_whole(
    pg_cluster: PrivatePostgres, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    site = ChainSite(boards=4, posts_per_board=60, page_kib=2, reposts=4, seed=3)
    with SiteServer(site, error_rate=0.05, stall_rate=0.015, stall_seconds=10, seed=11) as server:
        seeds = [server.url(p) for p in site.oldest_paths()]
        result = crawl_once(server, seeds, pg_cluster.create_database(), private_redis.url, tmp_path / "w.log")
        assert_no_crash(result)
        expected = {canonicalize_url(server.url(p)) for p in site.article_paths()}
        assert result.urls == expected, f"missing {sorted(expected - result.urls)[:5]}"
        assert result.counts["articles"] == site.distinct_bodies()
        assert result.counts["rejected_items"] == 0
        assert (stat(result.log, "retry/count") or 0) > 0, "no retry counted: did errors happen?"
        hits = server.article_hits()
        assert max(hits.values()) <= 4  # first try + RETRY_TIMES=3


# --- the hostile site: one crawl, one test per case ------------------------------------------------

BIG_BYTES = 50 * 1024 * 1024
BOMB_BYTES = 120 * 1024 * 1024


@pytest.fixture(scope="module")
def hostile(pg_cluster: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrawlResult]:
    site = ChainSite(boards=2, posts_per_board=15, page_kib=2, seed=5)
    server = SiteServer(site).start()
    cutter: CutTransferServer | None = None
    redis = PrivateRedis()
    try:
        routes = server.routes
        # Redirect loop, linked from an article.
        routes["/loop"] = Response(302, b"", {"Location": "/loop2"})
        routes["/loop2"] = Response(302, b"", {"Location": "/loop"})
        routes[trap_path("redirect")] = _html(
            gnuboard_page("리다이렉트 고리로 가는 글", _paragraphs("고리"), prev_href="/loop")
        )
        # prev/next cycle of three articles: 1 -> 2 -> 3 -> 1.
        for i in (1, 2, 3):
            routes[trap_path("cycle", i)] = _html(
                gnuboard_page(
                    f"순환 {i}번 글",
                    _paragraphs(f"순환{i}"),
                    prev_href=trap_path("cycle", i % 3 + 1),
                    next_href=trap_path("cycle", (i - 2) % 3 + 1),
                )
            )
        # Bad pages, each linked from a "hub" article's prev/next links.
        full = gnuboard_page("잘린 페이지의 제목", _paragraphs("잘림", 8))
        cut = full[: full.index("<p>") + 200]  # mid-body, no closing tags
        routes[trap_path("truncated")] = _html(cut)
        routes[trap_path("euckr")] = Response(
            200,
            gnuboard_page("한글 인코딩 시험 기사", _paragraphs("완성형"), charset="euc-kr").encode("euc-kr"),
            {"Content-Type": "text/html; charset=utf-8"},  # the header lies
        )
        page = gnuboard_page("아주 큰 페이지", _paragraphs("대용량"))
        routes[trap_path("huge")] = Response(
            200, page.encode() + b"<!--" + b"x" * BIG_BYTES + b"-->", {"Content-Type": "text/html; charset=utf-8"}
        )
        bomb = gzip.compress(page.encode() + b" " * BOMB_BYTES, compresslevel=6)
        routes[trap_path("bomb")] = Response(
            200, bomb, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
        )
        routes[trap_path("notitle")] = _html(gnuboard_page(None, _paragraphs("무제")))
        pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
        routes["/files/report.pdf"] = Response(200, pdf, {"Content-Type": "application/pdf"})
        hubs = [("truncated", "euckr"), ("huge", "bomb"), ("notitle", None)]
        for i, (prev, nxt) in enumerate(hubs, start=1):
            routes[trap_path("hub", i)] = _html(
                gnuboard_page(
                    f"허브 {i}번 글",
                    _paragraphs(f"허브{i}"),
                    prev_href=trap_path(prev),
                    next_href=trap_path(nxt) if nxt else "/files/report.pdf",
                )
            )
        seeds = [server.url(p) for p in site.oldest_paths()]
        seeds += [server.url(trap_path("redirect")), server.url(trap_path("cycle", 1))]
        seeds += [server.url(trap_path("hub", i)) for i in range(1, len(hubs) + 1)]
        # A transfer cut mid-body (its own host: a seed, since off-site links end a walk).
        cut_page = gnuboard_page("전송이 끊긴 글", _paragraphs("끊김", 8)).encode()
        cutter = CutTransferServer(cut_page[: len(cut_page) // 2], announced=len(cut_page))
        seeds.append(cutter.url(trap_path("cut")))
        result = crawl_once(
            server, seeds, pg_cluster.create_database(), redis.url, tmp_path_factory.mktemp("hostile") / "w.log"
        )
        result.chain_site = site
        result.cutter = cutter
        yield result
    finally:
        server.stop()
        redis.close()
        if cutter is not None:
            cutter.stop()


def test_hostile_site_worker_survives_and_stores_every_good_page(hostile: CrawlResult) -> None:
    assert_no_crash(hostile)
    assert hostile.chain_site is not None
    for path in hostile.chain_site.article_paths():
        assert hostile.stored(path), f"good page {path} not stored"
    for path in [trap_path("redirect"), *(trap_path("hub", i) for i in (1, 2, 3))]:
        assert hostile.stored(path), f"article {path} not stored"


def assert_reported(result: CrawlResult, path: str, *, reason: str, counter: str) -> None:
    """A clear log line names ``path`` (and matches ``reason``), and a ``rejected_items`` row
    or a stats counter (a name matching ``counter``) records it."""
    needle = path.split("?", 1)[-1] if "?" in path else path
    lines = log_lines_about(result.log, needle)
    assert lines, f"no log line at INFO or above names {path}"
    assert any(re.search(reason, line, re.I) for line in lines), f"no reason matching {reason!r} in {lines}"
    rows = result.rejected_reasons(path)
    matched = [k for k in counters(result.log) if re.search(counter, k, re.I)]
    assert rows or matched, (
        f"{path}: no rejected_items row and no stats counter matching {counter!r} "
        f"(counters: {sorted(counters(result.log))})"
    )


def counters(log: str) -> dict[str, int]:
    """The integer counters of the final Scrapy stats dump in ``log``."""
    dump = log.rsplit("Dumping Scrapy stats:", 1)[-1].split("}", 1)[0]
    return {k: int(v) for k, v in re.findall(r"'([^']+)': (\d+),?$", dump, re.M)}


def test_bad_inputs_leave_one_line_reasons_not_tracebacks(hostile: CrawlResult) -> None:
    assert "Traceback" not in hostile.log, (
        "a bad input logged a traceback instead of a one-line reason:\n"
        + hostile.log[max(0, hostile.log.index("Traceback") - 400) :][:1500]
    )


def test_redirect_loop_ends_with_a_reason(hostile: CrawlResult) -> None:
    hits = hostile.site.hits["/loop"] + hostile.site.hits["/loop2"]
    assert 1 <= hits <= 12, f"{hits} requests into the redirect loop"
    assert_reported(hostile, "/loop", reason=r"redirect|loop", counter=r"redirect|loop|filtered")


def test_prev_next_cycle_stores_each_page_once_and_ends(hostile: CrawlResult) -> None:
    for i in (1, 2, 3):
        path = trap_path("cycle", i)
        assert hostile.stored(path)
        assert hostile.site.hits[path] == 1, f"{path} fetched {hostile.site.hits[path]} times"


def test_truncated_html_is_stored_or_rejected_with_a_reason(hostile: CrawlResult) -> None:
    path = trap_path("truncated")
    assert hostile.stored(path) or hostile.rejected_reasons(path), "truncated page dropped silently"


def test_transfer_cut_mid_body_is_retried_then_reported(hostile: CrawlResult) -> None:
    assert hostile.cutter is not None
    url = hostile.cutter.url(trap_path("cut"))
    assert canonicalize_url(url) not in hostile.urls, "a page whose transfer was cut was stored"
    assert 1 <= hostile.cutter.hits <= 4, f"{hostile.cutter.hits} fetches (1 + RETRY_TIMES at most)"
    lines = log_lines_about(hostile.log, "bo_table=cut")
    assert lines, "no log line names the cut transfer"
    assert any(re.search(r"fail|loss|lost|truncat|incomplete|cut", line, re.I) for line in lines), lines
    rows = [r for u, r in hostile.rejected if u and "bo_table=cut" in u]
    failed = [k for k in counters(hostile.log) if re.search(r"fail|loss|exception", k, re.I)]
    assert rows or failed, "no rejected_items row and no counter records the cut transfer"


def test_euc_kr_page_with_a_lying_header_is_decoded(hostile: CrawlResult) -> None:
    assert hostile.article_title(trap_path("euckr")) == "한글 인코딩 시험 기사"


def test_50mb_page_is_refused_with_a_reason(hostile: CrawlResult) -> None:
    path = trap_path("huge")
    assert not hostile.stored(path)
    assert_reported(hostile, path, reason=r"size|larger|limit", counter=r"maxsize|size|cancel|exception_type")


def test_gzip_bomb_is_refused_with_a_reason(hostile: CrawlResult) -> None:
    path = trap_path("bomb")
    assert not hostile.stored(path)
    assert_reported(
        hostile, path, reason=r"MAXSIZE|size|decompress", counter=r"maxsize|size|decompress|bomb|ignore"
    )


def test_page_without_title_is_rejected_with_a_reason(hostile: CrawlResult) -> None:
    path = trap_path("notitle")
    title = hostile.article_title(path)
    assert title is None, f"a page with no title was stored with the title {title!r}"
    reasons = hostile.rejected_reasons(path)
    assert reasons and any("title" in r.lower() for r in reasons), hostile.rejected


def test_non_html_content_type_is_skipped_with_a_reason(hostile: CrawlResult) -> None:
    path = "/files/report.pdf"
    assert not hostile.stored(path)
    assert_reported(
        hostile, path, reason=r"no article|content.type|not html|pdf", counter=r"no_article|content_type|html"
    )


# --- a loopback link on a "public" site ------------------------------------------------------


@pytest.fixture
def two_hosts() -> Iterator[tuple[SiteServer, SiteServer, str]]:
    """A site on 127.0.0.2 (the "public" one) whose article's 이전글 link redirects to 127.0.0.1.

    A plain link to another host ends a walk (off-site) before any address check; a
    redirect from the site's own URL is how a public page leads a crawler to a private
    address, and what the guard must refuse.
    """
    inner_site = ChainSite(boards=1, posts_per_board=1, seed=9)
    inner = SiteServer(inner_site, host="127.0.0.1").start()
    public_site = ChainSite(boards=1, posts_per_board=3, seed=8)
    public = SiteServer(public_site, host="127.0.0.2").start()
    private_link = inner.url(inner_site.article_paths()[0])
    public.routes["/out"] = Response(302, b"", {"Location": private_link})
    public.routes[trap_path("leak")] = _html(
        gnuboard_page("내부 주소로 가는 글", _paragraphs("내부"), prev_href="/out")
    )
    try:
        yield public, inner, private_link
    finally:
        public.stop()
        inner.stop()


@pytest.mark.parametrize("allowed", [False, True], ids=["refused", "allowed-in-settings"])
def test_link_to_loopback_from_public_site(
    allowed: bool,
    two_hosts: tuple[SiteServer, SiteServer, str],
    pg_cluster: PrivatePostgres,
    private_redis: PrivateRedis,
    tmp_path: Path,
) -> None:
    public, inner, private_link = two_hosts
    settings: dict[str, Any] = {"allowed_private_hosts": ["127.0.0.1"] if allowed else []}
    seeds = [public.url(trap_path("leak")), public.url(public.site.oldest_paths()[0])]
    result = crawl_once(public, seeds, pg_cluster.create_database(), private_redis.url, tmp_path / "w.log", **settings)
    assert_no_crash(result)
    assert result.stored(trap_path("leak"))
    for path in public.site.article_paths():
        assert result.stored(path)
    inner_hits = sum(inner.article_hits().values())
    if allowed:
        assert inner_hits == 1
        assert canonicalize_url(private_link) in result.urls
    else:
        assert inner_hits == 0, "a loopback address was fetched from a public site"
        assert canonicalize_url(private_link) not in result.urls
        lines = log_lines_about(result.log, "127.0.0.1")
        counted = [k for k in re.findall(r"'([^']*(?:private|guard|refus|blocked)[^']*)': \d+", result.log)]
        assert lines or counted, "the refused loopback link left no log line and no counter"
