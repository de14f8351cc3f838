"""``make run`` / ``crawler run`` end to end: real workers, real PostgreSQL and Redis, a real
local site.

The first test is the job of ``make run`` on a machine where nothing answers at
``DATABASE_URL`` / ``REDIS_URL`` (both point at closed ports): it must start private
servers under a fresh data folder, crawl the bundled demo site and store every one of
its articles."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from crawler.demo.site import ChainSite, SiteServer
from crawler.localservices import free_port, postgres_answers, read_state, redis_answers, stop_services
from crawler.runner import DEMO_BOARDS, DEMO_POSTS_PER_BOARD

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


def run(cmd: list[str], env: dict[str, str], timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


def test_make_run_from_a_clean_state_stores_every_demo_article(data_dir: Path) -> None:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/postgres",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        CRAWLER_DATA_DIR=str(data_dir),
        PYTHONUNBUFFERED="1",
    )
    env.pop("CRAWLER_REDIS_PREFIX", None)
    try:
        # `make run` without its `install` prerequisite (the venv exists already).
        proc = run(["make", "--no-print-directory", "-o", "install", "run"], env)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out
        assert "No PostgreSQL answers at" in out and "started a private one" in out
        assert "No Redis answers at" in out
        expected = DEMO_BOARDS * DEMO_POSTS_PER_BOARD
        assert f"The demo site's {expected} articles: {expected} in the database (all of them)." in out, out
        assert "crawler run --stop-services" in out
        # "pages fetched" comes from the worker's own /metrics endpoint.
        match = re.search(r"Done in [0-9.]+s: (\d+) page\(s\) fetched", out)
        assert match and int(match.group(1)) >= expected, out
        assert f". {data_dir / 'services.env'}" in out

        state = read_state(data_dir)
        db_url, redis_url = state["postgres"]["url"], state["redis"]["url"]
        with psycopg.connect(db_url) as conn:
            articles = conn.execute("SELECT count(*), count(DISTINCT content_hash) FROM articles").fetchone()
            urls = conn.execute("SELECT count(*) FROM article_urls").fetchone()
            titles = conn.execute("SELECT count(*) FROM articles WHERE title LIKE 'board%게시판%'").fetchone()
        assert articles == (expected, expected) and urls == (expected,) and titles == (expected,)

        # The export command printed at the end works against the private database.
        export = run(
            [sys.executable, "-m", "crawler.cli", "export", "--format", "jsonl", "--site", "127.0.0.1"],
            dict(env, DATABASE_URL=db_url),
        )
        assert export.returncode == 0 and len(export.stdout.splitlines()) == expected

        # The private servers outlive the run, until --stop-services.
        assert postgres_answers(db_url) and redis_answers(redis_url)
        stop = run([sys.executable, "-m", "crawler.cli", "run", "--stop-services"], env)
        assert stop.returncode == 0 and "Stopped the private PostgreSQL and Redis" in stop.stdout
        assert not postgres_answers(db_url, timeout=1) and not redis_answers(redis_url, timeout=1)
    finally:
        stop_services(data_dir)


def test_run_crawls_given_urls_with_the_configured_backends(
    crawler_env: dict[str, str], db: psycopg.Connection, tmp_path: Path
) -> None:
    site = ChainSite(boards=2, posts_per_board=6, seed=7)
    with SiteServer(site) as server:
        env = dict(crawler_env, CRAWLER_ALLOWED_PRIVATE_HOSTS='["127.0.0.1"]', CRAWLER_DATA_DIR=str(tmp_path))
        seeds = [server.url(p) for p in site.oldest_paths()]
        proc = run([sys.executable, "-m", "crawler.cli", "run", *seeds, "--idle", "1.5", "--workers", "2"], env)
        out = proc.stdout + proc.stderr
        assert proc.returncode == 0, out
    assert "PostgreSQL answers at" in out and "Redis answers at" in out  # nothing private started
    assert not (tmp_path / "services.json").exists()
    assert "Started 2 worker(s)" in out
    stored = db.execute("SELECT count(*) FROM articles").fetchone()
    assert stored == (site.distinct_bodies(),)
    assert f"{site.distinct_bodies()} new article(s) stored" in out
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == ["worker-1.log", "worker-2.log"]
