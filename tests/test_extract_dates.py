"""Dates as sites print them -> aware timestamps in the site's zone (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.extract.dates import date_from_digits, parse_date, parse_date_iso

# 2025-10-16 12:00 in Seoul.
NOW = datetime(2025, 10, 16, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025.10.15. 13:13", "2025-10-15T13:13:00+09:00"),
        ("2025.10.15 13:13:05", "2025-10-15T13:13:05+09:00"),
        ("2025. 10. 15. 13:13", "2025-10-15T13:13:00+09:00"),
        ("2025. 10. 15. 오후 1:13", "2025-10-15T13:13:00+09:00"),
        ("2025년 10월 15일 (수) 오전 9:05", "2025-10-15T09:05:00+09:00"),
        ("2025년 10월 15일 13시 13분", "2025-10-15T13:13:00+09:00"),
        ("2025/10/15", "2025-10-15T00:00:00+09:00"),
        ("2025-10-15", "2025-10-15T00:00:00+09:00"),
        ("25-10-15 13:20", "2025-10-15T13:20:00+09:00"),
        ("25.10.15", "2025-10-15T00:00:00+09:00"),
        ("입력 2025.10.15. 13:13", "2025-10-15T13:13:00+09:00"),
        ("입력 2025.10.15. 13:13 수정 2025.10.16. 09:00", "2025-10-15T13:13:00+09:00"),
        ("작성일 25-10-15 13:20", "2025-10-15T13:20:00+09:00"),
        ("등록일 : 2025-08-11 06:40", "2025-08-11T06:40:00+09:00"),
        ("2025-10-15T13:13:18+09:00", "2025-10-15T13:13:18+09:00"),
        ("2025-10-15T04:13:18Z", "2025-10-15T13:13:18+09:00"),
        ("2025-10-15T04:13:18.123456+00:00", "2025-10-15T13:13:18.123456+09:00"),
        ("2025-10-15 13:13", "2025-10-15T13:13:00+09:00"),
        ("2025-10-15T13:13:18", "2025-10-15T13:13:18+09:00"),
        ("Wed, 15 Oct 2025 04:13:18 GMT", "2025-10-15T13:13:18+09:00"),
        ("10-15", "2025-10-15T00:00:00+09:00"),
        ("10-15 13:20", "2025-10-15T13:20:00+09:00"),
        ("10.15", "2025-10-15T00:00:00+09:00"),
        ("10월 15일", "2025-10-15T00:00:00+09:00"),
        ("10-17", "2024-10-17T00:00:00+09:00"),  # no year, later than now: last year
        ("10-16 11:59", "2025-10-16T11:59:00+09:00"),
        ("10-16 12:01", "2024-10-16T12:01:00+09:00"),
        ("11:20", "2025-10-16T11:20:00+09:00"),  # time only: today
        ("13:20", "2025-10-15T13:20:00+09:00"),  # later than now: yesterday
        ("3시간 전", "2025-10-16T09:00:00+09:00"),
        ("5분 전", "2025-10-16T11:55:00+09:00"),
        ("2일 전", "2025-10-14T12:00:00+09:00"),
        ("2 hours ago", "2025-10-16T10:00:00+09:00"),
        ("어제", "2025-10-15T00:00:00+09:00"),
        ("그제", "2025-10-14T00:00:00+09:00"),
        ("방금", "2025-10-16T12:00:00+09:00"),
        ("yesterday", "2025-10-15T00:00:00+09:00"),
        ("October 15, 2025", "2025-10-15T00:00:00+09:00"),
        ("the 15th of October 2025", "2025-10-15T00:00:00+09:00"),  # the dateparser long tail
    ],
)
def test_forms(text: str, expected: str) -> None:
    assert parse_date_iso(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "   ", "garbage", "54 목록", "조회 1,204회", "2025-13-45", "99-99"])
def test_not_dates(text: str) -> None:
    assert parse_date(text, now=NOW, slow=False) is None


def test_no_year_across_new_year_and_leap_day() -> None:
    jan = datetime(2026, 1, 2, tzinfo=UTC)
    assert parse_date_iso("12-31 23:00", now=jan) == "2025-12-31T23:00:00+09:00"
    assert parse_date_iso("01-01", now=jan) == "2026-01-01T00:00:00+09:00"
    assert parse_date_iso("02-29", now=jan) == "2024-02-29T00:00:00+09:00"


def test_zone_and_conversion() -> None:
    assert parse_date_iso("2025-10-15 13:13", now=NOW, tz="UTC") == "2025-10-15T13:13:00+00:00"
    assert parse_date_iso("2025-10-15T13:13:00-04:00", tz="Asia/Seoul") == "2025-10-16T02:13:00+09:00"
    kept = parse_date("2025-10-15T13:13:00-04:00", tz="Asia/Seoul", convert=False)
    assert kept is not None and kept.utcoffset() == timedelta(hours=-4)
    naive_now = datetime(2025, 10, 16, 3, 0)  # naive fetch time means UTC
    assert parse_date_iso("3시간 전", now=naive_now) == "2025-10-16T09:00:00+09:00"
    aware = parse_date("10-15", now=datetime(2025, 10, 15, 0, 30, tzinfo=timezone(timedelta(hours=9))))
    assert aware is not None and aware.isoformat() == "2025-10-15T00:00:00+09:00"


def test_daum_id_digits() -> None:
    dt = date_from_digits("20251015131318210")
    assert dt is not None and dt.isoformat() == "2025-10-15T13:13:18+09:00"
    assert date_from_digits("2025101") is None
    assert date_from_digits("20251399999999") is None


def test_slow_path_can_be_skipped() -> None:
    assert parse_date("the 15th of October 2025", now=NOW, slow=False) is None


# --- more languages, year-less and relative forms ----------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Korean boards and news
        ("2022. 4. 8. 15:30", "2022-04-08T15:30:00+09:00"),
        ("2022. 4. 8. 오후 3:30", "2022-04-08T15:30:00+09:00"),
        ("2022년 4월 8일", "2022-04-08T00:00:00+09:00"),
        ("2022년 4월 8일 15시 30분", "2022-04-08T15:30:00+09:00"),
        ("26-03-23 21:41", "2026-03-23T21:41:00+09:00"),  # gnuboard's YY-MM-DD HH:MM
        ("2026.11.29 19:25", "2026-11-29T19:25:00+09:00"),  # Rhymix
        ("방금 전", "2025-10-16T12:00:00+09:00"),
        ("어제 15:30", "2025-10-15T15:30:00+09:00"),
        ("오늘 09:00", "2025-10-16T09:00:00+09:00"),
        # German
        ("6. November 2023", "2023-11-06T00:00:00+09:00"),
        ("6. Nov. 2023", "2023-11-06T00:00:00+09:00"),
        ("06.11.2023", "2023-11-06T00:00:00+09:00"),
        ("06.11.2023, 10:30 Uhr", "2023-11-06T10:30:00+09:00"),
        ("Montag, 6. November 2023", "2023-11-06T00:00:00+09:00"),
        ("6. November 2023 um 10:30 Uhr", "2023-11-06T10:30:00+09:00"),
        ("3. März 2023", "2023-03-03T00:00:00+09:00"),
        # French
        ("21 juin 2018", "2018-06-21T00:00:00+09:00"),
        ("jeudi 21 juin 2018", "2018-06-21T00:00:00+09:00"),
        ("le 21 juin 2018 à 10h30", "2018-06-21T10:30:00+09:00"),
        ("1er août 2018", "2018-08-01T00:00:00+09:00"),
        ("3 févr. 2018", "2018-02-03T00:00:00+09:00"),
        # Spanish, Italian, Portuguese, Dutch
        ("21 de junio de 2018", "2018-06-21T00:00:00+09:00"),
        ("21 de junio de 2018 a las 10:30", "2018-06-21T10:30:00+09:00"),
        ("21 giugno 2018", "2018-06-21T00:00:00+09:00"),
        ("21 giugno 2018 alle 10:30", "2018-06-21T10:30:00+09:00"),
        ("21 de junho de 2018", "2018-06-21T00:00:00+09:00"),
        ("21 juni 2018", "2018-06-21T00:00:00+09:00"),
        # English (Blogger's date headers among them)
        ("June 21, 2018", "2018-06-21T00:00:00+09:00"),
        ("21 June 2018", "2018-06-21T00:00:00+09:00"),
        ("Jun 21st, 2018", "2018-06-21T00:00:00+09:00"),
        ("Thursday, June 21, 2018", "2018-06-21T00:00:00+09:00"),
        ("Oct. 15, 2025, 1:13 p.m.", "2025-10-15T13:13:00+09:00"),
        ("June 21, 2018 at 10:30 PM", "2018-06-21T22:30:00+09:00"),
        ("15-Oct-2025", "2025-10-15T00:00:00+09:00"),
        ("2025 October 15", "2025-10-15T00:00:00+09:00"),
        ("Posted on June 21, 2018 by admin", "2018-06-21T00:00:00+09:00"),
        # Chinese, Japanese
        ("2018年6月21日", "2018-06-21T00:00:00+09:00"),
        ("2018年6月21日 10:30", "2018-06-21T10:30:00+09:00"),
        ("2018年6月21日(木) 10時30分", "2018-06-21T10:30:00+09:00"),
        ("2018年06月21日 星期四 下午3:30", "2018-06-21T15:30:00+09:00"),
    ],
)
def test_more_forms(text: str, expected: str) -> None:
    assert parse_date_iso(text, now=NOW, slow=False) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("06.11.2023", "2023-11-06"),  # after a dot: day first
        ("06-11-2018", "2018-11-06"),  # after a dash: day first
        ("06/11/2018", "2018-06-11"),  # after a slash: month first
        ("21/06/2018", "2018-06-21"),  # ... unless that is no date
        ("06/21/2018", "2018-06-21"),
        ("06-21-2018", "2018-06-21"),
    ],
)
def test_year_last_numeric_order(text: str, expected: str) -> None:
    parsed = parse_date(text, now=NOW, slow=False)
    assert parsed is not None and parsed.date().isoformat() == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6월 21일", "2025-06-21T00:00:00+09:00"),
        ("10월 17일", "2024-10-17T00:00:00+09:00"),  # later than now: last year
        ("6月21日", "2025-06-21T00:00:00+09:00"),
        ("21 juin", "2025-06-21T00:00:00+09:00"),
        ("21 juin à 10h30", "2025-06-21T10:30:00+09:00"),
        ("June 21", "2025-06-21T00:00:00+09:00"),
        ("21. Juni", "2025-06-21T00:00:00+09:00"),
        ("21 de diciembre", "2024-12-21T00:00:00+09:00"),
        ("Oct 16, 11:59", "2025-10-16T11:59:00+09:00"),
        ("Oct 16, 12:01", "2024-10-16T12:01:00+09:00"),
    ],
)
def test_no_year_is_the_latest_not_after_now(text: str, expected: str) -> None:
    assert parse_date_iso(text, now=NOW, slow=False) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("an hour ago", "2025-10-16T11:00:00+09:00"),
        ("1.5 hours ago", "2025-10-16T10:30:00+09:00"),  # not January 5
        ("a day ago", "2025-10-15T12:00:00+09:00"),
        ("3時間前", "2025-10-16T09:00:00+09:00"),
        ("3小时前", "2025-10-16T09:00:00+09:00"),
        ("3天前", "2025-10-13T12:00:00+09:00"),
        ("vor 3 Stunden", "2025-10-16T09:00:00+09:00"),
        ("vor einer Stunde", "2025-10-16T11:00:00+09:00"),
        ("il y a 3 heures", "2025-10-16T09:00:00+09:00"),
        ("hace 2 días", "2025-10-14T12:00:00+09:00"),
        ("3 ore fa", "2025-10-16T09:00:00+09:00"),
        ("há 3 horas", "2025-10-16T09:00:00+09:00"),
        ("gestern", "2025-10-15T00:00:00+09:00"),
        ("hier à 10h30", "2025-10-15T10:30:00+09:00"),
        ("Yesterday at 10:30 PM", "2025-10-15T22:30:00+09:00"),
        ("昨天 10:30", "2025-10-15T10:30:00+09:00"),
        ("100 years ago", "1925-11-10T12:00:00+09:00"),
    ],
)
def test_relative_forms(text: str, expected: str) -> None:
    assert parse_date_iso(text, now=NOW, slow=False) == expected


@pytest.mark.parametrize("text", ["hierarchy", "3 mois", "21 days", "Sunday 21", "Vol 12 No 3"])
def test_words_that_are_no_dates(text: str) -> None:
    assert parse_date(text, now=NOW, slow=False) is None


# --- hostile input ------------------------------------------------------------------------------


def test_an_impossible_offset_is_ignored() -> None:
    assert parse_date_iso("2025-10-15T13:13:00+99:00", now=NOW) == "2025-10-15T13:13:00+09:00"
    assert parse_date_iso("2025-10-15T13:13:00+09:75", now=NOW) == "2025-10-15T13:13:00+09:00"
    assert parse_date_iso("2025.10.15 13:13 +2400", now=NOW) == "2025-10-15T13:13:00+09:00"
    assert parse_date_iso("2025-10-15T13:13:00+99:00", now=NOW, tz="UTC", convert=False) == (
        "2025-10-15T13:13:00+00:00"
    )


@pytest.mark.parametrize(
    "text",
    [
        "9999 years ago", "99999 days ago", "9999999999999 days ago", "vor 99999999 Jahren",
        "9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+09:00", "0000-01-01T00:00:00",
        "Wed, 31 Dec 9999 23:00:00 -0500", "9999년 12월 31일 23시 59분 +05:00", "\x00" * 10, "+99:00", "99:99",
        "2025-99-99T99:99:99+99:99",
    ],
)  # fmt: skip
def test_out_of_range_is_none_not_an_error(text: str) -> None:
    assert parse_date(text, now=NOW, slow=False) is None


@pytest.mark.parametrize("text", ["31 December 9999 23:59 -12:00", "\ud800 2025", "0001-01-01 00:00 +14:00 1 day ago"])
def test_odd_input_does_not_raise(text: str) -> None:
    for slow in (False, True):
        parsed = parse_date(text, now=NOW, slow=slow)
        assert parsed is None or parsed.utcoffset() is not None


def test_out_of_range_fetch_times_do_not_raise() -> None:
    for now in (datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)):
        for text in ("13:20", "10-15", "어제", "3시간 전", "21 juin", "2025-10-15"):
            parsed = parse_date(text, now=now, tz="Asia/Seoul")
            assert parsed is None or parsed.tzinfo is not None


def test_long_input_is_cut_before_reading() -> None:
    assert parse_date("x" * 300 + " 2025-10-15", now=NOW) is None  # past the bound: not read
    assert parse_date_iso("2025-10-15 " + "x" * 1_000_000, now=NOW) == "2025-10-15T00:00:00+09:00"
    assert parse_date_iso(" " * 500 + "2025-10-15", now=NOW) == "2025-10-15T00:00:00+09:00"
    assert parse_date("1" * 200_000, now=NOW) is None
    assert parse_date("2025." * 50_000, now=NOW, slow=False) is None


# --- property: any text at all -------------------------------------------------------------------

_PIECES = [
    *"0123456789", "00", "12", "31", "99", "2025", "9999", "0000", "99999999", " ", "  ", ".", "-", "/", ":", ",",
    "T", "Z", "+", "+09:00", "+99:00", "-12:00", "년", "월", "일", "시", "분", "초", "年", "月", "日", "時", "오후",
    "PM", "a.m.", "전", "前", "ago", "vor", "il y a", "hace", "fa", "hours", "days", "years", "시간", "June", "juin",
    "de", "Nov.", "Montag,", "1er", "st", "어제", "hier", "today", "방금", "à", "h", "(수)", "星期四", "\x00", "\n",
]  # fmt: skip
_SEEDS = [
    "2025-10-15T13:13:18+09:00", "2022. 4. 8. 오후 3:30", "26-03-23 21:41", "le 21 juin 2018 à 10h30",
    "Thursday, June 21, 2018", "2018年6月21日 10:30", "3시간 전", "vor 3 Stunden", "Wed, 15 Oct 2025 04:13:18 GMT",
    "06.11.2023", "10-15 13:20", "어제 15:30",
]  # fmt: skip
_soup = st.lists(st.sampled_from(_PIECES), max_size=40).map("".join)


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "digit"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(_PIECES)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + 1 :]
        else:
            text = text[:at] + draw(st.sampled_from("0123456789")) + text[at + 1 :]
    return text


def _check(parsed: datetime | None) -> None:
    if parsed is not None:
        assert isinstance(parsed, datetime)
        assert parsed.tzinfo is not None and parsed.utcoffset() is not None
        assert 1 <= parsed.year <= 9999


_nows = st.none() | st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.sampled_from([UTC])
)
_zones = st.sampled_from(["Asia/Seoul", "UTC", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago"])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=300) | _soup | _mutated(), now=_nows, tz=_zones, convert=st.booleans())
def test_any_text_fast_path_never_raises(text: str, now: datetime | None, tz: str, convert: bool) -> None:
    _check(parse_date(text, now=now, tz=tz, slow=False, convert=convert))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=60) | _soup | _mutated(), now=_nows, tz=_zones)
def test_any_text_with_dateparser_never_raises(text: str, now: datetime | None, tz: str) -> None:
    _check(parse_date(text, now=now, tz=tz, slow=True))


@settings(max_examples=100, deadline=None)
@given(text=st.text(alphabet="0123456789 .-/:年月日년월일", min_size=1_000, max_size=5_000))
def test_long_digit_soup_is_cut(text: str) -> None:
    _check(parse_date(text, now=NOW, slow=False))


def test_not_a_string_is_none() -> None:
    for value in (20251015, ["2025-10-15"], {"@value": "2025-10-15"}, b"2025-10-15"):
        assert parse_date(value, now=NOW) is None  # type: ignore[arg-type]


def test_asctime_keeps_its_year_after_the_time() -> None:
    # C's ctime format, as some CMSs print itemprop=datePublished
    got = parse_date("Fri Feb 18 10:27:24 2022", now=datetime(2026, 12, 1, tzinfo=UTC), tz="Europe/Berlin")
    assert got is not None and got.isoformat() == "2022-02-18T10:27:24+01:00"
