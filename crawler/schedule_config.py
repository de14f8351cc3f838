"""The schedule file of ``crawler schedule``: parsing, validation and due times.

A schedule file (YAML, or TOML by its ``.toml`` suffix) holds a list of entries::

    timezone: Asia/Seoul          # default zone of cron entries (default UTC)
    entries:
      - name: fnnews-daily         # unique; names the Redis lock and the metrics label
        seeds: [https://v.daum.net/v/20251015093012345]
        profile: daum              # optional: site profile (default: matched per page)
        direction: both            # optional: prev | next | both
        max_pages: 500             # optional: most articles to walk from each seed
        cron: "0 6 * * *"          # five-field cron (or six, seconds last) ...
        timezone: Asia/Seoul       # ... read in this zone
      - name: demo-board
        list_pages: [https://example.org/bbs/board.php?bo_table=free]
        every: 30m                 # ... or a fixed interval: 90s, 30m, 6h, 1d, 1h30m, or seconds

``every`` slots are aligned on the Unix epoch (``every: 30m`` is due at :00 and :30 UTC),
so every scheduler computes the same due times. A slot is fired once, as soon as a
scheduler sees it, as long as it is at most ``misfire_grace`` old (default: the interval
for ``every`` entries, 5 minutes for ``cron`` entries); older missed slots are skipped.
So a new ``every`` entry fires at once, and a daily cron entry does not fire when a
scheduler starts in the afternoon.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from croniter import croniter

DIRECTIONS = ("prev", "next", "both")
#: Default ``misfire_grace`` of cron entries, in seconds.
CRON_MISFIRE_GRACE = 300.0
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_DURATION_RE = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)", re.IGNORECASE)
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_ENTRY_KEYS = {
    "name",
    "seeds",
    "list_pages",
    "profile",
    "direction",
    "max_pages",
    "every",
    "cron",
    "timezone",
    "misfire_grace",
    "enabled",
}


class ScheduleError(ValueError):
    """The schedule file is invalid; the message names the entry and the value."""


def parse_duration(value: Any, *, what: str = "duration") -> float:
    """Seconds in ``value``: a number of seconds, or ``90s``, ``30m``, ``6h``, ``1d``, ``1h30m``."""
    if isinstance(value, bool):
        raise ScheduleError(f"{what}: {value!r} is not a duration")
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            seconds = float(text)
        except ValueError:
            pos, seconds = 0, 0.0
            for match in _DURATION_RE.finditer(text):
                if text[pos : match.start()].strip():
                    break
                seconds += float(match.group(1)) * _UNITS[match.group(2).lower()]
                pos = match.end()
            if pos == 0 or text[pos:].strip():
                raise ScheduleError(
                    f"{what}: {value!r} is not a duration (use seconds or e.g. 90s, 30m, 6h, 1d, 1h30m)"
                ) from None
    else:
        raise ScheduleError(f"{what}: {value!r} is not a duration")
    if not math.isfinite(seconds) or seconds <= 0:
        raise ScheduleError(f"{what}: {value!r} must be positive")
    return seconds


def _zone(name: str, *, what: str) -> tzinfo:
    if name.upper() == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ScheduleError(f"{what}: unknown time zone {name!r}") from exc


def _url_list(value: Any, *, what: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ScheduleError(f"{what}: expected a URL or a list of URLs, got {value!r}")
    urls = tuple(v.strip() for v in value)
    for url in urls:
        if not re.match(r"^https?://[^/\s]+", url):
            raise ScheduleError(f"{what}: {url!r} is not an http(s) URL")
    return urls


@dataclass(frozen=True)
class ScheduleEntry:
    """One scheduled crawl: what to enqueue and when."""

    name: str
    seeds: tuple[str, ...] = ()
    list_pages: tuple[str, ...] = ()
    profile: str | None = None
    direction: str | None = None
    max_pages: int | None = None
    every: float | None = None
    cron: str | None = None
    timezone: str = "UTC"
    misfire_grace: float = CRON_MISFIRE_GRACE
    enabled: bool = True

    @property
    def tz(self) -> tzinfo:
        """The zone cron fields are read in."""
        return _zone(self.timezone, what=f"entry {self.name!r}")

    @property
    def urls(self) -> tuple[str, ...]:
        """Every URL the entry enqueues: seeds, then list pages."""
        return self.seeds + self.list_pages

    def last_due(self, now: datetime) -> datetime:
        """The latest due time at or before ``now`` (an aware datetime, UTC)."""
        now = _aware(now)
        if self.every is not None:
            ts = math.floor(now.timestamp() / self.every) * self.every
            return datetime.fromtimestamp(ts, UTC)
        assert self.cron is not None
        local = now.astimezone(self.tz)
        candidate = croniter(self.cron, local - timedelta(seconds=1)).get_next(datetime)
        if candidate > local:
            candidate = croniter(self.cron, local).get_prev(datetime)
        return candidate.astimezone(UTC)

    def next_due(self, now: datetime) -> datetime:
        """The first due time strictly after ``now`` (UTC)."""
        now = _aware(now)
        if self.every is not None:
            ts = (math.floor(now.timestamp() / self.every) + 1) * self.every
            return datetime.fromtimestamp(ts, UTC)
        assert self.cron is not None
        return croniter(self.cron, now.astimezone(self.tz)).get_next(datetime).astimezone(UTC)

    def describe(self) -> str:
        """``every 30m`` / ``cron "0 6 * * *" (Asia/Seoul)``."""
        if self.every is not None:
            return f"every {format_duration(self.every)}"
        return f'cron "{self.cron}" ({self.timezone})'


def format_duration(seconds: float) -> str:
    """``1800`` -> ``30m``; ``5400`` -> ``1h30m``."""
    if seconds < 1:
        return f"{seconds * 1000:g}ms"
    out = []
    rest = float(round(seconds)) if seconds >= 60 else round(seconds, 3)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if rest >= size:
            count = int(rest // size)
            out.append(f"{count}{unit}")
            rest -= count * size
    if rest or not out:
        out.append(f"{rest:g}s")
    return "".join(out)


def _aware(now: datetime) -> datetime:
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def parse_entry(raw: Any, *, index: int, default_timezone: str = "UTC") -> ScheduleEntry:
    """One entry of the file, validated."""
    if not isinstance(raw, Mapping):
        raise ScheduleError(f"entry #{index + 1}: expected a mapping, got {raw!r}")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        hint = " (quote it: YAML reads yes/no/on/off as true/false)" if isinstance(name, bool) else ""
        raise ScheduleError(f"entry #{index + 1}: name {name!r} must be 1-100 letters, digits, '.', '_' or '-'{hint}")
    what = f"entry {name!r}"
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise ScheduleError(f"{what}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(_ENTRY_KEYS))})")
    seeds = _url_list(raw.get("seeds"), what=f"{what} seeds")
    list_pages = _url_list(raw.get("list_pages"), what=f"{what} list_pages")
    if not seeds and not list_pages:
        raise ScheduleError(f"{what}: give seeds or list_pages (URLs to enqueue)")
    profile = raw.get("profile")
    if profile is not None and (not isinstance(profile, str) or not profile.strip()):
        raise ScheduleError(f"{what}: profile {profile!r} must be a profile name")
    direction = raw.get("direction")
    if direction is not None and direction not in DIRECTIONS:
        raise ScheduleError(f"{what}: direction {direction!r} must be one of {', '.join(DIRECTIONS)}")
    max_pages = raw.get("max_pages")
    if max_pages is not None and (isinstance(max_pages, bool) or not isinstance(max_pages, int) or max_pages < 0):
        raise ScheduleError(f"{what}: max_pages {max_pages!r} must be a whole number >= 0")
    every_raw, cron = raw.get("every"), raw.get("cron")
    if (every_raw is None) == (cron is None):
        raise ScheduleError(f'{what}: give exactly one of every (e.g. 30m) or cron (e.g. "*/15 * * * *")')
    every = parse_duration(every_raw, what=f"{what} every") if every_raw is not None else None
    if cron is not None and (not isinstance(cron, str) or not croniter.is_valid(cron)):
        raise ScheduleError(f"{what}: cron {cron!r} is not a valid cron expression")
    tz_name = raw.get("timezone", default_timezone)
    if not isinstance(tz_name, str):
        raise ScheduleError(f"{what}: timezone {tz_name!r} must be a zone name such as Asia/Seoul")
    _zone(tz_name, what=what)
    grace_raw = raw.get("misfire_grace")
    if grace_raw is not None:
        grace = parse_duration(grace_raw, what=f"{what} misfire_grace")
    else:
        grace = every if every is not None else CRON_MISFIRE_GRACE
    enabled = raw.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ScheduleError(f"{what}: enabled {enabled!r} must be true or false")
    return ScheduleEntry(
        name=name,
        seeds=seeds,
        list_pages=list_pages,
        profile=profile.strip() if isinstance(profile, str) else None,
        direction=direction,
        max_pages=max_pages,
        every=every,
        cron=cron,
        timezone=tz_name,
        misfire_grace=grace,
        enabled=enabled,
    )


def parse_schedule(data: Any) -> list[ScheduleEntry]:
    """Entries of a parsed schedule document (a mapping with ``entries``, or a bare list)."""
    if data is None:
        raise ScheduleError("the schedule is empty: expected `entries:` with at least one entry")
    default_tz = "UTC"
    if isinstance(data, Mapping):
        unknown = sorted(set(data) - {"entries", "timezone"})
        if unknown:
            raise ScheduleError(f"unknown top-level key(s) {', '.join(unknown)} (known: entries, timezone)")
        default_tz = data.get("timezone", "UTC")
        if not isinstance(default_tz, str):
            raise ScheduleError(f"timezone {default_tz!r} must be a zone name such as Asia/Seoul")
        _zone(default_tz, what="timezone")
        raw_entries = data.get("entries")
    else:
        raw_entries = data
    if not isinstance(raw_entries, list) or not raw_entries:
        raise ScheduleError("expected `entries:` holding a list of at least one entry")
    entries = [parse_entry(raw, index=i, default_timezone=default_tz) for i, raw in enumerate(raw_entries)]
    seen: set[str] = set()
    for entry in entries:
        if entry.name in seen:
            raise ScheduleError(f"entry name {entry.name!r} is used twice; names must be unique")
        seen.add(entry.name)
    return entries


def load_schedule(path: str | Path) -> list[ScheduleEntry]:
    """Read and validate a schedule file (TOML when it ends in ``.toml``, else YAML)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(f"cannot read schedule file {path}: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else yaml.safe_load(text)
    except (tomllib.TOMLDecodeError, yaml.YAMLError) as exc:
        raise ScheduleError(f"{path}: not valid {'TOML' if path.suffix == '.toml' else 'YAML'}: {exc}") from exc
    try:
        return parse_schedule(data)
    except ScheduleError as exc:
        raise ScheduleError(f"{path}: {exc}") from exc
