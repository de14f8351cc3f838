"""The article item: the fields of the contract, as one dataclass."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Image:
    """One image of an article body."""

    url: str
    caption: str | None = None


@dataclass
class ArticleItem:
    """One article page, as extracted and as stored (a row of ``articles``).

    ``published_at`` is an ISO 8601 string with offset; ``body_text`` holds the
    paragraphs joined by ``\\n``; ``content_hash`` is the hex SHA-256 of the
    normalized body (:func:`crawler.text.content_hash`). ``prev_url`` / ``next_url``
    follow the page's own labels (on gnuboard, 이전글 is the newer post).
    """

    url: str
    canonical_url: str
    profile: str
    title: str
    body_text: str
    published_at: str | None = None
    author: str | None = None
    source: str | None = None
    images: list[Image] = field(default_factory=list)
    prev_url: str | None = None
    next_url: str | None = None
    content_hash: str = ""
    # Extensions beyond the contract: how the page was reached.
    seed_url: str | None = None
    fetched_at: str | None = None
    #: Which extraction layer gave each field (``{"title": "json-ld", ...}``): not
    #: stored in ``articles``; shown by ``crawler extract`` and kept with rejected items.
    provenance: dict[str, str] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (images as ``{url, caption}`` dicts)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ArticleItem:
        """Inverse of :meth:`to_dict`; unknown keys are ignored."""
        known = {f for f in cls.__dataclass_fields__}
        values = {k: v for k, v in data.items() if k in known}
        values["images"] = [
            img if isinstance(img, Image) else Image(**img) for img in values.get("images") or []
        ]
        return cls(**values)
