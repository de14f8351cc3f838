"""Requests on the wire: JSON built like ``Request.to_dict()``, never pickle.

``Request.to_dict(spider=...)`` finds callback names with ``inspect.getmembers`` on
every call, and its ``headers``/``body`` are bytes that JSON cannot carry. These two
functions keep its format (so :func:`scrapy.utils.request.request_from_dict` reads it
back) with three changes: callback names come from a cached check of the bound
method, header names and values are latin-1 text (bytes round-trip exactly), and a
non-empty body travels base64-encoded as ``body_b64``. Attributes at their default
value are left out to keep queued requests small, and the lease key of the frontier
never travels (a request gets a new lease when it is popped again).
"""

from __future__ import annotations

import base64
import json
import logging
from typing import TYPE_CHECKING, Any

from scrapy import Request
from scrapy.utils.request import request_from_dict

from crawler.frontier.keys import META_LEASE

if TYPE_CHECKING:
    from scrapy import Spider

logger = logging.getLogger(__name__)

_DEFAULTS: dict[str, Any] = {
    "method": "GET",
    "encoding": "utf-8",
    "priority": 0,
    "dont_filter": False,
}
_warned_meta: set[str] = set()


def _method_name(spider: Spider | None, func: Any) -> str | None:
    if func is None or isinstance(func, str):
        return func
    name = getattr(func, "__name__", None)
    if (
        spider is not None
        and name
        and getattr(func, "__self__", None) is spider
        and getattr(getattr(spider, name, None), "__func__", None) is getattr(func, "__func__", 0)
    ):
        return name
    raise ValueError(
        f"{func!r} is not a method of the spider {spider!r}: requests on the Redis "
        "frontier need spider methods (or None) as callback and errback"
    )


def _json_meta(meta: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in meta.items() if k != META_LEASE}
    try:
        json.dumps(out)
        return out
    except (TypeError, ValueError):
        pass
    kept: dict[str, Any] = {}
    for key, value in out.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            if key not in _warned_meta:
                _warned_meta.add(key)
                logger.warning("request meta %r is not JSON-serializable; dropped on the frontier", key)
            continue
        kept[key] = value
    return kept


def request_to_dict(request: Request, spider: Spider | None = None) -> dict[str, Any]:
    """A JSON-ready dict of ``request`` (see the module docstring for the format)."""
    d: dict[str, Any] = {"url": request.url}
    callback = _method_name(spider, request.callback)
    if callback:
        d["callback"] = callback
    errback = _method_name(spider, request.errback)
    if errback:
        d["errback"] = errback
    for attr, default in _DEFAULTS.items():
        value = getattr(request, attr)
        if value != default:
            d[attr] = value
    if request.headers:
        d["headers"] = {
            k.decode("latin-1"): [v.decode("latin-1") for v in vs]
            for k, vs in request.headers.items()
        }
    if request.body:
        d["body_b64"] = base64.b64encode(request.body).decode("ascii")
    if request.meta:
        meta = _json_meta(request.meta)
        if meta:
            d["meta"] = meta
    if request.cookies:
        d["cookies"] = request.cookies
    if request.flags:
        d["flags"] = list(request.flags)
    if request.cb_kwargs:
        d["cb_kwargs"] = request.cb_kwargs
    if type(request) is not Request:
        d["_class"] = f"{type(request).__module__}.{type(request).__name__}"
    return d


def request_to_json(request: Request, spider: Spider | None = None) -> str:
    """``request`` as a JSON string (UTF-8 text, non-ASCII kept)."""
    return json.dumps(request_to_dict(request, spider), ensure_ascii=False, separators=(",", ":"))


def request_from_json(data: str | bytes, spider: Spider | None = None) -> Request:
    """Inverse of :func:`request_to_json`; callback names resolve on ``spider``."""
    d = json.loads(data)
    headers = d.pop("headers", None)
    if headers:
        d["headers"] = {
            k.encode("latin-1"): [v.encode("latin-1") for v in vs] for k, vs in headers.items()
        }
    body = d.pop("body_b64", None)
    if body:
        d["body"] = base64.b64decode(body)
    return request_from_dict(d, spider=spider)
