"""The schedule file and the scheduler: parsing, due times, firing with a fake clock against
the real Redis, two schedulers firing each slot once, and surviving a Redis outage."""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
import yaml
from conftest import TEST_REDIS_URL
from redis.backoff import NoBackoff
from redis.retry import Retry

from crawler.localservices import free_port
from crawler.schedule import Scheduler, enqueue_args, find_schedule_file, lock_key
from crawler.schedule_config import (
    ScheduleEntry,
    ScheduleError,
    format_duration,
    load_schedule,
    parse_duration,
    parse_schedule,
)

T0 = datetime(2025, 10, 15, 9, 0, 0, tzinfo=UTC)


# --- parsing ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [(90, 90.0), ("90", 90.0), ("90s", 90.0), ("30m", 1800.0), ("6h", 21600.0), ("1d", 86400.0),
     ("1h30m", 5400.0), ("1h 30m", 5400.0), ("2w", 1209600.0), ("500ms", 0.5), ("1.5h", 5400.0)],
)  # fmt: skip
def test_parse_duration(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "soon", "30x", "m30", "-5m", 0, "0s", True, None, "30m and"])
def test_parse_duration_rejects(text: object) -> None:
    with pytest.raises(ScheduleError):
        parse_duration(text)


def test_format_duration() -> None:
    assert [format_duration(s) for s in (1800, 5400, 90, 86400, 0.5)] == ["30m", "1h30m", "1m30s", "1d", "500ms"]


EXAMPLE = """
timezone: Asia/Seoul
entries:
  - name: news
    seeds: [https://v.daum.net/v/20251015093012345]
    profile: daum
    direction: prev
    max_pages: 50
    cron: "0 6 * * *"
  - name: board
    list_pages: https://example.org/bbs/board.php?bo_table=free
    every: 30m
  - name: paused
    seeds: [https://example.org/a]
    every: 1h
    enabled: false
    timezone: UTC
"""


def test_parse_yaml_file(tmp_path: Path) -> None:
    path = tmp_path / "schedule.yaml"
    path.write_text(EXAMPLE, encoding="utf-8")
    news, board, paused = load_schedule(path)
    assert news.name == "news" and news.seeds == ("https://v.daum.net/v/20251015093012345",)
    assert (news.profile, news.direction, news.max_pages) == ("daum", "prev", 50)
    assert news.cron == "0 6 * * *" and news.every is None
    assert news.timezone == "Asia/Seoul" and news.misfire_grace == 300
    assert board.list_pages == ("https://example.org/bbs/board.php?bo_table=free",) and board.seeds == ()
    assert board.every == 1800 and board.misfire_grace == 1800
    assert board.urls == board.list_pages
    assert paused.enabled is False and paused.timezone == "UTC"
    assert news.describe() == 'cron "0 6 * * *" (Asia/Seoul)' and board.describe() == "every 30m"


def test_parse_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "schedule.toml"
    path.write_text(
        'timezone = "UTC"\n'
        "[[entries]]\n"
        'name = "hourly"\nseeds = ["https://example.org/a", "https://example.org/b"]\n'
        'every = "1h"\nmisfire_grace = "10m"\n',
        encoding="utf-8",
    )
    [entry] = load_schedule(path)
    assert entry.every == 3600 and entry.misfire_grace == 600 and len(entry.seeds) == 2


def test_the_example_file_parses() -> None:
    entries = load_schedule(Path(__file__).parent.parent / "schedule.example.yaml")
    assert entries and all(e.urls for e in entries)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"entries": [{"seeds": ["https://a.org/"], "every": "1h"}]}, "name"),
        ({"entries": [{"name": "a", "every": "1h"}]}, "seeds or list_pages"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"]}]}, "exactly one of every"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "1h", "cron": "* * * * *"}]}, "exactly one"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "cron": "61 * * * *"}]}, "not a valid cron"),
        ({"entries": [{"name": "a", "seeds": ["ftp://a.org/"], "every": "1h"}]}, "not an http"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "soon"}]}, "not a duration"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "1h", "direction": "up"}]}, "direction"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "1h", "max_pages": -1}]}, "max_pages"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "1h", "timezone": "Mars/Base"}]}, "zone"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "1h", "sede": 1}]}, "unknown key"),
        ({"entries": [{"name": "a", "seeds": ["https://a.org/"], "every": "1h"}] * 2}, "used twice"),
        ({"entries": []}, "at least one"),
        ({"jobs": []}, "unknown top-level"),
        (None, "empty"),
        ({"entries": [{"name": False, "seeds": ["https://a.org/"], "every": "1h"}]}, "quote it"),
    ],
)
def test_parse_errors_name_the_problem(raw: object, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_schedule(raw)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("entries: [\n", encoding="utf-8")
    with pytest.raises(ScheduleError, match=r"bad\.yaml: not valid YAML"):
        load_schedule(path)
    with pytest.raises(ScheduleError, match="cannot read"):
        load_schedule(tmp_path / "missing.yaml")


def test_find_schedule_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScheduleError, match=r"schedule\.example\.yaml"):
        find_schedule_file(None)
    (tmp_path / "schedule.toml").write_text("", encoding="utf-8")
    assert find_schedule_file(None) == Path("schedule.toml")
    assert find_schedule_file("other.yaml") == Path("other.yaml")


def test_enqueue_args_are_a_valid_enqueue_command() -> None:
    from crawler.cli import build_parser

    entry = parse_schedule(yaml.safe_load(EXAMPLE))[0]
    args = build_parser().parse_args(enqueue_args(entry))
    assert args.command == "enqueue" and args.urls == list(entry.urls)
    assert (args.profile, args.direction, args.max_pages) == ("daum", "prev", 50)


# --- due times ----------------------------------------------------------------------------


def _entry(**kw: object) -> ScheduleEntry:
    raw = {"name": "e", "seeds": ["https://example.org/a"], **kw}
    return parse_schedule({"entries": [raw]})[0]


def test_every_slots_are_epoch_aligned() -> None:
    entry = _entry(every="30m")
    assert entry.last_due(T0 + timedelta(minutes=29, seconds=59)) == T0
    assert entry.last_due(T0 + timedelta(minutes=30)) == T0 + timedelta(minutes=30)
    assert entry.next_due(T0) == T0 + timedelta(minutes=30)
    assert entry.last_due(T0.replace(tzinfo=None)) == T0  # naive times are UTC


def test_cron_slots_in_their_zone() -> None:
    entry = _entry(cron="0 6 * * *", timezone="Asia/Seoul")  # 06:00 KST = 21:00 UTC the day before
    now = datetime(2025, 10, 15, 0, 0, tzinfo=UTC)
    assert entry.last_due(now) == datetime(2025, 10, 14, 21, 0, tzinfo=UTC)
    assert entry.next_due(now) == datetime(2025, 10, 15, 21, 0, tzinfo=UTC)
    exact = datetime(2025, 10, 14, 21, 0, tzinfo=UTC)
    assert entry.last_due(exact) == exact  # a slot is due at its own instant
    quarter = _entry(cron="*/15 * * * *")
    assert quarter.last_due(T0 + timedelta(minutes=14, seconds=59)) == T0
    assert quarter.next_due(T0) == T0 + timedelta(minutes=15)


# --- firing against the real Redis, with a fake clock ----------------------------------------


class Recorder:
    """An enqueue function that records what it was asked to enqueue."""

    def __init__(self, fail: int = 0) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, entry: ScheduleEntry) -> int:
        with self.lock:
            if self.fail:
                self.fail -= 1
                raise RuntimeError("frontier refused")
            self.calls.append((entry.name, entry.urls))
        return len(entry.urls)


def _scheduler(
    entries: list[ScheduleEntry], client: redis.Redis, prefix: str, rec: Recorder, **kw: object
) -> Scheduler:
    return Scheduler(entries, client=client, prefix=prefix, enqueue=rec, **kw)  # type: ignore[arg-type]


def test_fires_each_slot_once_with_a_fake_clock(redis_client: redis.Redis, redis_prefix: str) -> None:
    every = _entry(every="30m")
    cron = parse_schedule({"entries": [{"name": "c", "seeds": ["https://example.org/c"], "cron": "0 10 * * *"}]})[0]
    rec = Recorder()
    sched = _scheduler([every, cron], redis_client, redis_prefix, rec)

    fired = sched.tick(T0 + timedelta(minutes=1))  # a new `every` entry fires at once; cron 10:00 not yet due
    assert [(f.entry, f.due) for f in fired] == [("e", T0)]
    assert rec.calls == [("e", ("https://example.org/a",))]
    assert sched.tick(T0 + timedelta(minutes=2)) == []  # same slot: nothing
    assert sched.tick(T0 + timedelta(minutes=29, seconds=59)) == []

    fired = sched.tick(T0 + timedelta(minutes=30))
    assert [(f.entry, f.due) for f in fired] == [("e", T0 + timedelta(minutes=30))]

    fired = sched.tick(T0 + timedelta(hours=1, seconds=2))  # 10:00:02: both due
    assert sorted(f.entry for f in fired) == ["c", "e"]
    assert len(rec.calls) == 4

    # The lock of each fired slot is in Redis, and so is each entry's last firing.
    assert redis_client.get(lock_key(redis_prefix, "c", T0 + timedelta(hours=1))).startswith(sched.instance.encode())
    last = json.loads(redis_client.hget(f"{redis_prefix}:schedule:last", "c"))
    assert last["due"] == (T0 + timedelta(hours=1)).isoformat() and last["enqueued"] == 1

    # A scheduler restarted within the slot does not fire it again (the lock says done).
    again = _scheduler([every, cron], redis_client, redis_prefix, rec)
    assert again.tick(T0 + timedelta(hours=1, minutes=3)) == []
    assert len(rec.calls) == 4


def test_missed_cron_slots_beyond_grace_are_skipped(redis_client: redis.Redis, redis_prefix: str) -> None:
    daily = _entry(cron="0 3 * * *")
    rec = Recorder()
    sched = _scheduler([daily], redis_client, redis_prefix, rec)
    assert sched.tick(datetime(2025, 10, 15, 14, 0, tzinfo=UTC)) == []  # 11 hours late: skipped
    assert sched.tick(datetime(2025, 10, 16, 3, 4, 59, tzinfo=UTC))  # 4m59s late: within 5 minutes
    assert len(rec.calls) == 1


def test_a_skipped_slot_is_logged_once_and_a_fired_one_never(
    redis_client: redis.Redis, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    daily = _entry(cron="0 3 * * *")
    rec = Recorder()
    sched = _scheduler([daily], redis_client, redis_prefix, rec)
    with caplog.at_level(logging.INFO, logger="crawler.schedule"):
        for second in range(3):
            assert sched.tick(datetime(2025, 10, 15, 14, 0, second, tzinfo=UTC)) == []
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 1
    assert len(sched.tick(datetime(2025, 10, 16, 3, 0, 30, tzinfo=UTC))) == 1
    caplog.clear()
    restarted = _scheduler([daily], redis_client, redis_prefix, rec)  # as after a restart at 03:10
    with caplog.at_level(logging.INFO, logger="crawler.schedule"):
        assert restarted.tick(datetime(2025, 10, 16, 3, 10, tzinfo=UTC)) == []
    assert not [r for r in caplog.records if "skipped" in r.getMessage()]
    assert len(rec.calls) == 1


def test_disabled_entries_never_fire(redis_client: redis.Redis, redis_prefix: str) -> None:
    rec = Recorder()
    sched = _scheduler([_entry(every="1m", enabled=False)], redis_client, redis_prefix, rec)
    assert sched.tick(T0) == [] and rec.calls == []


def test_failed_enqueue_is_retried_on_the_next_tick(redis_client: redis.Redis, redis_prefix: str) -> None:
    rec = Recorder(fail=1)
    sched = _scheduler([_entry(every="30m")], redis_client, redis_prefix, rec)
    assert sched.tick(T0) == []
    assert redis_client.get(lock_key(redis_prefix, "e", T0)) is None  # the pending lock was released
    assert [f.entry for f in sched.tick(T0 + timedelta(seconds=1))] == ["e"]


def test_a_dead_schedulers_pending_lock_expires(redis_client: redis.Redis, redis_prefix: str) -> None:
    rec = Recorder()
    redis_client.set(lock_key(redis_prefix, "e", T0), "dead-host-1:pending", ex=1)
    sched = _scheduler([_entry(every="30m")], redis_client, redis_prefix, rec, pending_ttl=1)
    assert sched.tick(T0 + timedelta(seconds=1)) == []  # another scheduler is firing it
    deadline = time.monotonic() + 5
    while redis_client.exists(lock_key(redis_prefix, "e", T0)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert [f.entry for f in sched.tick(T0 + timedelta(seconds=3))] == ["e"]


def test_two_schedulers_fire_each_slot_once(redis_prefix: str) -> None:
    """Two scheduler instances, each with its own Redis connection, tick the same instants
    at the same time from two threads: every slot is fired by exactly one of them."""
    entries = [_entry(every="1m"), parse_schedule({"entries": [
        {"name": "q", "seeds": ["https://example.org/q"], "cron": "*/5 * * * *"}]})[0]]  # fmt: skip
    rec = Recorder()
    clients = [redis.Redis.from_url(TEST_REDIS_URL) for _ in range(2)]
    scheds = [_scheduler(entries, c, redis_prefix, rec, instance=f"s{i}") for i, c in enumerate(clients)]
    instants = [T0 + timedelta(seconds=20 * i) for i in range(45)]  # 15 minutes, 3 ticks a minute
    fired: list[list[object]] = [[], []]
    barrier = threading.Barrier(2)

    def run(i: int) -> None:
        for now in instants:
            barrier.wait()
            fired[i].extend(scheds[i].tick(now))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    for c in clients:
        c.close()
    slots = [(f.entry, f.due) for f in fired[0] + fired[1]]  # type: ignore[attr-defined]
    assert len(slots) == len(set(slots)) == 15 + 3  # 15 one-minute slots, 3 five-minute slots
    assert len(rec.calls) == 18


# --- surviving a Redis outage (a real Redis server stopped and started again) ---------------


@pytest.fixture
def own_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A Redis server of this test's own that the test can stop and start."""
    binary = shutil.which("redis-server")
    if binary is None:
        from crawler.localservices import redis_server_binary

        binary = redis_server_binary()
    port = free_port()
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        proc = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        procs.append(proc)
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop() -> None:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=10)

    start()
    yield port, start, stop
    stop()


def test_survives_a_redis_outage(own_redis, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    port, start, stop = own_redis
    # No client-side retries, so that each failing tick returns at once.
    client = redis.Redis(port=port, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0))
    rec = Recorder()
    sched = _scheduler([_entry(every="30m")], client, "p", rec)
    assert len(sched.tick(T0)) == 1
    stop()
    with caplog.at_level(logging.DEBUG, logger="crawler.schedule"):
        assert sched.tick(T0 + timedelta(minutes=30)) == []
        assert sched.tick(T0 + timedelta(minutes=30, seconds=1)) == []
        assert sched.redis_down
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Redis does not answer" in warnings[0].getMessage()  # logged once
    start()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="crawler.schedule"):
        fired = sched.tick(T0 + timedelta(minutes=31))
    assert [(f.entry, f.due) for f in fired] == [("e", T0 + timedelta(minutes=30))]  # fired late, once
    assert not sched.redis_down
    assert any("answers again" in r.getMessage() for r in caplog.records)
    client.close()


def test_run_loop_stops_on_event(redis_client: redis.Redis, redis_prefix: str) -> None:
    rec = Recorder()
    sched = _scheduler([_entry(every="1h")], redis_client, redis_prefix, rec)
    stop = threading.Event()
    thread = threading.Thread(target=sched.run, kwargs={"tick": 0.05, "stop": stop})
    thread.start()
    deadline = time.monotonic() + 5
    while not rec.calls and time.monotonic() < deadline:
        time.sleep(0.02)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and len(rec.calls) == 1


# --- the command ----------------------------------------------------------------------------


def test_schedule_command_reports_a_bad_file(tmp_path: Path, crawler_env: dict[str, str]) -> None:
    bad = tmp_path / "s.yaml"
    bad.write_text("entries:\n  - name: x\n    every: 1h\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler.cli", "schedule", "--config", str(bad), "--once"],
        env=crawler_env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 2
    assert "entry 'x': give seeds or list_pages" in proc.stderr


def test_two_scheduler_processes_enqueue_once_on_the_real_frontier(
    tmp_path: Path, crawler_env: dict[str, str], redis_client: redis.Redis, redis_prefix: str
) -> None:
    """Two ``crawler schedule --once`` processes started together: the slot is fired by one
    of them, through the frontier's enqueue code, and the seeds are on the frontier once."""
    from crawler.frontier.stats import frontier_counts

    path = tmp_path / "schedule.yaml"
    path.write_text(
        "entries:\n"
        "  - name: hourly\n"
        "    seeds: [https://news.example.com/a/1, https://news.example.com/a/2]\n"
        "    direction: prev\n"
        "    every: 1h\n",
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "crawler.cli", "schedule", "--config", str(path), "--once"]
    procs = [
        subprocess.Popen(cmd, env=crawler_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    lines = [line for o in outs for line in o[0].splitlines()]
    assert sum(line.startswith("fired hourly:") for line in lines) == 1, lines
    assert sum(line.startswith("already fired hourly:") for line in lines) == 1, lines
    counts = frontier_counts(redis_client, redis_prefix)
    assert counts["seeds"] == 2 and counts["queued"] == 2
    [last] = redis_client.hvals(f"{redis_prefix}:schedule:last")
    assert json.loads(last)["enqueued"] == 2
    # Run again within the same hour: nothing more is enqueued.
    again = subprocess.run(cmd, env=crawler_env, capture_output=True, text=True, timeout=120, check=False)
    assert again.returncode == 0 and "already fired hourly:" in again.stdout
    assert frontier_counts(redis_client, redis_prefix)["queued"] == 2
