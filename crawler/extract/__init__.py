"""Article extraction: one page (HTML bytes + URL) to one item, with no Scrapy engine.

Public API (others call these names)::

    extract_article(body, url, *, headers=None, profile=None, fetched_at=None,
                    encoding=None, profiles_dir=None) -> ArticleItem
    extract_list_links(body, url, *, headers=None, profile=None) -> list[str]
    decode_html(body, headers=None, encoding=None) -> (text, codec)
    match_profile(url, html_or_selector) -> str
    NoArticleError (a ValueError naming the URL and why)

Site profiles are TOML files (:mod:`crawler.extract.profiles`); dates are read by
:mod:`crawler.extract.dates`.
"""

from __future__ import annotations

from crawler.extract import profiles
from crawler.extract.core import (
    ArticlePage,
    NoArticleError,
    extract_article,
    extract_article_text,
    extract_list_links,
    match_profile,
)
from crawler.extract.encoding import decode_html

__all__ = [
    "ArticlePage",
    "NoArticleError",
    "decode_html",
    "extract_article",
    "extract_article_text",
    "extract_list_links",
    "match_profile",
    "profiles",
]
