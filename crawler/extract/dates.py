"""Dates as the sites print them, read into aware timestamps in the site's zone.

Pure functions. The common board and news forms are read by a few regular
expressions (a few microseconds each); only what none of them reads goes to
``dateparser`` (a few hundred microseconds), and only when ``slow=True`` and the
text holds a digit.

Forms read on the fast path::

    2025-10-15T13:13:18+09:00   2025-10-15 13:13   2025-10-15T04:13:18Z   (ISO 8601)
    2025.10.15. 13:13   2025. 10. 15. 오후 1:13   2025/10/15   2025년 10월 15일 13시 13분
    2018年6月21日 10:30   2018年6月21日(木) 10時30分   2026.11.29 19:25
    25-10-15 13:20   25.10.15                      (two-digit year first: 20yy, as gnuboard prints)
    06.11.2023   21-06-2018   06/21/2018           (year last: day first after . or -, month first after /)
    6. November 2023   21 juin 2018 à 10h30   21 de junio de 2018   21 giugno 2018
    June 21, 2018   Jun 21st, 2018   Thursday, June 21, 2018   15-Oct-2025
                                                   (month names: en de fr es it pt nl)
    10-15   10.15   10-15 13:20   10월 15일   6月21日   21 juin   June 21
                                                   (no year: the latest such date not after now)
    13:20                                          (time only: today, or yesterday if later than now)
    3시간 전   5분 전   2일 전   3 hours ago   an hour ago   3時間前   vor 3 Stunden
    il y a 3 heures   hace 3 horas   3 ore fa      (relative: at most a century back)
    방금   어제   어제 15:30   그제   오늘   yesterday   gestern   hier à 10h30   昨天
    Wed, 15 Oct 2025 04:13:18 GMT                  (RFC 2822)

Labels and weekdays before the date (``입력``, ``작성일``, ``Posted on``, ``Montag,``)
are skipped: the first date found in the text is read. An offset no zone can have
(``+99:00``) is ignored: the time is read in the site's zone.

Hostile text never raises: input is cut to :data:`MAX_DATE_CHARS` before any regular
expression runs, and a date out of :class:`~datetime.datetime`'s range (``9999 years
ago``, ``9999-12-31T23:00-05:00`` moved to Seoul) is None.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Seoul"
#: Characters of a date text read: the rest is cut before any regular expression runs.
MAX_DATE_CHARS = 200
#: Furthest back a relative date may reach (``150 years ago`` is not a publication date).
MAX_RELATIVE_AGE = timedelta(days=100 * 366)

_LETTER = r"[^\W\d_]"
_AMPM_BEFORE = r"오전|오후|午前|午後|上午|下午|AM|PM|am|pm"
_AMPM_AFTER = r"[AaPp]\.?[Mm]\.?(?![^\W\d_])"
_WEEKDAY = (
    r"\([월화수목금토일]\)|[월화수목금토일]요일|[(（][月火水木金土日][)）]|[月火水木金土日]曜日?"
    r"|星期[一二三四五六日天]|周[一二三四五六日]"
)
_TIME = (
    r"(?:\s*[,T]?\s*(?:" + _WEEKDAY + r")?\s*,?\s*(?:(?:à|a\s+las?|alle|ore|um|at|às|om)\s*)?"
    r"(?P<ampm>" + _AMPM_BEFORE + r")?\s*"
    r"(?P<H>\d{1,2})\s*(?::|시|時|点|點|h|H)\s*(?P<M>\d{1,2})"
    r"(?:\s*(?::|분|分)\s*(?P<S>\d{1,2})(?:[.,](?P<f>\d{1,6})\d*)?)?"
    r"(?:\s*[분分])?(?:\s*[초秒])?"
    r"\s*(?P<ampm2>" + _AMPM_AFTER + r")?"
    r"\s*(?P<zone>Z|UTC|GMT|KST|[+-]\d{2}(?::?\d{2})?)?)?"
)
_ISO_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})[T ](?P<H>\d{2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,6})\d*)?)?\s*(?P<zone>Z|[+-]\d{2}(?::?\d{2})?)?"
)
_YMD_RE = re.compile(
    r"(?<![\d.])(?P<y>\d{4}|\d{2})\s*(?:[.\-/]|년|年)\s*(?P<m>\d{1,2})\s*(?:[.\-/]|월|月)\s*"
    r"(?P<d>\d{1,2})(?!\d)\s*[.일日]?" + _TIME
)
# Year last: 06.11.2023 (day first), 06/21/2018 (month first); read as the other when invalid.
_DMY_RE = re.compile(
    r"(?<![\d.\-/])(?P<a>\d{1,2})\s*(?P<sep>[.\-/])\s*(?P<b>\d{1,2})\s*(?P=sep)\s*(?P<y>\d{4})(?!\d)\.?" + _TIME
)
# A month's name between the day and the year: 6. November 2023, 21 de junio de 2018, 15-Oct-2025.
_DAY_MONTH_RE = re.compile(
    r"(?<![\w.])(?P<d>\d{1,2})(?!\d)(?:er|st|nd|rd|th|º|°)?\.?\s*(?:de\s+|-)?"
    r"(?P<mon>" + _LETTER + r"{3,10})(?!" + _LETTER + r")\.?"
    r"(?:\s*,?\s*(?:de\s+|del\s+|-)?(?P<y>\d{4})(?!\d))?" + _TIME
)
# A month's name before the day: June 21, 2018; Jun 21st, 2018; Sept. 5; 2025 October 15.
_MONTH_DAY_RE = re.compile(
    r"(?<!" + _LETTER + r")(?P<mon>" + _LETTER + r"{3,10})(?!" + _LETTER + r")\.?\s*"
    r"(?P<d>\d{1,2})(?!\d)(?:st|nd|rd|th)?(?:\s*,?\s*(?P<y>\d{4})(?!\d))?" + _TIME
)
_YEAR_BEFORE_RE = re.compile(r"(?<![\d.])(\d{4})[\s,./-]*$")
# The year after the time, as C's asctime and ctime write it: Fri Feb 18 10:27:24 2022.
_YEAR_AFTER_RE = re.compile(r"(?:(?<=\s)|\s+)(?:[A-Z]{3,4}\s+)?(\d{4})(?!\d)")
_MD_RE = re.compile(
    r"(?<![\d.\-/])(?P<m>\d{1,2})\s*(?:[.\-/]|월|月)\s*(?P<d>\d{1,2})(?![\d]|[.\-/]\d)\s*[.일日]?"
    + _TIME
)
_TIME_ONLY_RE = re.compile(
    r"^\s*(?P<ampm>" + _AMPM_BEFORE + r")?\s*(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"\s*(?P<ampm2>" + _AMPM_AFTER + r")?\s*$"
)
_CLOCK_RE = re.compile(
    r"(?P<ampm>" + _AMPM_BEFORE + r")?\s*(?P<H>\d{1,2})\s*(?::|시|時|点|h)\s*(?P<M>\d{2})"
    r"(?:\s*:\s*(?P<S>\d{2}))?\s*(?P<ampm2>" + _AMPM_AFTER + r")?"
)
# "3시간 전", "3 hours ago", "an hour ago", "3時間前", "3 ore fa".
_AGO_RE = re.compile(
    r"(?:(?<![\d.,])(?P<n>\d{1,12}(?:[.,]\d{1,2}(?!\d))?)|(?<!" + _LETTER + r")(?P<one>an?|one|un|una|uno))\s*"
    r"(?P<unit>" + _LETTER + r"{1,12}?)\s*(?:전|前|以前|(?:ago|fa)(?!" + _LETTER + r"))",
    re.IGNORECASE,
)
# "vor 3 Stunden", "il y a 3 heures", "hace 3 horas", "há 3 horas".
_BEFORE_RE = re.compile(
    r"(?<!" + _LETTER + r")(?:vor|il\s+y\s+a|hace|há)\s+"
    r"(?:(?P<n>\d{1,12}(?:[.,]\d{1,2}(?!\d))?)|(?P<one>eine[mnr]?|une?|una?|um|uma))\s*"
    r"(?P<unit>" + _LETTER + r"{1,12})",
    re.IGNORECASE,
)
_DIGIT_RE = re.compile(r"\d")
_ASCII_LETTER_RE = re.compile(r"[A-Za-z]")  # every month's name, and vor / il y a / hace / há, hold one
_ANY_LETTER_RE = re.compile(_LETTER)  # relative dates and day words hold one
_RFC2822_RE = re.compile(r"^[A-Za-z]{3},?\s+\d{1,2}\s+[A-Za-z]{3}\s+\d{4}\s+\d{1,2}:\d{2}")


def _table(rows: tuple[tuple[int, str], ...]) -> dict[str, int]:
    return {word: value for value, words in rows for word in words.split()}


_MONTHS = _table((
    (1, "january jan januar jänner jän janvier janv enero ene gennaio gen janeiro januari"),
    (2, "february feb februar feber février fevrier févr fevr fév fev febrero febbraio fevereiro februari"),
    (3, "march mar märz maerz mär mrz mars marzo março marco maart mrt"),
    (4, "april apr avril avr abril abr aprile"),
    (5, "may mai mayo maggio mag maio mei"),
    (6, "june jun juni juin junio giugno giu junho"),
    (7, "july jul juli juillet juil julio luglio lug julho"),
    (8, "august aug août aout agosto ago augustus"),
    (9, "september sep sept septembre septiembre setiembre settembre set setembro"),
    (10, "october oct oktober okt octobre octubre ottobre ott outubro"),
    (11, "november nov novembre noviembre novembro"),
    (12, "december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro"),
))  # fmt: skip
_UNIT_SECONDS = _table((
    (1, "초 秒 s sec secs second seconds sekunde sekunden seconde secondes segundo segundos secondo secondi"),
    (60, "분 分 分钟 分鐘 min mins minute minutes minuten minuto minutos minuti"),
    (3600, "시간 時間 小时 小時 个小时 個小時 h hr hrs hour hours stunde stunden heure heures hora horas ora ore"),
    (86400, "일 日 天 d day days tag tage tagen jour jours día días dia dias giorno giorni"),
    (7 * 86400, "주 週 周 週間 个星期 個星期 week weeks woche wochen semaine semaines semana semanas"),
    (7 * 86400, "settimana settimane"),
    (30 * 86400, "개월 달 个月 個月 ヶ月 か月 カ月 month months monat monate monaten mois mes meses mese mesi"),
    (365 * 86400, "년 年 y year years jahr jahre jahren an ans année années año años anno anni ano anos"),
))  # fmt: skip
# Words naming a day, by how many days back; "now" words are the fetch time itself.
_NOW_WORDS = ("방금", "지금", "just now", "刚刚", "剛剛", "たった今", "gerade eben", "à l'instant")
_DAY_WORDS = _table((
    (0, "오늘 today 今日 今天 heute aujourd'hui hoy oggi hoje"),
    (1, "어제 yesterday 昨日 昨天 gestern hier ayer ieri ontem"),
    (2, "그제 그저께 前天 一昨日 vorgestern avant-hier anteayer anteontem"),
))  # fmt: skip


def _words_re(words: list[str]) -> re.Pattern[str]:
    # Latin words only as whole words ("hier" is not read in "hierarchy").
    parts = [
        re.escape(w) if not w[0].isascii() else rf"(?<!{_LETTER}){re.escape(w)}(?!{_LETTER})"
        for w in sorted(words, key=len, reverse=True)
    ]
    return re.compile("|".join(parts), re.IGNORECASE)


_NOW_WORDS_RE = _words_re(list(_NOW_WORDS))
_DAY_WORDS_RE = _words_re(list(_DAY_WORDS))
_ZONES = {"Z": UTC, "UTC": UTC, "GMT": UTC, "KST": timezone(timedelta(hours=9))}


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
    """The zone a printed offset names; ``default`` for none, or for one no zone can have
    (``+99:00``, ``+09:75``)."""
    if not text:
        return default
    if text in _ZONES:
        return _ZONES[text]
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 23 or minutes > 59:
        return default
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _hour(groups: dict[str, str | None]) -> tuple[int, int, int, int]:
    hour = int(groups["H"] or 0)
    ampm = (groups.get("ampm") or groups.get("ampm2") or "").replace(".", "").upper()
    if ampm in ("오후", "PM", "午後", "下午") and hour < 12:
        hour += 12
    elif ampm in ("오전", "AM", "午前", "上午") and hour == 12:
        hour = 0
    micro = int((groups.get("f") or "0").ljust(6, "0")[:6])
    return hour, int(groups["M"] or 0), int(groups["S"] or 0), micro


def _build(
    year: int, groups: dict[str, str | None], zone: tzinfo, convert: bool = True
) -> datetime | None:
    try:
        hour, minute, second, micro = _hour(groups)
        dt = datetime(year, int(groups["m"] or 0), int(groups["d"] or 0), hour, minute, second, micro)
        if groups.get("zone"):
            aware = dt.replace(tzinfo=_zone_of(groups["zone"], zone))
            return aware.astimezone(zone) if convert else aware
    except (ValueError, OverflowError):  # no such day or time; moved out of datetime's range
        return None
    return dt.replace(tzinfo=zone)


def _without_year(groups: dict[str, str | None], now: datetime, zone: tzinfo) -> datetime | None:
    for year in range(now.year, now.year - 9, -1):  # back to the last leap year for 02-29
        dt = _build(year, groups, zone)
        if dt is not None and dt <= now:
            return dt
    return None


def _day_month_year(text: str) -> tuple[dict[str, str | None], tuple[int, int]] | None:
    """The first date written with a month's name: its groups (``m`` the month's number)
    and span."""
    found: tuple[dict[str, str | None], tuple[int, int]] | None = None
    for pattern in (_DAY_MONTH_RE, _MONTH_DAY_RE):
        for match in pattern.finditer(text):
            month = _MONTHS.get(match.group("mon").lower())
            if month is not None:
                if found is None or match.start() < found[1][0]:
                    groups = match.groupdict()
                    groups["m"] = str(month)
                    if not groups["y"] and pattern is _MONTH_DAY_RE:  # 2025 October 15
                        year = _YEAR_BEFORE_RE.search(text, 0, match.start())
                        if year is None and groups.get("H"):
                            year = _YEAR_AFTER_RE.match(text, match.end())
                        groups["y"] = year.group(1) if year else None
                    found = (groups, match.span())
                break
    return found


def _day_month(text: str) -> tuple[dict[str, str | None], int, tuple[int, int]] | None:
    match = _DMY_RE.search(text)
    if match is None:
        return None
    groups = match.groupdict()
    first, second = (groups["b"], groups["a"]) if groups["sep"] == "/" else (groups["a"], groups["b"])
    groups["d"], groups["m"] = first, second
    return groups, int(groups["y"] or 0), match.span()


def _ago(text: str, now: datetime) -> tuple[bool, datetime | None]:
    """``(matched, date)`` of a count of units back (``3시간 전``, ``vor 3 Stunden``);
    matched with None when it reaches further back than :data:`MAX_RELATIVE_AGE`."""
    latin = _ASCII_LETTER_RE.search(text) is not None
    for pattern in (_AGO_RE, _BEFORE_RE) if latin else (_AGO_RE,):
        for match in pattern.finditer(text):
            seconds = _UNIT_SECONDS.get(match.group("unit").lower())
            if seconds is None:
                continue
            count = float(match.group("n").replace(",", ".")) if match.group("n") else 1.0
            if count * seconds > MAX_RELATIVE_AGE.total_seconds():
                return True, None
            return True, now - timedelta(seconds=count * seconds)
    return False, None


def _day_word(text: str, now: datetime) -> datetime | None:
    """A word naming a day (``어제``, ``today``, ``hier``), with the time printed after it."""
    if _NOW_WORDS_RE.search(text):
        return now.replace(microsecond=0)
    match = _DAY_WORDS_RE.search(text)
    if match is None:
        return None
    days = _DAY_WORDS[match.group(0).lower()]
    day = (now - timedelta(days=days)).date()
    clock = _CLOCK_RE.search(text, match.end())
    if clock is not None:  # "어제 15:30", "hier à 10h30"
        groups = clock.groupdict()
        groups["m"], groups["d"] = str(day.month), str(day.day)
        at = _build(day.year, groups, now.tzinfo or UTC)
        if at is not None:
            return at
    if days == 0:
        return now.replace(microsecond=0)
    return datetime(day.year, day.month, day.day, tzinfo=now.tzinfo)


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
    Never raises for any ``text``: what is not a date (or not one ``datetime`` can
    hold) is None.
    """
    if not text or not isinstance(text, str):  # a JSON-LD value may be a number or a list
        return None
    text = text[: MAX_DATE_CHARS * 4].strip()[:MAX_DATE_CHARS]
    if not text:
        return None
    zone = _as_zone(tz)
    try:
        return _parse(text, now, zone, slow, convert)
    except (ValueError, OverflowError):  # datetime arithmetic at the ends of its range
        return None


def _blank(text: str, start: int, end: int) -> str:
    """``text`` with a date that is no date (2025-13-45, year 9999 moved past 9999) blanked,
    so that the readers after do not read a part of it (its 12-31 without the year)."""
    return text[:start] + " " * (end - start) + text[end:]


def _parse(text: str, now: datetime | None, zone: tzinfo, slow: bool, convert: bool) -> datetime | None:
    match = _ISO_RE.search(text)
    if match:
        groups = match.groupdict()
        return _build(int(groups["y"] or 0), groups, zone, convert)
    scan = text
    for match in _YMD_RE.finditer(text):
        groups = match.groupdict()
        year = int(groups["y"] or 0)
        if year < 100:
            year += 2000
        result = _build(year, groups, zone, convert)
        if result is not None:
            return result
        scan = _blank(scan, *match.span())
    numeric = _day_month(scan)
    if numeric is not None:
        groups, year, span = numeric
        result = _build(year, groups, zone, convert)
        if result is None:  # 21/06/2018, 06-21-2018: the other order
            groups["d"], groups["m"] = groups["m"], groups["d"]
            result = _build(year, groups, zone, convert)
        if result is not None:
            return result
        scan = _blank(scan, *span)
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
    named = _day_month_year(scan) if _ASCII_LETTER_RE.search(scan) else None
    if named is not None:
        groups, span = named
        if groups["y"]:
            result = _build(int(groups["y"]), groups, zone, convert)
        else:
            result = _without_year(groups, current, zone)
        if result is not None:
            return result
        scan = _blank(scan, *span)
    words = _ANY_LETTER_RE.search(scan) is not None
    if words:
        matched, result = _ago(scan, current)  # before 10.15: "1.5 hours ago" is not January 5
        if matched:
            return result
    match = _MD_RE.search(scan)
    if match:
        result = _without_year(match.groupdict(), current, zone)
        if result is not None:
            return result
    match = _TIME_ONLY_RE.match(scan)
    if match:
        groups = match.groupdict()
        groups["m"], groups["d"] = str(current.month), str(current.day)
        result = _build(current.year, groups, zone)
        if result is not None and result > current:
            result -= timedelta(days=1)
        if result is not None:
            return result
    result = _day_word(scan, current) if words else None
    if result is not None:
        return result
    if slow and _DIGIT_RE.search(text):
        return _dateparser(text, current, zone, convert)
    return None


def _dateparser(text: str, now: datetime, zone: tzinfo, convert: bool = True) -> datetime | None:
    import dateparser  # imported lazily: it costs ~0.3 s at first import

    try:
        parsed = dateparser.parse(
            text,
            languages=["ko", "en"],  # the other languages' forms are read on the fast path
            settings={
                "RELATIVE_BASE": now.replace(tzinfo=None),
                "PREFER_DATES_FROM": "past",
                "RETURN_AS_TIMEZONE_AWARE": False,
                "STRICT_PARSING": False,
            },
        )
        if parsed is None:
            return None
        if parsed.tzinfo is None:
            return parsed.replace(tzinfo=zone)
        return parsed.astimezone(zone) if convert else parsed
    except Exception:  # a third-party parser's failure on hostile text is no date, not a crash
        return None


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
