"""The ``crawler`` command: one entry point for operators and outside schedulers.

Each sub-command is a thin adapter: it parses flags here and calls one function
``command(args) -> int`` in the module that owns the work, imported lazily so that
``crawler extract`` does not load Redis or PostgreSQL code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from crawler.connections import BackendUnavailable

#: sub-command -> "module:function" that runs it.
HANDLERS = {
    "migrate": "crawler.storage.migrate:command",
    "enqueue": "crawler.frontier.commands:enqueue_command",
    "worker": "crawler.worker:command",
    "schedule": "crawler.schedule:command",
    "extract": "crawler.extract.command:command",
    "stats": "crawler.frontier.commands:stats_command",
    "forget": "crawler.frontier.commands:forget_command",
    "recover": "crawler.frontier.commands:recover_command",
    "export": "crawler.export:command",
    "run": "crawler.runner:command",
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Article crawl service: follows previous/next links, stores in PostgreSQL.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    sub.add_parser("migrate", help="create or upgrade the PostgreSQL schema (safe to run twice)")

    p = sub.add_parser("enqueue", help="put seed URLs on the shared Redis frontier")
    p.add_argument("urls", nargs="+", metavar="URL")
    p.add_argument("--profile", help="site profile to extract with (default: matched per page)")
    p.add_argument("--direction", choices=("prev", "next", "both"), help="walk direction")
    p.add_argument("--max-pages", type=int, help="most articles to walk from each seed")

    p = sub.add_parser("worker", help="run one crawl worker (long-running)")
    p.add_argument(
        "--exit-when-idle",
        type=float,
        metavar="SECONDS",
        help="exit after the frontier has been empty this long",
    )

    p = sub.add_parser("schedule", help="long-running trigger: enqueue configured seeds when due")
    p.add_argument("--config", metavar="FILE", help="schedule file (YAML or TOML)")
    p.add_argument("--once", action="store_true", help="fire what is due now, then exit")

    p = sub.add_parser("extract", help="extract one saved HTML page and print the item as JSON")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--url", required=True, help="the URL the page was fetched from")
    p.add_argument("--profile", help="site profile (default: matched by URL, then markup)")
    p.add_argument("--encoding", help="the page's encoding when known (as an HTTP header would say)")
    p.add_argument(
        "--fetched-at",
        metavar="TIME",
        help="ISO 8601 time the page was fetched (anchors dates without a year; default now)",
    )
    p.add_argument("--profiles-dir", metavar="DIR", help="extra directory of TOML site profiles")

    p = sub.add_parser("stats", help="frontier size, leases, articles stored, rejected, duplicates")
    p.add_argument("--json", action="store_true", help="print one JSON object")

    p = sub.add_parser("forget", help="forget URLs' fingerprints so they are fetched again")
    p.add_argument("urls", nargs="+", metavar="URL")

    sub.add_parser("recover", help="rebuild the Redis frontier and seen set from PostgreSQL")

    p = sub.add_parser("export", help="stream stored articles as JSON lines or CSV")
    p.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    p.add_argument("--since", metavar="DATE", help="only articles first seen at or after DATE")
    p.add_argument("--site", metavar="DOMAIN", help="only articles of this site")
    p.add_argument("--output", "-o", metavar="FILE", help="write here instead of stdout")

    p = sub.add_parser("run", help="the main job: crawl the demo site (or URL) end to end")
    p.add_argument("urls", nargs="*", metavar="URL", help="seeds (default: the bundled demo site)")
    p.add_argument(
        "--data-dir", help="where private servers keep their data and workers their logs (default: .data)"
    )
    p.add_argument("--max-pages", type=int, help="most articles to walk from each seed")
    p.add_argument("--profile", help="site profile of the seeds (default: matched per page)")
    p.add_argument("--direction", choices=("prev", "next", "both"), help="walk direction from the seeds")
    p.add_argument("--workers", type=int, default=1, help="crawl workers to run (default 1)")
    p.add_argument(
        "--idle", type=float, metavar="SECONDS", help="workers exit after the frontier is empty this long"
    )
    p.add_argument("--demo-port", type=int, default=8765, help="port of the demo site (default 8765, else free)")
    p.add_argument("--stop-services", action="store_true", help="only stop the private PostgreSQL/Redis of --data-dir")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crawler`` console script."""
    args = build_parser().parse_args(argv)
    # Logs follow CRAWLER_LOG_FORMAT (text or json) and name the worker from the first line on.
    from crawler.config import env_overrides
    from crawler.logs import configure_logging

    log_values = env_overrides()
    if args.verbose:
        log_values["LOG_LEVEL"] = "DEBUG"
    try:
        configure_logging(log_values)
    except ValueError as exc:
        print(f"crawler: {exc}", file=sys.stderr)
        return 2
    module_name, func_name = HANDLERS[args.command].split(":")
    handler = getattr(importlib.import_module(module_name), func_name)
    try:
        return int(handler(args) or 0)
    except BackendUnavailable as exc:
        print(f"crawler {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
