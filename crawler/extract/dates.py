"""Dates as the sites print them, read into aware timestamps in the site's zone.

Pure functions. The common Korean board and news forms are read by a few regular
expressions (a few microseconds each); only what none of them reads goes to
``dateparser`` (about a millisecond), and only when ``slow=True``.

Forms read on the fast path::

    2025-10-15T13:13:18+09:00   2025-10-15 13:13   2025-10-15T04:13:18Z   (ISO 8601)
    2025.10.15. 13:13   2025. 10. 15. 오후 1:13   2025/10/15   2025년 10월 15일 13시 13분
    25-10-15 13:20   25.10.15                      (two-digit year: 20yy)
    10-15   10.15   10-15 13:20   10월 15일        (no year: the latest such date not after now)
    13:20                                          (time only: today, or yesterday if later than now)
    3시간 전   5분 전   2일 전   방금   어제   그제   오늘   3 hours ago   yesterday
    Wed, 15 Oct 2025 04:13:18 GMT                  (RFC 2822)

Labels before the date (``입력``, ``작성일``, ``등록일``, ``Posted on``) are skipped:
the first date found in the text is read.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Seoul"

_TIME = (
    r"(?:\s*[,T]?\s*(?:\([월화수목금토일]\)|[월화수목금토일]요일)?\s*"
    r"(?P<ampm>오전|오후|AM|PM|am|pm)?\s*"
    r"(?P<H>\d{1,2})\s*(?::|시)\s*(?P<M>\d{1,2})(?:\s*(?::|분)\s*(?P<S>\d{1,2})(?:[.,](?P<f>\d{1,6})\d*)?)?"
    r"(?:\s*분)?(?:\s*초)?"
    r"\s*(?P<ampm2>AM|PM|am|pm)?"
    r"\s*(?P<zone>Z|UTC|GMT|KST|[+-]\d{2}(?::?\d{2})?)?)?"
)
_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[T ](?P<H>\d{2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_YMD_RE = re.compile(
    r"(?<![\d.])(?P<y>\d{4}|\d{2})\s*(?:[.\-/]|년)\s*(?P<m>\d{1,2})\s*(?:[.\-/]|월)\s*"
    r"(?P<d>\d{1,2})(?!\d)\s*[.일]?" + _TIME
)
_MD_RE = re.compile(
    r"(?<![\d.\-/])(?P<m>\d{1,2})\s*(?:[.\-/]|월)\s*(?P<d>\d{1,2})(?![\d]|[.\-/]\d)\s*[.일]?"
    + _TIME
)
_TIME_ONLY_RE = re.compile(
    r"^\s*(?P<ampm>오전|오후)?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"\s*(?P<ampm2>AM|PM|am|pm)?\s*$"
)
_RELATIVE_RE = re.compile(
    r"(?P<n>\d+)\s*(?P<unit>초|분|시간|일|주|개월|달|년|seconds?|secs?|minutes?|mins?|hours?|hrs?"
    r"|days?|weeks?|months?|years?)\s*(?:전|ago)",
    re.IGNORECASE,
)
_WORDS = {
    "방금": 0, "지금": 0, "just now": 0, "오늘": 0, "today": 0,
    "어제": 1, "yesterday": 1, "그제": 2, "그저께": 2,
}
_WORDS_RE = re.compile("|".join(sorted(map(re.escape, _WORDS), key=len, reverse=True)), re.I)
_UNIT_SECONDS = {
    "초": 1, "분": 60, "시간": 3600, "일": 86400, "주": 7 * 86400, "개월": 30 * 86400,
    "달": 30 * 86400, "년": 365 * 86400, "sec": 1, "min": 60, "hou": 3600, "hrs": 3600,
    "hr": 3600, "day": 86400, "wee": 7 * 86400, "mon": 30 * 86400, "yea": 365 * 86400,
}
_ZONES = {"Z": UTC, "UTC": UTC, "GMT": UTC, "KST": timezone(timedelta(hours=9))}
_RFC2822_RE = re.compile(r"^[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")


@lru_cache(maxsize=64)
def get_zone(name: str) -> tzinfo:
    """The tzinfo of an IANA zone name (``Asia/Seoul``), or UTC for ``UTC``/``Z``."""
    if name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    return ZoneInfo(name)


def _as_zone(tz: tzinfo | str | None) -> tzinfo:
    if tz is None:
        return get_zone(DEFAULT_TIMEZONE)
    return get_zone(tz) if isinstance(tz, str) else tz


def _now_in(now: datetime | None, zone: tzinfo) -> datetime:
    if now is None:
        return datetime.now(zone)
    if now.tzinfo is None:  # a naive fetch time is UTC, as Scrapy and the storage write it
        now = now.replace(tzinfo=UTC)
    return now.astimezone(zone)


def _zone_of(text: str | None, default: tzinfo) -> tzinfo:
    if not text:
        return default
    if text in _ZONES:
        return _ZONES[text]
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _hour(groups: dict[str, str | None]) -> tuple[int, int, int, int]:
    hour = int(groups["H"] or 0)
    ampm = (groups.get("ampm") or groups.get("ampm2") or "").upper()
    if ampm in ("오후", "PM") and hour < 12:
        hour += 12
    elif ampm in ("오전", "AM") and hour == 12:
        hour = 0
    micro = int((groups.get("f") or "0").ljust(6, "0")[:6])
    return hour, int(groups["M"] or 0), int(groups["S"] or 0), micro


def _build(
    year: int, groups: dict[str, str | None], zone: tzinfo, convert: bool = True
) -> datetime | None:
    try:
        hour, minute, second, micro = _hour(groups)
        dt = datetime(year, int(groups["m"] or 0), int(groups["d"] or 0), hour, minute, second, micro)
    except ValueError:
        return None
    if groups.get("zone"):
        aware = dt.replace(tzinfo=_zone_of(groups["zone"], zone))
        return aware.astimezone(zone) if convert else aware
    return dt.replace(tzinfo=zone)


def _without_year(groups: dict[str, str | None], now: datetime, zone: tzinfo) -> datetime | None:
    for year in range(now.year, now.year - 9, -1):  # back to the last leap year for 02-29
        dt = _build(year, groups, zone)
        if dt is not None and dt <= now:
            return dt
    return None


def _relative(text: str, now: datetime) -> datetime | None:
    match = _RELATIVE_RE.search(text)
    if match:
        unit = match.group("unit").lower()
        seconds = _UNIT_SECONDS.get(unit) or _UNIT_SECONDS.get(unit[:3]) or _UNIT_SECONDS[unit[:2]]
        return now - timedelta(seconds=seconds * int(match.group("n")))
    match = _WORDS_RE.search(text)
    if match:
        days = _WORDS[match.group(0).lower()]
        if days == 0:
            return now.replace(microsecond=0)
        day = (now - timedelta(days=days)).date()
        return datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)
    return None


def parse_date(
    text: str | None,
    *,
    now: datetime | None = None,
    tz: tzinfo | str | None = DEFAULT_TIMEZONE,
    slow: bool = True,
    convert: bool = True,
) -> datetime | None:
    """The first date in ``text`` as an aware datetime in ``tz``, or None.

    ``now`` is the fetch time (naive means UTC; default: the current time); it
    anchors relative dates (``3시간 전``) and dates printed without a year, which are
    read as the latest such date not after ``now``. A date printed without a zone is
    read in ``tz``; one printed with a zone is converted to ``tz`` (kept in its own
    offset with ``convert=False``). ``slow=False`` skips the ``dateparser`` fallback.
    """
    if not text:
        return None
    text = text.strip()
    if not text or len(text) > 200:
        text = text[:200]
        if not text:
            return None
    zone = _as_zone(tz)
    match = _ISO_RE.search(text)
    if match:
        groups = match.groupdict()
        return _build(int(groups["y"] or 0), groups, zone, convert)
    match = _YMD_RE.search(text)
    if match:
        groups = match.groupdict()
        year = int(groups["y"] or 0)
        if year < 100:
            year += 2000
        result = _build(year, groups, zone, convert)
        if result is not None:
            return result
    if _RFC2822_RE.match(text):
        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None:
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            return parsed.astimezone(zone) if convert else parsed
    current = _now_in(now, zone)
    match = _MD_RE.search(text)
    if match:
        result = _without_year(match.groupdict(), current, zone)
        if result is not None:
            return result
    match = _TIME_ONLY_RE.match(text)
    if match:
        groups = match.groupdict()
        groups["m"], groups["d"] = str(current.month), str(current.day)
        result = _build(current.year, groups, zone)
        if result is not None and result > current:
            result -= timedelta(days=1)
        if result is not None:
            return result
    result = _relative(text, current)
    if result is not None:
        return result
    if slow:
        return _dateparser(text, current, zone, convert)
    return None


def _dateparser(text: str, now: datetime, zone: tzinfo, convert: bool = True) -> datetime | None:
    import dateparser  # imported lazily: it costs ~0.3 s at first import

    try:
        parsed = dateparser.parse(
            text,
            languages=["ko", "en"],
            settings={
                "RELATIVE_BASE": now.replace(tzinfo=None),
                "PREFER_DATES_FROM": "past",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "STRICT_PARSING": False,
            },
        )
    except (ValueError, OverflowError, TypeError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=zone)
    return parsed.astimezone(zone) if convert else parsed


def to_iso(value: datetime | None) -> str | None:
    """ISO 8601 with offset (``2025-10-15T13:13:00+09:00``), or None."""
    return value.isoformat() if value is not None else None


def parse_date_iso(
    text: str | None,
    *,
    now: datetime | None = None,
    tz: tzinfo | str | None = DEFAULT_TIMEZONE,
    slow: bool = True,
    convert: bool = True,
) -> str | None:
    """:func:`parse_date` as an ISO 8601 string, or None."""
    return to_iso(parse_date(text, now=now, tz=tz, slow=slow, convert=convert))


def date_from_digits(digits: str, tz: tzinfo | str | None = DEFAULT_TIMEZONE) -> datetime | None:
    """A timestamp spelled as ``yyyymmddHHMMSS`` (as Daum's article ids begin), or None."""
    if len(digits) < 14 or not digits[:14].isdigit():
        return None
    try:
        dt = datetime(
            int(digits[:4]), int(digits[4:6]), int(digits[6:8]),
            int(digits[8:10]), int(digits[10:12]), int(digits[12:14]),
        )
    except ValueError:
        return None
    if not date(2000, 1, 1) <= dt.date() <= date(2100, 1, 1):
        return None
    return dt.replace(tzinfo=_as_zone(tz))
