"""The Redis frontier without Scrapy's engine: order, JSON, seen set, leases."""

from __future__ import annotations

import json
import time

import pytest
import redis
import scrapy
from scrapy.http import FormRequest

from crawler.frontier.keys import META_LEASE, Keys
from crawler.frontier.queue import Frontier, PushEntry
from crawler.frontier.seen import SeenSet, check_buckets
from crawler.frontier.serialize import request_from_json, request_to_json
from crawler.frontier.stats import frontier_counts
from crawler.urls import url_fingerprint


def entry(url: str, priority: int = 0, bypass: bool = False) -> PushEntry:
    return PushEntry(url_fingerprint(url), json.dumps({"url": url}), priority, bypass)


def urls_of(popped: list[tuple[str, str]]) -> list[str]:
    return [json.loads(raw)["url"] for _, raw in popped]


@pytest.fixture
def frontier(redis_client: redis.Redis, redis_prefix: str) -> Frontier:
    f = Frontier(redis_client, redis_prefix, worker="w1", lease_timeout=1.0, seen_buckets=64)
    f.settle()
    return f


def test_priority_first_then_fifo(frontier: Frontier) -> None:
    frontier.push([entry("http://a.test/1"), entry("http://a.test/2", 5), entry("http://a.test/3")])
    frontier.push([entry("http://a.test/4", 5), entry("http://a.test/5", -1), entry("http://a.test/6")])
    popped = frontier.pop(10).popped
    assert urls_of(popped) == [
        "http://a.test/2", "http://a.test/4",  # priority 5, in push order
        "http://a.test/1", "http://a.test/3", "http://a.test/6",  # priority 0
        "http://a.test/5",  # priority -1
    ]  # fmt: skip


def test_seen_filter_bypass_and_forget(frontier: Frontier, redis_client: redis.Redis) -> None:
    r = frontier.push([entry("http://a.test/x?utm_source=t"), entry("http://a.test/x")])
    assert (r.pushed, r.filtered) == (1, 1)  # same canonical URL
    r = frontier.push([entry("http://a.test/x", bypass=True)])  # a seed or a retry
    assert (r.pushed, r.filtered) == (1, 0)
    seen = frontier.seen
    assert seen.contains("http://a.test/x")
    assert seen.forget(["http://a.test/x", "http://a.test/never"]) == 1
    assert not seen.contains("http://a.test/x")
    assert frontier.push([entry("http://a.test/x")]).pushed == 1
    assert seen.count() == 1
    # fingerprints are stored as integers: the bucket is an intset
    assert redis_client.object("encoding", seen.bucket_key(url_fingerprint("http://a.test/x"))) in (
        b"intset",
        "intset",
    )


def test_seen_buckets_are_recorded_and_adopted(redis_client: redis.Redis, redis_prefix: str) -> None:
    with pytest.raises(ValueError, match="power of two"):
        check_buckets(1000)
    first = SeenSet(redis_client, redis_prefix, buckets=16)
    assert not first.is_marked()
    first.settle_buckets()
    later = SeenSet(redis_client, redis_prefix, buckets=64)
    assert later.settle_buckets() == 16  # a fleet must agree on the bucket of a URL
    first.add(["http://a.test/1"])
    assert later.contains("http://a.test/1")


def test_expired_lease_returns_to_queue_and_late_ack(
    frontier: Frontier, redis_client: redis.Redis, redis_prefix: str
) -> None:
    other = Frontier(redis_client, redis_prefix, worker="w2", lease_timeout=1.0, seen_buckets=64)
    frontier.push([entry("http://a.test/1"), entry("http://a.test/2")])
    taken = frontier.pop(2)
    assert len(taken.popped) == 2 and taken.leased == 2 and taken.queued == 0
    assert other.pop(5).popped == []  # leased: not available
    time.sleep(1.1)
    again = other.pop(5)
    assert again.reclaimed == 2
    assert urls_of(again.popped) == ["http://a.test/1", "http://a.test/2"]  # old order kept
    # w1 finishes late: w2 holds the leases now, w1's ack is refused and counted lost
    late = frontier.ack([lid for lid, _ in taken.popped])
    assert (late.acked, late.lost) == (0, 2)
    done = other.ack([lid for lid, _ in again.popped])
    assert done.acked == 2 and done.leased == 0
    assert redis_client.hlen(Keys(redis_prefix).requests) == 0
    assert frontier_counts(redis_client, redis_prefix)["lease_expired_reclaimed"] == 2


def test_ack_of_a_request_back_in_the_queue_removes_it(frontier: Frontier) -> None:
    frontier.push([entry("http://a.test/1")])
    taken = frontier.pop(1)
    time.sleep(1.1)
    frontier.sync()  # any sync reclaims
    assert frontier.queued() == 1
    # the slow worker finishes after all: the work is done, the queued copy goes
    assert frontier.ack([taken.popped[0][0]]).acked == 1
    assert frontier.queued() == 0 and frontier.leased() == 0


def test_renewed_lease_is_not_taken(frontier: Frontier, redis_client: redis.Redis, redis_prefix: str) -> None:
    other = Frontier(redis_client, redis_prefix, worker="w2", lease_timeout=1.0, seen_buckets=64)
    frontier.push([entry("http://a.test/1")])
    lid = frontier.pop(1).popped[0][0]
    for _ in range(3):
        time.sleep(0.5)
        assert frontier.renew([lid]) == []
        assert other.pop(1).popped == []
    assert other.renew([lid]) == [lid]  # not w2's lease
    workers = frontier_counts(redis_client, redis_prefix)["workers"]
    assert set(workers) == {"w1", "w2"} and all(age < 5 for age in workers.values())


def test_children_and_ack_travel_together(frontier: Frontier) -> None:
    frontier.push([entry("http://a.test/parent")])
    parent = frontier.pop(1).popped[0][0]
    r = frontier.sync(
        children=[entry("http://a.test/c1"), entry("http://a.test/c2", 3)], acks=[parent], pop=1
    )
    assert (r.pushed, r.acked) == (2, 1)
    assert urls_of(r.popped) == ["http://a.test/c2"]
    assert r.queued == 1 and r.leased == 1


def test_release_puts_unstarted_requests_back_in_place(frontier: Frontier) -> None:
    frontier.push([entry("http://a.test/1"), entry("http://a.test/2"), entry("http://a.test/3")])
    taken = frontier.pop(2)
    r = frontier.release([lid for lid, _ in taken.popped])
    assert r.released == 2 and r.leased == 0
    assert urls_of(frontier.pop(3).popped) == ["http://a.test/1", "http://a.test/2", "http://a.test/3"]


class _Spider(scrapy.Spider):
    name = "kit"

    def parse(self, response):  # type: ignore[no-untyped-def]
        return None

    def parse_article(self, response, page):  # type: ignore[no-untyped-def]
        return None

    def on_error(self, failure):  # type: ignore[no-untyped-def]
        return None


def test_request_json_round_trip() -> None:
    spider = _Spider()
    request = scrapy.Request(
        "https://news.test/a?b=1",
        callback=spider.parse_article,
        errback=spider.on_error,
        cb_kwargs={"page": 3},
        meta={"chain_seed": "https://news.test/", "chain_direction": "prev", "retry_times": 1,
              META_LEASE: "000000000000007"},
        headers={"Referer": "https://news.test/", "X-Bytes": b"\xc3\xa9"},
        priority=7,
        dont_filter=True,
        flags=["x"],
    )  # fmt: skip
    raw = request_to_json(request, spider)
    assert "frontier_lease" not in raw  # a lease never travels
    back = request_from_json(raw, spider)
    assert back.url == request.url
    assert back.callback == spider.parse_article and back.errback == spider.on_error
    assert back.cb_kwargs == {"page": 3}
    assert back.meta == {"chain_seed": "https://news.test/", "chain_direction": "prev", "retry_times": 1}
    assert back.headers.getlist("X-Bytes") == [b"\xc3\xa9"]
    assert back.headers.get("Referer") == b"https://news.test/"
    assert (back.priority, back.dont_filter, back.flags) == (7, True, ["x"])

    form = FormRequest("https://news.test/search", formdata={"q": "인공지능"}, callback=spider.parse)
    back_form = request_from_json(request_to_json(form, spider), spider)
    assert type(back_form) is FormRequest
    assert back_form.method == "POST" and back_form.body == form.body

    with pytest.raises(ValueError, match="not a method of the spider"):
        request_to_json(scrapy.Request("https://news.test/", callback=lambda r: None), spider)


def test_unserializable_meta_is_dropped_not_fatal() -> None:
    request = scrapy.Request("https://news.test/", meta={"ok": 1, "obj": object()})
    back = request_from_json(request_to_json(request))
    assert back.meta == {"ok": 1}


def test_live_workers_are_counted_for_the_fair_share(
    frontier: Frontier, redis_client: redis.Redis, redis_prefix: str
) -> None:
    other = Frontier(redis_client, redis_prefix, worker="w2", lease_timeout=1.0, seen_buckets=64)
    anonymous = Frontier(redis_client, redis_prefix, lease_timeout=1.0, seen_buckets=64)  # a CLI
    assert frontier.sync().alive == 1
    assert other.sync().alive == 2
    assert anonymous.sync().alive == 2  # pushing seeds does not make a worker
    other.forget_worker()  # a clean stop
    assert frontier.sync().alive == 1
    other.sync()
    time.sleep(1.1)  # silent for a lease timeout: no longer counted (killed)
    assert frontier.sync().alive == 1
