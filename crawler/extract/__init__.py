"""Article extraction: one page (HTML bytes + URL) to one item, with no Scrapy engine.

Public API (others call these names)::

    extract_article(body, url, *, headers=None, profile=None, fetched_at=None,
                    encoding=None, profiles_dir=None) -> ArticleItem
    extract_list_links(body, url, *, headers=None, profile=None) -> list[str]
    decode_html(body, headers=None, encoding=None) -> (text, codec)
    match_profile(url, html_or_selector) -> str
    NoArticleError (a ValueError naming the URL and why)

Site profiles are TOML files (:mod:`crawler.extract.profiles`). Each field is chosen
in layers (:mod:`crawler.extract.article`), one module per field: ``title``,
``published`` (dates are read by ``dates``), ``author``, ``press`` (the source),
``images``, ``links`` (previous/next, labels in ``labels.toml``), ``body``; ``listing``
tells a list page from an article.
"""

from __future__ import annotations

from crawler.extract import profiles
from crawler.extract.article import (
    NoArticleError,
    extract_article,
    extract_article_text,
    match_profile,
)
from crawler.extract.encoding import decode_html
from crawler.extract.listing import extract_list_links
from crawler.extract.page import ArticlePage

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
