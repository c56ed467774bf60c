"""Untrusted fields of a feed: made safe before anything else reads them.

Titles, authors and tags become one-line plain text no reader can take for
markup; links are kept only when they are absolute http(s) URLs; every
string loses what XML 1.0 cannot carry; GUIDs are bounded. Pure functions
of strings, used by feed parsing (:mod:`jjfeed.parse`), ingest and the
pipeline.
"""

from __future__ import annotations

import hashlib
import re
from html import unescape as html_unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

MAX_TITLE_CHARS = 1000
MAX_AUTHOR_CHARS = 300
MAX_TAGS = 50
MAX_TAG_CHARS = 100
MAX_URL_CHARS = 4096
MAX_GUID_CHARS = 1000  # a longer id is replaced by its hash
SAFE_URL_SCHEMES = ("http", "https")

# Characters no reader should receive: C0/C1 controls except tab/newline, and
# the Unicode non-characters XML cannot carry.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# What XML 1.0 cannot carry at all; lxml (and so the publish stage) refuses it.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")
URL_JUNK = re.compile(r"[\x00-\x20\x7f]")
SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_RISKY_SCHEMES = frozenset({"javascript", "vbscript", "livescript", "data", "file", "blob"})


class _TextOnly(HTMLParser):
    """Collects the text of an HTML fragment, dropping tags, comments, scripts and styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def xml_safe(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot carry (NUL, most C0 controls, lone surrogates).

    One such character in one stored article made every later publish fail.
    """
    return _NOT_XML.sub("", text)


def _markup_text(value: str) -> str:
    """The text of an HTML fragment; a fragment the stdlib parser chokes on loses its tags by pattern.

    ``html.parser`` raises ``AssertionError`` on some marked sections
    (``<![0``, ``<![A:``), which a title can hold.
    """
    parser = _TextOnly()
    try:
        parser.feed(value)
        parser.close()
    except AssertionError:
        return html_unescape(_ANY_TAG.sub("", value))
    return "".join(parser.parts)


_ANY_TAG = re.compile(r"<[^>]*>?")


# An HTML tag written as text: "&lt;p&gt;", "&lt;/div&gt;", "&lt;a href=...", "&lt;!--".
_ESCAPED_TAG = re.compile(r"&lt;(?:!--|/?[a-zA-Z][a-zA-Z0-9]*(?:\s|&gt;|/&gt;))")


def unescaped_twice(value: str) -> str:
    """An entry body whose markup was escaped twice, as markup; any other body as it is.

    Some producers escape a body's HTML once more than the feed needs, so
    readers show "<div class="md"><p>Hey ..." as text. A body that opens
    with an escaped tag, and holds at least two before any tag of its own,
    one of them closing an element, has that stretch unescaped once (what
    follows may be markup added after the escaping: a footer of links). A
    post that quotes a tag in its prose has tags of its own before it, or
    does not open with one, or closes nothing ("&lt;p&gt; is the paragraph tag").
    """
    end = value.find("<")
    head = value if end < 0 else value[:end]
    stripped = head.lstrip()
    if not stripped.startswith("&lt;") or _ESCAPED_TAG.match(stripped) is None:
        return value
    if len(_ESCAPED_TAG.findall(stripped)) < 2 or "&lt;/" not in stripped:
        return value
    return html_unescape(head) + value[len(head) :]


def plain_text(value: str, limit: int = MAX_TITLE_CHARS) -> str:
    """A one-line plain-text field (title, author, tag) that no reader can take for markup.

    RSS readers differ on whether a title is text or HTML, so the safe value
    is one that reads the same either way: markup is stripped, entities are
    decoded, and a ``<`` that could still open a tag (``&lt;b&gt;`` decodes
    to one) gets a space after it, so ``<b>`` shows as ``< b>``.
    """
    if "<" in value or "&" in value:
        value = _markup_text(value)
    value = safe_line(value)
    if len(value) > limit:
        value = value[: limit - 1].rstrip() + "…"
    return value


def safe_line(text: str) -> str:
    """Plain text as one line no reader can take for markup: what it says is kept, a
    ``<`` that could open a tag gets a space after it (``<b>`` shows as ``< b>``).

    For text that is text already (an article's, where "&lt;" is what its author
    wrote); :func:`plain_text` is for fields that may hold markup.
    """
    return _TAG_OPENER.sub("< ", " ".join(_CONTROL.sub("", text).split()))


# A comma with a word right after it, not between digits: "DASDING,Alice Merton,Interview".
_JOINED_TAGS = re.compile(r"(?<!\d),+(?![\s\d])")


def plain_tags(terms: list[str]) -> tuple[str, ...]:
    """The categories as plain text, at most :data:`MAX_TAGS`, each once.

    Some publishers put all of an entry's keywords in one element, joined by bare
    commas (``<category>DASDING,Alice Merton,Interview</category>``): those are
    several tags. A comma followed by a space stays ("Arts, Culture & Media" is one
    category's name), and so does one between digits ("1,000 Days").
    """
    tags: dict[str, None] = {}
    for term in terms[: MAX_TAGS * 2]:
        for part in _split_joined(term):
            text = plain_text(part, MAX_TAG_CHARS)
            if text:
                tags.setdefault(text)
    return tuple(tags)[:MAX_TAGS]


def _split_joined(term: str) -> list[str]:
    if "," not in term or re.search(r",\s", term):
        return [term]
    return _JOINED_TAGS.split(term)


def safe_url(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL a reader may follow, else ``None``.

    Browsers ignore tabs, newlines and leading spaces inside a scheme
    (``java<TAB>script:``), so those are removed before the scheme is checked.
    """
    if not url:
        return None
    cleaned = xml_safe(URL_JUNK.sub("", url))
    if not cleaned or len(cleaned) > MAX_URL_CHARS:
        return None
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_URL_SCHEMES or not parts.netloc:
        return None
    return cleaned


def risky_scheme(url: str | None) -> bool:
    """True for a URL whose scheme can run code or read local data (worth a warning).

    Other non-http(s) links (``tag:``, ``urn:``, relative paths) are dropped quietly.
    """
    match = SCHEME.match(URL_JUNK.sub("", url or ""))
    return match is not None and match.group(1).lower() in _RISKY_SCHEMES


# What no store's text column holds (PostgreSQL refuses NUL; lone surrogates are not UTF-8).
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")


def bounded_guid(guid: str) -> str:
    """``guid``, or a digest of it when it is too long or holds a character no store keeps.

    The digest is as distinct as the GUID and the same on every read.
    """
    if len(guid) <= MAX_GUID_CHARS and not _UNSTORABLE.search(guid):
        return guid
    return "sha256:" + hashlib.sha256(guid.encode("utf-8", "surrogatepass")).hexdigest()
