"""URL canonicalization and 64-bit fingerprints, shared by dedup, storage and the frontier."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that never identify an article: tracking, paging, search, sorting.
#: gnuboard's ``bo_table`` and ``wr_id`` are kept; its list-state parameters go.
DROPPED_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid",
        "_ga", "ref", "ref_src", "from",
        # paging / list state / search (gnuboard and others)
        "page", "sca", "sfl", "stx", "sst", "sod", "sop", "spt", "cpage", "listpage",
    }
)
DROPPED_PREFIXES = ("utm_",)


def _keep_param(name: str) -> bool:
    lowered = name.lower()
    return lowered not in DROPPED_PARAMS and not lowered.startswith(DROPPED_PREFIXES)


# Cached: every page's own URL and links are canonicalized by extraction, the scheduler
# (push and pop) and two pipelines; the same few URLs come back within milliseconds.
@lru_cache(maxsize=4096)
def canonicalize_url(url: str) -> str:
    """The form of ``url`` that identifies its article.

    Lower-cases scheme and host, drops the default port, the fragment, and
    tracking/paging parameters (``utm_*``, ``page``, ``sca``, ``sfl``, ``stx`` ...),
    sorts the remaining query parameters, and keeps everything else.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    netloc = host
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        netloc = f"{host}:{port}"
    if parts.username:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if _keep_param(k))
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def url_fingerprint(url: str, *, canonical: bool = False) -> int:
    """Signed 64-bit fingerprint of the canonical form of ``url``.

    Signed so that Redis keeps it as an integer (its intsets hold int64).
    Pass ``canonical=True`` when ``url`` is already canonical.
    """
    key = url if canonical else canonicalize_url(url)
    digest = hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@lru_cache(maxsize=4096)
def host_of(url: str) -> str:
    """The host of ``url``, lower-cased ("" when it has none)."""
    return (urlsplit(url).hostname or "").lower()


@lru_cache(maxsize=4096)
def site_of(url: str) -> str:
    """The host of ``url`` without a leading ``www.``, lower-cased."""
    host = host_of(url)
    return host[4:] if host.startswith("www.") else host


def is_http_url(url: str | None) -> bool:
    """True for an absolute http(s) URL with a host."""
    return isinstance(url, str) and bool(url) and _is_http_url(url)


@lru_cache(maxsize=4096)
def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)
