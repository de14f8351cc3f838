"""The article's images: the profile's image selectors, then every ``<img>`` of the
body, de-duplicated by URL, each with the caption of its ``<figure>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crawler.extract.html import absolute_link
from crawler.extract.profiles import select
from crawler.items import Image

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage


def images(page: ArticlePage) -> list[Image]:
    """Images of the page's own selectors, then of the body; de-duplicated by URL."""
    found: dict[str, Image] = {}
    nodes: list[Any] = []
    for query in page.profile.images:
        nodes.extend(node for node in select(page.root, query, page.html) if not isinstance(node, str))
    root = page.body_view
    if root is not None:
        nodes.extend(root.iter("img"))
    for img in nodes:
        url = _image_url(page, img)
        if url and url not in found:
            found[url] = Image(url=url, caption=_caption(page, img))
    return list(found.values())


def _image_url(page: ArticlePage, img: Any) -> str | None:
    for attr in page.profile.image_attrs:
        value = img.get(attr)
        if value and value.strip():
            if attr.endswith("srcset"):
                value = value.split(",")[0].split()[0] if value.split(",")[0].split() else ""
            link = absolute_link(value, page.base_url)
            if link:
                if img.get("width") in ("0", "1") or img.get("height") in ("0", "1"):
                    return None
                return link
    return None


def _caption(page: ArticlePage, img: Any) -> str | None:
    node = img.getparent()
    while node is not None and node.tag != "figure":
        if node.tag in ("body", "article", "section"):
            return None
        node = node.getparent()
    if node is None:
        return None
    return page.first_text(page.profile.caption, within=node)
