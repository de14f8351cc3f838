"""Fleet-wide politeness tokens (two workers, one Redis) and the private-address guard."""

from __future__ import annotations

import asyncio
import itertools
import time
from types import SimpleNamespace

import pytest
import redis
from scrapy import Request
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.signalmanager import SignalManager

from crawler.frontier.guard import PrivateAddressMiddleware, address_is_private
from crawler.frontier.keys import META_SEED
from crawler.frontier.politeness import META_TOKEN, FleetPolitenessMiddleware


def pair(client: redis.Redis, prefix: str, **kw: float) -> tuple[FleetPolitenessMiddleware, ...]:
    return tuple(
        FleetPolitenessMiddleware(client, prefix, worker=name, **kw)  # type: ignore[arg-type]
        for name in ("w1", "w2")
    )


def test_concurrency_holds_across_two_workers(redis_client: redis.Redis, redis_prefix: str) -> None:
    a, b = pair(redis_client, redis_prefix, concurrency=2, poll=0.01)

    async def scenario() -> list[str]:
        events: list[str] = []
        r1, r2, r3 = (Request(f"http://site.test/{i}") for i in range(3))
        await a.process_request(r1)
        await b.process_request(r2)
        third = asyncio.ensure_future(b.process_request(r3))
        await asyncio.sleep(0.2)
        events.append("third waiting" if not third.done() else "third started")
        a.process_response(r1, Response(r1.url))  # one slot frees up, fleet-wide
        await asyncio.wait_for(third, 2)
        events.append("third started")
        assert META_TOKEN in r3.meta and META_TOKEN not in r1.meta
        # another host has its own slots
        await asyncio.wait_for(a.process_request(Request("http://other.test/")), 0.5)
        b.process_exception(r2, OSError("boom"))
        b.process_response(r3, Response(r3.url))
        await asyncio.sleep(0.2)  # finished tokens go back once idle for release_delay
        return events

    assert asyncio.run(scenario()) == ["third waiting", "third started"]
    assert redis_client.zcard(f"{redis_prefix}:polite:site.test") == 0


def test_a_finished_token_is_reused_by_the_same_worker_without_redis(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    stats = SimpleNamespace(values={})
    stats.inc_value = lambda key: stats.values.__setitem__(key, stats.values.get(key, 0) + 1)
    mw = FleetPolitenessMiddleware(redis_client, redis_prefix, concurrency=4, worker="w1", stats=stats)  # type: ignore[arg-type]
    key = f"{redis_prefix}:polite:site.test"

    async def scenario() -> tuple[str, str, int, str]:
        r1, r2, r3 = (Request(f"http://site.test/{i}") for i in range(3))
        await mw.process_request(r1)
        first = r1.meta[META_TOKEN][1]
        mw.process_response(r1, Response(r1.url))
        redis_client.delete(key)  # were Redis asked again, the token would reappear in it
        await mw.process_request(r2)
        second = r2.meta[META_TOKEN][1]
        in_redis = redis_client.zcard(key)
        mw.process_response(r2, Response(r2.url))
        await asyncio.sleep(0.2)  # idle longer than release_delay: given back
        await mw.process_request(r3)
        return first, second, in_redis, r3.meta[META_TOKEN][1]

    first, second, in_redis, third = asyncio.run(scenario())
    assert second == first and in_redis == 0
    assert third != first  # a new token from Redis
    assert stats.values == {"politeness/reused": 1}
    assert redis_client.zrange(key, 0, -1) == [third.encode()]


def test_a_waiting_request_gets_the_finished_token_at_once(
    redis_client: redis.Redis, redis_prefix: str
) -> None:
    # poll is long: only the hand-over can start the second request quickly
    mw = FleetPolitenessMiddleware(redis_client, redis_prefix, concurrency=1, poll=2.0, worker="w1")

    async def scenario() -> float:
        r1, r2 = Request("http://site.test/1"), Request("http://site.test/2")
        await mw.process_request(r1)
        second = asyncio.ensure_future(mw.process_request(r2))
        await asyncio.sleep(0.05)
        assert not second.done()
        token = r1.meta[META_TOKEN][1]
        released = time.monotonic()
        mw.process_exception(r1, OSError("boom"))
        await asyncio.wait_for(second, 1)
        assert r2.meta[META_TOKEN][1] == token  # handed over, not given back and taken again
        return time.monotonic() - released

    assert asyncio.run(scenario()) < 0.1
    assert redis_client.zcard(f"{redis_prefix}:polite:site.test") == 1  # never two at once


def test_an_old_token_is_given_back_not_reused(redis_client: redis.Redis, redis_prefix: str) -> None:
    mw = FleetPolitenessMiddleware(redis_client, redis_prefix, concurrency=4, reuse_for=0.05, worker="w1")

    async def scenario() -> tuple[str, str]:
        r1, r2 = Request("http://site.test/1"), Request("http://site.test/2")
        await mw.process_request(r1)
        first = r1.meta[META_TOKEN][1]
        await asyncio.sleep(0.1)  # older than reuse_for when it finishes
        mw.process_response(r1, Response(r1.url))
        await mw.process_request(r2)
        return first, r2.meta[META_TOKEN][1]

    first, second = asyncio.run(scenario())
    assert second != first
    members = redis_client.zrange(f"{redis_prefix}:polite:site.test", 0, -1)
    assert members == [second.encode()]  # the old one went back with the new acquisition


def test_delay_spaces_starts_across_workers(redis_client: redis.Redis, redis_prefix: str) -> None:
    a, b = pair(redis_client, redis_prefix, concurrency=0, delay=0.3)

    async def scenario() -> list[float]:
        starts = []
        for mw in (a, b, a):
            request = Request("http://slow.test/")
            await mw.process_request(request)
            starts.append(time.monotonic())
            mw.process_response(request, Response(request.url))
        return starts

    starts = asyncio.run(scenario())
    gaps = [later - earlier for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= 0.28 for gap in gaps), gaps


def test_tokens_of_a_dead_worker_expire(redis_client: redis.Redis, redis_prefix: str) -> None:
    a, b = pair(redis_client, redis_prefix, concurrency=1, token_ttl=1.0, poll=0.02)

    async def scenario() -> float:
        await a.process_request(Request("http://site.test/1"))  # never given back
        started = time.monotonic()
        await asyncio.wait_for(b.process_request(Request("http://site.test/2")), 3)
        return time.monotonic() - started

    waited = asyncio.run(scenario())
    assert 0.8 <= waited <= 2.0


def test_politeness_off_is_not_in_the_chain(make_settings) -> None:  # type: ignore[no-untyped-def]
    off = SimpleNamespace(settings=make_settings(CRAWLER_FLEET_POLITENESS=False), stats=None)
    with pytest.raises(NotConfigured):
        FleetPolitenessMiddleware.from_crawler(off)  # type: ignore[arg-type]
    on = SimpleNamespace(
        settings=make_settings(CRAWLER_DOMAIN_CONCURRENCY=3), stats=None, signals=SignalManager()
    )
    assert FleetPolitenessMiddleware.from_crawler(on).concurrency == 3  # type: ignore[arg-type]
    no_guard = SimpleNamespace(settings=make_settings(CRAWLER_BLOCK_PRIVATE_ADDRESSES=False), stats=None)
    with pytest.raises(NotConfigured):
        PrivateAddressMiddleware.from_crawler(no_guard)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "private"),
    [
        ("127.0.0.1", True), ("10.1.2.3", True), ("192.168.0.1", True), ("169.254.169.254", True),
        ("::1", True), ("fe80::1", True), ("::ffff:127.0.0.1", True), ("100.64.0.1", True),
        ("8.8.8.8", False), ("2001:4860:4860::8888", False), ("not-an-ip", False),
    ],
)  # fmt: skip
def test_address_is_private(address: str, private: bool) -> None:
    assert address_is_private(address) is private


def test_guard_refuses_private_hosts_from_public_seeds() -> None:
    guard = PrivateAddressMiddleware(allowed_hosts=["10.9.9.9"])

    def req(url: str, seed: str | None) -> Request:
        return Request(url, meta={META_SEED: seed} if seed else {})

    async def verdict(url: str, seed: str | None) -> str:
        try:
            await guard.process_request(req(url, seed))
        except IgnoreRequest:
            return "refused"
        return "allowed"

    async def scenario() -> list[str]:
        return [
            await verdict("http://127.0.0.1:6379/", "http://8.8.8.8/list"),  # public seed -> loopback
            await verdict("http://169.254.169.254/latest", "http://8.8.8.8/"),
            await verdict("http://localhost/x", "http://8.8.8.8/"),
            await verdict("http://10.9.9.9/ok", "http://8.8.8.8/"),  # allowed host
            await verdict("http://127.0.0.1:8000/next", "http://127.0.0.1:8000/seed"),  # demo site
            await verdict("http://10.0.0.5/x", "http://127.0.0.1:8000/seed"),  # not its own host
            await verdict("http://127.0.0.1/robots.txt", None),  # not part of a walk
            await verdict("http://8.8.4.4/a", "http://8.8.8.8/"),
        ]

    assert asyncio.run(scenario()) == [
        "refused", "refused", "refused", "allowed", "allowed", "refused", "allowed", "allowed",
    ]  # fmt: skip
