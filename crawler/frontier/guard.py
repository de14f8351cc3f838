"""Refuse requests to private, loopback and link-local addresses reached from a public seed.

A public page that links or redirects to ``http://127.0.0.1:6379/`` or
``http://169.254.169.254/`` must not make a worker fetch it. This downloader
middleware looks at the host of every request that belongs to a walk (its meta names
the seed): an IP literal is checked directly, a name is resolved (asynchronously,
cached) and refused when any address it resolves to is not public.

Allowed anyway: the hosts in ``CRAWLER_ALLOWED_PRIVATE_HOSTS``, and a seed's own host
when the seed itself is private (the bundled demo site runs on 127.0.0.1).
``CRAWLER_BLOCK_PRIVATE_ADDRESSES`` false removes the middleware.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from typing import TYPE_CHECKING

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from crawler.frontier.keys import META_SEED
from crawler.urls import host_of

if TYPE_CHECKING:
    from typing import Self

    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.statscollectors import StatsCollector

logger = logging.getLogger(__name__)

_CACHE_SIZE = 10_000


def address_is_private(address: str) -> bool:
    """True for an IP address that is not globally routable (private, loopback, ...)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _literal(host: str) -> bool | None:
    """Privacy of ``host`` when it is decided without DNS, else None."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None
    return address_is_private(host)


class PrivateAddressMiddleware:
    """Downloader middleware refusing non-public hosts on walks from public seeds.

    :param allowed_hosts: host names or addresses always allowed.
    :param resolve_timeout: seconds to wait for a DNS answer (no answer: allowed, the
        download will fail by itself).
    """

    def __init__(
        self,
        *,
        allowed_hosts: list[str] | None = None,
        resolve_timeout: float = 5.0,
        stats: StatsCollector | None = None,
    ) -> None:
        self.allowed = {h.lower().strip("[]") for h in allowed_hosts or []}
        self.resolve_timeout = resolve_timeout
        self.stats = stats
        self._cache: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        s = crawler.settings
        if not s.getbool("CRAWLER_BLOCK_PRIVATE_ADDRESSES"):
            raise NotConfigured("CRAWLER_BLOCK_PRIVATE_ADDRESSES is off")
        return cls(
            allowed_hosts=s.getlist("CRAWLER_ALLOWED_PRIVATE_HOSTS"),
            resolve_timeout=s.getfloat("DNS_TIMEOUT", 5.0),
            stats=crawler.stats,
        )

    async def is_private(self, host: str) -> bool:
        """True when ``host`` is, or resolves to, a non-public address (cached)."""
        host = host.lower()
        cached = self._cache.get(host)
        if cached is not None:
            return cached
        private = _literal(host)
        if private is None:
            loop = asyncio.get_running_loop()
            try:
                infos = await asyncio.wait_for(
                    loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), self.resolve_timeout
                )
            except (TimeoutError, OSError):
                return False  # not cached: the downloader reports the failure
            private = any(address_is_private(str(info[4][0])) for info in infos)
        if len(self._cache) >= _CACHE_SIZE:
            self._cache.clear()
        self._cache[host] = private
        return private

    async def process_request(self, request: Request) -> None:
        seed = request.meta.get(META_SEED)
        if not seed:
            return
        host = (urlparse_cached(request).hostname or "").lower()
        if not host or host in self.allowed:
            return
        seed_host = host_of(seed)
        if host == seed_host and await self.is_private(seed_host):
            return  # a private seed may crawl its own host
        if not await self.is_private(host):
            return
        if self.stats is not None:
            self.stats.inc_value("guard/private_address_refused")
        logger.warning(
            "refused %s: %s is a private address (seed %s); allow it with "
            "CRAWLER_ALLOWED_PRIVATE_HOSTS",
            request.url, host, seed,
        )
        raise IgnoreRequest(f"private address {host} reached from seed {seed}")
