"""Pure text normalization and the content hash, shared by extraction and the pipelines.

The same article reposted on two sites must hash the same, so extraction and the
normalize pipeline apply exactly these functions.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\f\v\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+")


def normalize_line(line: str) -> str:
    """NFC, zero-width characters removed, runs of spaces collapsed, ends stripped."""
    line = unicodedata.normalize("NFC", line).translate(_ZERO_WIDTH)
    return _SPACES.sub(" ", line).strip()


def normalize_text(text: str) -> str:
    """Normalize a body: each paragraph normalized, empty ones dropped, joined by ``\\n``."""
    lines = (normalize_line(line) for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))
    return "\n".join(line for line in lines if line)


def content_hash(body_text: str) -> str:
    """Hex SHA-256 of the normalized body text."""
    return hashlib.sha256(normalize_text(body_text).encode("utf-8")).hexdigest()
