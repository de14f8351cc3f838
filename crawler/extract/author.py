"""How the author is chosen, and how a credited name is cleaned.

The profile's selectors first (or the body's reporter line, for profiles that prefer
body credits); then JSON-LD ``author``; ``<meta name=author>`` and kin; the reporter
line of the body (``박성현 기자``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crawler.extract.press import BRACKET_PRESS_RE
from crawler.text import is_reporter_line, normalize_line, reporter_of

if TYPE_CHECKING:
    from crawler.extract.page import ArticlePage

#: Longest credit read as a name: a byline is short; anything longer is cut before
#: any regular expression sees it (a 200 KB ``<meta name=author>`` must cost nothing).
MAX_NAME_CHARS = 200
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_CREDIT_PREFIX_RE = re.compile(r"^(?:작성자|글쓴이|기자|by)\s*:?\s*", re.I)


def clean_person(value: str | None) -> str | None:
    """A credited name without e-mail, ``by``/``작성자`` prefix and brackets, or None."""
    if not value:
        return None
    value = value[:MAX_NAME_CHARS]
    if "@" in value:
        value = _EMAIL_RE.sub("", value)
    value = _CREDIT_PREFIX_RE.sub("", value)
    value = normalize_line(value.strip(" ()[]<>/|,"))
    return value or None


def reporter_in_body(page: ArticlePage) -> str | None:
    """``박성현 기자`` from the body's reporter line (last one wins), or None."""
    lines = page.raw_lines
    for line in reversed(lines):
        if is_reporter_line(line):
            reporter = reporter_of(line)
            if reporter:
                return reporter
    if lines:
        first = lines[0][:60]
        if BRACKET_PRESS_RE.match(first) and "=" in first:
            reporter = reporter_of(first)
            if reporter:
                return reporter
    return None


def profile_author(page: ArticlePage) -> str | None:
    """The author by the profile: body credits first when it prefers them, else its selectors."""
    if page.profile.prefer_body_credits:
        reporter = reporter_in_body(page)
        if reporter:
            return reporter
    return clean_person(page.first_text(page.profile.author))


def fallback_author(page: ArticlePage) -> tuple[str | None, str]:
    """``(author, layer)``: the author from the layers every profile shares."""
    metadata = page.metadata
    names = [name for name in map(clean_person, metadata.authors) if name]
    if names:
        return ", ".join(dict.fromkeys(names)), metadata.layers["authors"]
    value = clean_person(reporter_in_body(page))
    if value:
        return value, "body-credit"
    return None, "none"
