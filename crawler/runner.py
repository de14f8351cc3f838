"""``crawler run``: the main job of ``make run``, end to end on one machine.

1. Backends: PostgreSQL at ``DATABASE_URL`` and Redis at ``REDIS_URL`` when they answer,
   else private servers under ``--data-dir`` (:mod:`crawler.localservices`), left running
   afterwards for queries (``crawler run --stop-services`` stops them).
2. ``crawler migrate``.
3. Seeds: with no URL, a bundled demo site (:class:`crawler.demo.site.ChainSite`, three
   boards of ten chained posts) served on 127.0.0.1 and walked from each board's oldest
   post; with URLs, those.
4. ``crawler enqueue`` the seeds, then ``crawler worker --exit-when-idle`` (``--workers``
   of them) as subprocesses, with a progress line (pages fetched, articles stored, ...)
   read from the workers' ``/metrics`` and from PostgreSQL; worker logs go to
   ``<data-dir>/logs/``.
5. A summary of what was stored and how to query it (``psql``, ``crawler export``).

The demo uses its own Redis key prefix (``<CRAWLER_REDIS_PREFIX>-demo``), cleared at the
start of each demo run so that every run walks the whole demo site again (what was
already stored is then counted as unchanged, not stored twice).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from crawler.connections import pg_connect, safe_url

#: Boards and posts of the demo site.
DEMO_BOARDS = 3
DEMO_POSTS_PER_BOARD = 10
#: Seconds a worker waits on an empty frontier before it exits (demo / real sites).
DEMO_IDLE_SECONDS = 2.0
SITE_IDLE_SECONDS = 10.0
_METRIC_RE = re.compile(r"^(crawler_[a-z_]+?)(?:_total)?(?:\{[^}]*\})?\s+([0-9.eE+-]+)$")


@dataclass
class Progress:
    """Figures of a run so far."""

    fetched: int = 0
    stored: int = 0
    duplicates: int = 0
    unchanged: int = 0
    rejected: int = 0
    queued: int | None = None
    workers_alive: int = 0
    extra: dict[str, float] = field(default_factory=dict)

    def line(self, elapsed: float) -> str:
        parts = [
            f"{elapsed:5.1f}s",
            f"pages fetched {self.fetched}",
            f"articles stored {self.stored}",
            f"duplicates {self.duplicates}",
        ]
        if self.unchanged:
            parts.append(f"unchanged {self.unchanged}")
        parts.append(f"rejected {self.rejected}")
        if self.queued is not None:
            parts.append(f"queued {self.queued}")
        parts.append(f"workers {self.workers_alive}")
        return "  ".join(parts)


def scrape_metrics(url: str, timeout: float = 1.0) -> dict[str, float]:
    """Sum of each ``crawler_*`` metric at ``url`` (``/metrics``), over its labels."""
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        text = resp.read().decode("utf-8", "replace")
    out: dict[str, float] = {}
    for line in text.splitlines():
        match = _METRIC_RE.match(line)
        if match:
            out[match.group(1)] = out.get(match.group(1), 0.0) + float(match.group(2))
    return out


def _crawler_cmd() -> list[str]:
    return [sys.executable, "-m", "crawler.cli"]


def _shown_crawler() -> str:
    """How the user should type the ``crawler`` command in the hints printed at the end."""
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name == "crawler" and argv0.exists():
        try:
            rel = argv0.resolve().relative_to(Path.cwd().resolve())
            return "./" + str(rel) if not str(rel).startswith(".") else str(rel)
        except ValueError:
            return str(argv0)
    return "crawler"


def _run_checked(cmd: list[str], env: Mapping[str, str], what: str, out: IO[str]) -> str:
    proc = subprocess.run(cmd, env=dict(env), capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"{what} failed (exit {proc.returncode}):", file=out)
        print((proc.stderr or proc.stdout).strip()[-3000:], file=out)
        raise SystemExit(proc.returncode or 1)
    return proc.stdout


def _clear_prefix(redis_url: str, prefix: str) -> int:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        return len(keys)
    finally:
        client.close()


def _free_port() -> int:
    from crawler.localservices import free_port

    return free_port()


class Run:
    """One ``crawler run``; see the module docstring."""

    def __init__(self, args: argparse.Namespace, *, out: IO[str] | None = None) -> None:
        from crawler.config import get_settings

        self.args = args
        self.out = out or sys.stdout
        self.settings = get_settings()
        self.data_dir = Path(args.data_dir or self.settings.get("CRAWLER_DATA_DIR"))
        self.demo = not args.urls
        self.started = time.monotonic()

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    # --- steps --------------------------------------------------------------------------

    def run(self) -> int:
        from crawler.localservices import ServiceError, ensure_services

        try:
            services = ensure_services(
                self.settings.get("DATABASE_URL"),
                self.settings.get("REDIS_URL"),
                self.data_dir,
                timeout=min(self.settings.getfloat("CRAWLER_CONNECT_TIMEOUT"), 2.0),
            )
        except ServiceError as exc:
            self.say(f"crawler run: {exc}")
            return 2
        for message in services.messages:
            self.say(message)
        self.services = services
        base_prefix = self.settings.get("CRAWLER_REDIS_PREFIX")
        self.prefix = f"{base_prefix}-demo" if self.demo else base_prefix

        from crawler.storage.migrate import apply_migrations

        applied = apply_migrations(services.database_url)
        self.say(f"Schema: {'applied ' + ', '.join(applied) if applied else 'up to date'}.")

        server = None
        try:
            if self.demo:
                server, seeds, expected = self._start_demo()
            else:
                seeds, expected = list(self.args.urls), None
            env = self._env(seeds)
            before = self._db_counts()
            self._enqueue(seeds, env)
            code, progress = self._crawl(env, before)
            self._summary(before, expected, seeds, progress)
            return code
        finally:
            if server is not None:
                server.stop()

    def _start_demo(self) -> tuple[Any, list[str], int]:
        from crawler.demo.site import ChainSite, SiteServer
        from crawler.localservices import port_is_free

        site = ChainSite(boards=DEMO_BOARDS, posts_per_board=DEMO_POSTS_PER_BOARD)
        port = self.args.demo_port if self.args.demo_port and port_is_free(self.args.demo_port) else 0
        server = SiteServer(site, port=port).start()
        seeds = [server.url(path) for path in site.oldest_paths()]
        cleared = _clear_prefix(self.services.redis_url, self.prefix)
        self.say(
            f"Demo site: {DEMO_BOARDS} boards of {DEMO_POSTS_PER_BOARD} chained posts at {server.base_url} "
            f"({site.distinct_bodies()} articles); seeds: the oldest post of each board."
            + (f" Cleared {cleared} Redis key(s) of the previous demo run." if cleared else "")
        )
        return server, seeds, site.distinct_bodies()

    def _env(self, seeds: list[str]) -> dict[str, str]:
        env = dict(os.environ)
        env.update(
            DATABASE_URL=self.services.database_url,
            REDIS_URL=self.services.redis_url,
            CRAWLER_REDIS_PREFIX=self.prefix,
            PYTHONUNBUFFERED="1",
        )
        if self.demo:
            from urllib.parse import urlsplit

            hosts = sorted({urlsplit(u).hostname or "" for u in seeds})
            env["CRAWLER_ALLOWED_PRIVATE_HOSTS"] = "[" + ", ".join(f'"{h}"' for h in hosts) + "]"
            env["CRAWLER_RECOVER_ON_START"] = "false"
        return env

    def _enqueue(self, seeds: list[str], env: Mapping[str, str]) -> None:
        cmd = [*_crawler_cmd(), "enqueue", *seeds]
        if self.args.max_pages is not None:
            cmd += ["--max-pages", str(self.args.max_pages)]
        if self.args.profile:
            cmd += ["--profile", self.args.profile]
        if self.args.direction:
            cmd += ["--direction", self.args.direction]
        _run_checked(cmd, env, "crawler enqueue", self.out)
        self.say(f"Enqueued {len(seeds)} seed(s) under Redis prefix {self.prefix!r}.")

    def _crawl(self, env: Mapping[str, str], before: dict[str, int]) -> tuple[int, Progress]:
        idle = self.args.idle if self.args.idle is not None else (DEMO_IDLE_SECONDS if self.demo else SITE_IDLE_SECONDS)
        logs_dir = self.data_dir / "logs"
        logs_dir.mkdir(parents=True, exist_ok=True)
        workers: list[tuple[subprocess.Popen[bytes], Path, str]] = []
        for n in range(max(1, self.args.workers)):
            port = _free_port()
            worker_env = dict(env)
            worker_env.update(
                CRAWLER_WORKER_ID=f"run-{n + 1}",
                CRAWLER_METRICS_PORT=str(port),
                CRAWLER_METRICS_HOST="127.0.0.1",
            )
            log_path = logs_dir / f"worker-{n + 1}.log"
            log_file = open(log_path, "wb")  # noqa: SIM115 - closed when the worker ends
            proc = subprocess.Popen(
                [*_crawler_cmd(), "worker", "--exit-when-idle", f"{idle:g}"],
                env=worker_env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
            log_file.close()
            workers.append((proc, log_path, f"http://127.0.0.1:{port}/metrics"))
        self.say(
            f"Started {len(workers)} worker(s); they stop after the frontier has been empty for {idle:g}s. "
            f"Logs: {logs_dir}/"
        )
        tty = self.out.isatty()
        last_line, last_print = "", 0.0
        progress = Progress()
        try:
            while True:
                alive = [p for p, _, _ in workers if p.poll() is None]
                progress = self._progress(workers, before, progress, len(alive))
                line = progress.line(time.monotonic() - self.started)
                now = time.monotonic()
                if tty:
                    print("\r" + line.ljust(len(last_line)), end="", file=self.out, flush=True)
                    last_line = line
                elif progress.line(0) != last_line or now - last_print > 10:
                    self.say(line)
                    last_line, last_print = progress.line(0), now
                if not alive:
                    break
                time.sleep(0.5)
        except KeyboardInterrupt:
            self.say("\ninterrupted: the workers finish what they are fetching, then stop")
            # Ctrl-C reached the workers too (same process group): they are stopping warmly, and a
            # second signal would force them. Signal only those that did not get it (kill -INT on us).
            deadline = time.monotonic() + 10
            while any(p.poll() is None for p, _, _ in workers) and time.monotonic() < deadline:
                time.sleep(0.1)
            for proc, _, _ in workers:
                if proc.poll() is None:
                    proc.terminate()
            for proc, _, _ in workers:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=30)
            raise
        if tty:
            print(file=self.out)
        failed = [(p, log) for p, log, _ in workers if p.returncode != 0]
        for proc, log in failed:
            self.say(f"worker exited with {proc.returncode}; last lines of {log}:")
            lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
            for text in lines[-25:]:
                self.say("    " + text)
        return (1 if failed else 0), progress

    def _progress(
        self,
        workers: list[tuple[subprocess.Popen[bytes], Path, str]],
        before: dict[str, int],
        last: Progress,
        alive: int,
    ) -> Progress:
        progress = Progress(workers_alive=alive)
        fetched = 0.0
        scraped_all = True
        for proc, _, url in workers:
            if proc.poll() is not None:
                scraped_all = False
                continue
            try:
                figures = scrape_metrics(url)
            except OSError:
                scraped_all = False
                continue
            fetched += figures.get("crawler_pages_fetched", 0.0)
            progress.unchanged += int(figures.get("crawler_items_unchanged", 0.0))
            queued = figures.get("crawler_frontier_queued")
            if queued is not None:
                progress.queued = int(queued)
        # A worker that has exited no longer answers: keep the highest figure seen.
        progress.fetched = int(fetched) if scraped_all else max(int(fetched), last.fetched)
        progress.unchanged = max(progress.unchanged, last.unchanged)
        now = self._db_counts()
        progress.stored = now.get("articles", 0) - before.get("articles", 0)
        progress.duplicates = now.get("duplicates", 0) - before.get("duplicates", 0)
        progress.rejected = now.get("rejected", 0) - before.get("rejected", 0)
        if progress.queued is None:
            progress.queued = last.queued
        return progress

    def _db_counts(self) -> dict[str, int]:
        from crawler.storage.queries import counts

        with pg_connect(self.services.database_url) as conn:
            return counts(conn)

    def _summary(self, before: dict[str, int], expected: int | None, seeds: list[str], progress: Progress) -> None:
        from crawler.localservices import psql_command

        url = self.services.database_url
        now = self._db_counts()
        new = now["articles"] - before.get("articles", 0)
        elapsed = time.monotonic() - self.started
        self.say()
        self.say(
            f"Done in {elapsed:.1f}s: {progress.fetched} page(s) fetched, {new} new article(s) stored, "
            f"{now['duplicates'] - before.get('duplicates', 0)} duplicate URL(s), "
            + (f"{progress.unchanged} already stored and unchanged, " if progress.unchanged else "")
            + (
                f"{now['versions'] - before.get('versions', 0)} changed since last stored, "
                if now.get("versions", 0) > before.get("versions", 0)
                else ""
            )
            + f"{now['rejected'] - before.get('rejected', 0)} rejected."
        )
        with pg_connect(url) as conn:
            if self.demo:
                from urllib.parse import urlsplit

                parts = urlsplit(seeds[0])
                base = f"{parts.scheme}://{parts.netloc}/"
                demo_count = conn.execute(
                    "SELECT count(DISTINCT article_id) FROM article_urls WHERE starts_with(canonical_url, %s)",
                    (base,),
                ).fetchone()
                stored = int(demo_count[0]) if demo_count else 0
                verdict = "all of them" if expected is not None and stored >= expected else f"of {expected}"
                self.say(f"The demo site's {expected} articles: {stored} in the database ({verdict}).")
            by_site = conn.execute(
                "SELECT site, count(*) FROM articles GROUP BY site ORDER BY 2 DESC, 1 LIMIT 10"
            ).fetchall()
            latest = conn.execute(
                "SELECT published_at, title FROM articles ORDER BY published_at DESC NULLS LAST, id DESC LIMIT 3"
            ).fetchall()
        self.say(f"The database holds {now['articles']} article(s) at {now['urls']} URL(s):")
        for site, count in by_site:
            self.say(f"    {site or '(no site)':<30} {count}")
        if latest:
            self.say("Latest published:")
            for published, title in latest:
                when = published.isoformat() if published is not None else "(no date)"
                self.say(f"    {when}  {title}")
        crawler = _shown_crawler()
        env_prefix = f"DATABASE_URL={shlex.quote(url)} " if self.services.private_postgres else ""
        self.say()
        self.say("Query them:")
        query = "SELECT published_at, title, url FROM articles ORDER BY first_seen_at DESC LIMIT 10"
        self.say(f"    {psql_command()} {shlex.quote(url)} -c {shlex.quote(query)}")
        stats_env = env_prefix
        if self.services.private_redis:
            stats_env += f"REDIS_URL={shlex.quote(self.services.redis_url)} "
        if self.prefix != self.settings.get("CRAWLER_REDIS_PREFIX"):
            stats_env += f"CRAWLER_REDIS_PREFIX={shlex.quote(self.prefix)} "
        self.say(f"    {stats_env}{crawler} stats")
        self.say(f"    {env_prefix}{crawler} export --format jsonl -o articles.jsonl")
        self.say(
            f"    {env_prefix}{crawler} export --format csv --site {by_site[0][0] if by_site else 'example.org'}"
            " -o articles.csv"
        )
        if self.services.any_private:
            which = " and ".join(
                name
                for name, on in (("PostgreSQL", self.services.private_postgres), ("Redis", self.services.private_redis))
                if on
            )
            self.say()
            self.say(f"The private {which} keep running (data in {self.data_dir}/) for your queries and the next run.")
            self.say(f"    use them in a shell:  . {self.data_dir / 'services.env'}")
            self.say(
                f"    stop them:            {crawler} run --stop-services"
                + (f" --data-dir {shlex.quote(str(self.data_dir))}" if str(self.data_dir) != ".data" else "")
            )


def stop(args: argparse.Namespace, out: IO[str]) -> int:
    """``crawler run --stop-services``."""
    from crawler.config import get_settings
    from crawler.localservices import read_state, stop_services

    data_dir = Path(args.data_dir or get_settings().get("CRAWLER_DATA_DIR"))
    state = read_state(data_dir)
    stopped = stop_services(data_dir)
    if stopped:
        names = {"postgres": "PostgreSQL", "redis": "Redis"}
        print(
            f"Stopped the private {' and '.join(names[s] for s in stopped)} of {data_dir}/ "
            "(their data stays there; the next `crawler run` starts them again).",
            file=out,
        )
    else:
        recorded = ", ".join(safe_url(v["url"]) for v in state.values() if isinstance(v, dict) and v.get("url"))
        print(
            f"No private PostgreSQL or Redis of {data_dir}/ is running{f' ({recorded})' if recorded else ''}.", file=out
        )
    return 0


def command(args: argparse.Namespace) -> int:
    """``crawler run [URL...]``."""
    from crawler.logs import configure_logging

    configure_logging({"LOG_LEVEL": "WARNING"})
    if args.stop_services:
        return stop(args, sys.stdout)
    try:
        return Run(args).run()
    except SystemExit as exc:
        return int(exc.code or 1)
