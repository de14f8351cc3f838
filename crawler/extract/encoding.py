"""Bytes to text: HTTP charset, then the page's own meta tag, then detection.

Korean boards still serve EUC-KR; it is always read as CP949, its superset (the
Hangul that EUC-KR lacks, such as 똠 or 햏, is common in real posts). A declared
charset is tried strictly: when it fails, or when the bytes are valid UTF-8 while a
legacy multi-byte charset is declared (a header that lies), the next source is used.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

#: Labels read as another codec: EUC-KR and its aliases as CP949, Latin-1 as CP1252
#: (as browsers do), GB2312 as GB18030.
_ALIASES = {
    "euc-kr": "cp949", "euc_kr": "cp949", "euckr": "cp949", "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949", "ksc5601": "cp949", "ksc_5601": "cp949", "korean": "cp949",
    "x-windows-949": "cp949", "windows-949": "cp949", "ms949": "cp949", "uhc": "cp949",
    "iso-8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252", "us-ascii": "cp1252",
    "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030", "x-sjis": "shift_jis",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}
_WEAK = frozenset({"cp1252", "latin_1", "iso8859-1"})
_LEGACY_MULTIBYTE = frozenset({"cp949", "gb18030", "big5", "shift_jis", "euc_jp", "cp932", "johab"})
_CHARSET_RE = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL_RE = re.compile(rb"""\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""")
_HEADER_CHARSET_RE = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def codec_name(label: str | None) -> str | None:
    """The Python codec for a charset label (``EUC-KR`` -> ``cp949``), or None if unknown."""
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    key = _ALIASES.get(key, key)
    try:
        name = codecs.lookup(key).name
    except LookupError:
        return None
    return _ALIASES.get(name, name)


def _header(headers: Mapping[str, str | bytes] | None, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    if value is None:
        for key, val in headers.items():
            key_text = key.decode("latin-1") if isinstance(key, bytes) else str(key)
            if key_text.lower() == name.lower():
                value = val
                break
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def header_charset(headers: Mapping[str, str | bytes] | None) -> str | None:
    """The charset label of a ``Content-Type`` header, or None."""
    content_type = _header(headers, "Content-Type")
    if not content_type:
        return None
    match = _HEADER_CHARSET_RE.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset label of the first ``<meta charset>`` / http-equiv tag in the head,
    or of an XML declaration (``<?xml ... encoding="euc-kr"?>``)."""
    match = _CHARSET_RE.search(body, 0, 8192) or _XML_DECL_RE.match(body)
    return match.group(1).decode("ascii", "replace") if match else None


def _strict(body: bytes, codec: str) -> str | None:
    """``body`` decoded strictly, forgiving only a character cut by a truncated end."""
    return _strict_whole(body, codec)[0]


def _strict_whole(body: bytes, codec: str) -> tuple[str | None, bool]:
    """:func:`_strict`, and whether the text is all of ``body`` (no truncated end cut)."""
    try:
        return body.decode(codec), True
    except LookupError:
        return None, False
    except UnicodeDecodeError as exc:
        if exc.start < len(body) - 3:
            return None, False
    for cut in (1, 2, 3):
        try:
            return body[:-cut].decode(codec), False
        except UnicodeDecodeError:
            continue
    return None, False


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def detect_encoding(body: bytes) -> str:
    """The codec of ``body`` by detection: UTF-8 when valid, else charset-normalizer's guess.

    The guess is limited to the first 64 KiB; EUC-KR guesses come back as ``cp949``.
    """
    if body.isascii():
        return "utf-8"
    sample = body[:65536]
    if _strict(sample, "utf-8") is not None:
        return "utf-8"
    from charset_normalizer import from_bytes  # lazy: detection is the rare path

    best = from_bytes(sample, cp_isolation=None).best()
    if best is not None:
        name = codec_name(best.encoding)
        if name:
            return name
    return "cp949"


def decode_html(
    body: bytes,
    headers: Mapping[str, str | bytes] | None = None,
    encoding: str | None = None,
) -> tuple[str, str]:
    """``(text, codec)`` of an HTML page.

    Order: a byte-order mark; ``encoding`` (what the caller knows, as an HTTP header
    would say) or the ``Content-Type`` header's charset; the page's ``<meta charset>``
    or http-equiv; detection (:func:`detect_encoding`). A declared charset that does
    not decode the bytes strictly, or a legacy multi-byte one declared for bytes that
    are valid UTF-8, is passed over; a Western single-byte header (ISO-8859-1, the
    usual server default) yields to the meta tag, valid UTF-8 or a detected CJK
    charset. The last resort decodes with replacement characters.
    """
    text, codec, _ = decode_html_whole(body, headers, encoding)
    return text, codec


def decode_html_whole(
    body: bytes,
    headers: Mapping[str, str | bytes] | None = None,
    encoding: str | None = None,
) -> tuple[str, str, bool]:
    """:func:`decode_html`, and whether the text is exactly ``body`` decoded strictly
    with the codec (no byte-order mark, truncated end or replacement): extraction then
    hands lxml the UTF-8 bytes as fetched instead of encoding the text again."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec, False
    utf8_valid: bool | None = None
    tried: set[str] = set()
    declared = encoding or header_charset(headers)
    meta = meta_charset(body)
    labels: list[str | None] = [declared, meta]
    if codec_name(declared) in _WEAK and not body.isascii():
        # A Western single-byte charset in a header is most often a server default
        # (Apache's ISO-8859-1), not the page's word: the page's meta tag, valid UTF-8
        # or a detected CJK charset win over it.
        if codec_name(meta) not in (None, codec_name(declared)):
            labels = [meta, declared]
        elif _is_utf8_with_non_ascii(body):
            labels = ["utf-8", declared]
        else:
            detected = detect_encoding(body)
            if detected in _LEGACY_MULTIBYTE:
                labels = [detected, declared]
    for label in labels:
        candidate = codec_name(label)
        if candidate is None or candidate in tried:
            continue
        tried.add(candidate)
        if candidate in _LEGACY_MULTIBYTE:
            if utf8_valid is None:
                utf8_valid = _is_utf8_with_non_ascii(body)
            if utf8_valid:
                continue
        text, whole = _strict_whole(body, candidate)
        if text is not None and "\ufffd" not in text:
            return text, candidate, whole
    codec = detect_encoding(body)
    text, whole = _strict_whole(body, codec)
    if text is not None:
        return text, codec, whole
    return body.decode(codec, "replace"), codec, False
