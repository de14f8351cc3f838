"""A generated site of gnuboard-style boards whose posts chain by 이전글/다음글 links,
and a threaded HTTP server for it on 127.0.0.1.

Used by ``make run`` (the bundled demo), the crawl tests and the benchmarks. The site
is deterministic for a given ``seed``; posts can be appended while it is served
(new posts at the newest end of a board's chain), and the server counts hits per
path and can inject faults (errors, stalls, fixed routes such as redirect loops).

As on gnuboard5, a post's 이전글 link goes to the *newer* post (the one above it in
the newest-first list) and 다음글 to the older one.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

_WORDS = (
    "인공지능 데이터 현장 산업 기업 정부 장관 협약 발표 지원 기술 개발 시장 투자 서비스 "
    "지역 주민 행사 공지 안내 변경 일정 참여 신청 결과 계획 회의 예산 교육 프로그램 "
    "플랫폼 보안 네트워크 클라우드 반도체 배터리 자동차 에너지 환경 정책 연구 대학"
).split()
_ENDINGS = ("했다.", "밝혔다.", "강조했다.", "전했다.", "설명했다.", "예정이다.", "말했다.")
_AUTHORS = ("관리자", "김민준", "이서연", "박지호", "최유진", "정하늘")

ARTICLE_PATH = "/bbs/board.php?bo_table={board}&wr_id={wr_id}"
LIST_PATH = "/bbs/board.php?bo_table={board}"


@dataclass
class Post:
    """One board post."""

    board: str
    wr_id: int
    title: str
    author: str
    posted_at: datetime
    paragraphs: list[str]

    @property
    def path(self) -> str:
        return ARTICLE_PATH.format(board=self.board, wr_id=self.wr_id)


@dataclass
class Response:
    """What the server sends for one path."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


class ChainSite:
    """Boards of chained posts, rendered as gnuboard5 pages.

    :param boards: number of boards (each board is one prev/next chain).
    :param posts_per_board: posts created per board at start.
    :param page_kib: pad every article page with board chrome to about this size (0: no padding).
    :param reposts: number of posts whose body repeats a post of another board (content duplicates).
    :param seed: seed of the text generator.
    """

    def __init__(
        self,
        *,
        boards: int = 3,
        posts_per_board: int = 10,
        page_kib: float = 0,
        reposts: int = 0,
        seed: int = 0,
        start: datetime | None = None,
    ) -> None:
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self.page_kib = page_kib
        self.start = start or datetime(2025, 10, 15, 9, 0)
        self.boards: dict[str, list[Post]] = {f"board{i + 1}": [] for i in range(boards)}
        self._pages: dict[str, bytes] = {}
        self._chrome = self._make_chrome()
        for board in self.boards:
            for _ in range(posts_per_board):
                self._new_post(board, render=False)
        self._make_reposts(reposts)
        for board in self.boards:
            self._render_board(board)

    # --- content -----------------------------------------------------------------

    def _sentence(self) -> str:
        words = self._rng.choices(_WORDS, k=self._rng.randint(6, 14))
        return " ".join(words) + "고 " + self._rng.choice(_ENDINGS)

    def _new_post(self, board: str, *, render: bool) -> Post:
        posts = self.boards[board]
        wr_id = len(posts) + 1
        n = sum(len(p) for p in self.boards.values())
        paragraphs = [
            f"[데모] {board} {wr_id}번 글의 {i + 1}번째 문단. "
            + " ".join(self._sentence() for _ in range(3))
            for i in range(self._rng.randint(3, 6))
        ]
        post = Post(
            board=board,
            wr_id=wr_id,
            title=f"{board} 게시판 {wr_id}번째 소식: {self._rng.choice(_WORDS)} {self._rng.choice(_WORDS)}",
            author=self._rng.choice(_AUTHORS),
            posted_at=self.start + timedelta(minutes=37 * n),
            paragraphs=paragraphs,
        )
        posts.append(post)
        if render:
            self._render_board(board)
        return post

    def _make_reposts(self, count: int) -> None:
        boards = list(self.boards)
        if len(boards) < 2:
            return
        for i in range(count):
            src_board, dst_board = boards[i % len(boards)], boards[(i + 1) % len(boards)]
            src = self.boards[src_board][i % len(self.boards[src_board])]
            dst = self.boards[dst_board][-(i // len(boards)) - 1]
            dst.paragraphs = list(src.paragraphs)

    def add_post(self, board: str) -> Post:
        """Append a new (newest) post to ``board``'s chain; pages are re-rendered."""
        with self._lock:
            return self._new_post(board, render=True)

    # --- rendering ------------------------------------------------------------------

    def _make_chrome(self) -> str:
        items = "".join(
            f'<li><a href="/bbs/board.php?bo_table=menu{i}">메뉴 {i} {escape(w)}</a></li>'
            for i, w in enumerate(_WORDS)
        )
        return f'<nav id="gnb"><ul>{items}</ul></nav>'

    def _padding(self, size: int) -> str:
        target = int(self.page_kib * 1024)
        if target <= size:
            return ""
        block = (
            '<li class="side_item"><a href="/bbs/board.php?bo_table=notice">'
            "사이드 공지 링크 안내 문구</a><span class='cnt'>12</span></li>"
        )
        reps = max(0, (target - size) // len(block.encode()))
        return f'<aside id="aside"><ul>{block * reps}</ul></aside>'

    def _render_post(self, post: Post, newer: Post | None, older: Post | None) -> bytes:
        def nb(cls: str, label: str, other: Post | None) -> str:
            if other is None:
                return ""
            return (
                f'<li class="{cls}"><span class="nb_tit"><i class="fa"></i> {label}</span>'
                f'<a href="{escape(other.path)}">{escape(other.title)}</a> '
                f'<span class="nb_date">{other.posted_at:%y.%m.%d %H:%M}</span></li>'
            )

        body = "".join(f"<p>{escape(p)}</p>" for p in post.paragraphs)
        html = (
            '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            f"<title>{escape(post.title)} &gt; {post.board} | 데모 게시판</title>"
            f'<meta property="og:title" content="{escape(post.title)}">'
            '<script>var g5_url = "/";</script></head><body>'
            f'<div id="hd"><h1 id="hd_h1">데모 게시판</h1>{self._chrome}</div>'
            '<div id="wrapper"><div id="container">'
            '<article id="bo_v" style="width:100%">'
            f'<header><h2 id="bo_v_title"><span class="bo_v_tit">{escape(post.title)}</span></h2></header>'
            '<section id="bo_v_info"><h2>페이지 정보</h2><div class="profile_info_ct">'
            '<span class="sound_only">작성자</span> '
            f'<strong><span class="sv_member">{escape(post.author)}</span></strong> '
            '<span class="sound_only">조회</span><strong><i class="fa fa-eye"></i> 54회</strong> '
            f'<strong class="if_date"><span class="sound_only">작성일</span> {post.posted_at:%y-%m-%d %H:%M}</strong>'
            "</div></section>"
            f'<section id="bo_v_atc"><h2 id="bo_v_atc_title">본문</h2><div id="bo_v_con">{body}</div></section>'
            f'<ul class="bo_v_nb">{nb("btn_prv", "이전글", newer)}{nb("btn_next", "다음글", older)}</ul>'
            "</article>"
        )
        tail = '</div></div><div id="ft"><p>Copyright &copy; 데모 게시판. All rights reserved.</p></div></body></html>'
        size = len((html + tail).encode())
        return (html + self._padding(size) + tail).encode("utf-8")

    def _render_list(self, board: str) -> bytes:
        rows = "".join(
            f'<tr><td class="td_num">{p.wr_id}</td><td class="td_subject"><div class="bo_tit">'
            f'<a href="{escape(p.path)}">{escape(p.title)}</a></div></td>'
            f'<td class="td_name">{escape(p.author)}</td><td class="td_datetime">{p.posted_at:%m-%d}</td></tr>'
            for p in reversed(self.boards[board])
        )
        return (
            '<!doctype html><html lang="ko"><head><meta charset="utf-8">'
            f"<title>{board} | 데모 게시판</title></head><body>"
            f'<div id="bo_list"><div class="tbl_head01 tbl_wrap"><table><tbody>{rows}</tbody></table></div></div>'
            "</body></html>"
        ).encode()

    def _render_board(self, board: str) -> None:
        posts = self.boards[board]
        for i, post in enumerate(posts):
            newer = posts[i + 1] if i + 1 < len(posts) else None
            older = posts[i - 1] if i > 0 else None
            self._pages[post.path] = self._render_post(post, newer, older)
        self._pages[LIST_PATH.format(board=board)] = self._render_list(board)

    # --- lookup ------------------------------------------------------------------------

    def page(self, path: str) -> bytes | None:
        """The rendered page at ``path`` (path plus query, as requested), or None."""
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        board = (query.get("bo_table") or [""])[0]
        if parts.path != "/bbs/board.php" or board not in self.boards:
            return None
        wr_id = (query.get("wr_id") or [""])[0]
        key = ARTICLE_PATH.format(board=board, wr_id=wr_id) if wr_id else LIST_PATH.format(board=board)
        with self._lock:
            return self._pages.get(key)

    def article_paths(self) -> list[str]:
        """Paths of every post, board by board, oldest first."""
        return [p.path for posts in self.boards.values() for p in posts]

    def posts(self) -> Iterator[Post]:
        """Every post."""
        for posts in self.boards.values():
            yield from posts

    def distinct_bodies(self) -> int:
        """Number of distinct article bodies (what content dedup should store)."""
        return len({"\n".join(p.paragraphs) for p in self.posts()})

    def list_paths(self) -> list[str]:
        """Path of each board's list page."""
        return [LIST_PATH.format(board=b) for b in self.boards]

    def oldest_paths(self) -> list[str]:
        """Path of each board's oldest post (a seed from which 이전글 links walk the chain)."""
        return [posts[0].path for posts in self.boards.values() if posts]


class SiteServer:
    """Serves a :class:`ChainSite` on 127.0.0.1 in a background thread.

    Counts hits per path (``hits``), and injects faults: ``error_rate`` answers that share
    of article requests with 500/503, ``stall_rate`` stalls that share for ``stall_seconds``,
    and ``routes`` maps a path to a fixed :class:`Response` (redirect loops, huge or
    non-HTML pages). Use as a context manager.
    """

    def __init__(
        self,
        site: ChainSite,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        error_rate: float = 0.0,
        stall_rate: float = 0.0,
        stall_seconds: float = 10.0,
        seed: int = 0,
    ) -> None:
        self.site = site
        self.routes: dict[str, Response] = {}
        self.hits: Counter[str] = Counter()
        self.error_rate = error_rate
        self.stall_rate = stall_rate
        self.stall_seconds = stall_seconds
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer((host, port), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` on this server."""
        return self.base_url + path

    def respond(self, path: str) -> Response:
        """What the server answers for ``path`` (faults included); counts the hit."""
        with self._lock:
            self.hits[path] += 1
            roll = self._rng.random()
        if path in self.routes:
            return self.routes[path]
        if path == "/robots.txt":
            return Response(200, b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"})
        body = self.site.page(path)
        if body is None:
            return Response(404, b"<html><body>Not found</body></html>", {"Content-Type": "text/html"})
        if roll < self.error_rate:
            return Response(503 if roll < self.error_rate / 2 else 500, b"busy")
        if roll < self.error_rate + self.stall_rate:
            time.sleep(self.stall_seconds)
        return Response(200, body, {"Content-Type": "text/html; charset=utf-8"})

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                resp = server.respond(self.path)
                self.send_response(resp.status)
                headers = {"Content-Type": "text/html; charset=utf-8", **resp.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(resp.body)))
                self.end_headers()
                self.wfile.write(resp.body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> SiteServer:
        """Start serving in a daemon thread."""
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="demo-site", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._httpd.shutdown()
        self._httpd.server_close()

    def article_hits(self) -> Counter[str]:
        """Hits on article pages only (robots.txt and list pages left out)."""
        with self._lock:
            return Counter({p: n for p, n in self.hits.items() if "wr_id=" in p})

    def __enter__(self) -> SiteServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
