"""Build the Scrapy settings of a process: project defaults plus environment overrides."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from scrapy.settings import Settings

from crawler import defaults

ENV_PREFIX = "CRAWLER_"


def parse_env_value(raw: str) -> Any:
    """Read an environment value: JSON when it parses (numbers, booleans, lists), else the string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def env_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Settings named by the environment.

    ``DATABASE_URL`` and ``REDIS_URL`` keep their names. ``CRAWLER_<NAME>`` sets the
    project setting ``CRAWLER_<NAME>`` when one exists, else the Scrapy setting ``<NAME>``
    (``CRAWLER_CONCURRENT_REQUESTS=64`` sets ``CONCURRENT_REQUESTS``).
    """
    environ = os.environ if environ is None else environ
    out: dict[str, Any] = {}
    for name in ("DATABASE_URL", "REDIS_URL"):
        if environ.get(name):
            out[name] = environ[name]
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX) or key == ENV_PREFIX:
            continue
        name = key if hasattr(defaults, key) else key[len(ENV_PREFIX) :]
        out[name] = parse_env_value(raw)
    return out


def get_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Project settings, then the environment, then ``overrides`` (command-line flags, tests)."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(env_overrides(environ), priority="cmdline")
    if overrides:
        settings.update(dict(overrides), priority="cmdline")
    return settings
