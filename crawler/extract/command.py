"""``crawler extract FILE --url URL [--profile NAME] [--encoding ENC]``: one saved page to JSON."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

from crawler.config import get_settings
from crawler.extract.article import NoArticleError, extract_article
from crawler.extract.profiles import ProfileError


def _fetched_at(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def command(args: argparse.Namespace) -> int:
    """Print the item of one saved page as one UTF-8 JSON object.

    Extra profiles come from ``--profiles-dir``, else the ``CRAWLER_PROFILES_DIR``
    setting (environment included), as for the workers.

    Exit 0 with the JSON on stdout; 1 when the page has no article (the reason and the
    URL on stderr); 2 when the file cannot be read or an option is wrong.
    """
    path = Path(args.file)
    try:
        body = path.read_bytes()
    except OSError as exc:
        print(f"crawler extract: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    try:
        fetched_at = _fetched_at(getattr(args, "fetched_at", None))
    except ValueError:
        print(f"crawler extract: --fetched-at {args.fetched_at!r} is not an ISO 8601 time", file=sys.stderr)
        return 2
    settings = get_settings()
    profiles_dir = getattr(args, "profiles_dir", None) or settings.get("CRAWLER_PROFILES_DIR") or None
    try:
        item = extract_article(
            body,
            args.url,
            profile=getattr(args, "profile", None),
            encoding=getattr(args, "encoding", None),
            fetched_at=fetched_at,
            profiles_dir=profiles_dir,
            default_timezone=settings.get("CRAWLER_DEFAULT_TIMEZONE") or "Asia/Seoul",
        )
    except NoArticleError as exc:
        print(f"crawler extract: {exc}", file=sys.stderr)
        return 1
    except (KeyError, ProfileError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"crawler extract: {message}", file=sys.stderr)
        return 2
    if not item.title:
        print(f"crawler extract: warning: no title found at {args.url} (the pipelines would refuse it)",
              file=sys.stderr)
    data = json.dumps(item.to_dict(), ensure_ascii=False, indent=2) + "\n"
    sys.stdout.flush()
    sys.stdout.buffer.write(data.encode("utf-8"))
    sys.stdout.buffer.flush()
    return 0
