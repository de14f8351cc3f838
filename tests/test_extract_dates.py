"""Dates as sites print them -> aware timestamps in the site's zone (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

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
        ("October 15, 2025", "2025-10-15T00:00:00+09:00"),  # the dateparser long tail
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
    assert parse_date("October 15, 2025", now=NOW, slow=False) is None
