"""Feed bytes in, articles out: the only module that imports :mod:`feedparser`.

feedparser gets bytes plus the response headers (it never touches the
network here), so it can weigh the HTTP charset against the XML
declaration. JSON Feed, which feedparser does not read, is parsed here too.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import feedparser

from .errors import ParseError
from .model import Article


@dataclass(frozen=True)
class Parsed:
    """A feed's articles, its title, and what was odd about it."""

    articles: tuple[Article, ...]
    title: str | None = None
    warnings: tuple[str, ...] = ()


JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")


def looks_like_json_feed(content: bytes) -> bool:
    """Anything that starts as a JSON object is read as JSON Feed (XML cannot start with ``{``)."""
    return content[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def parse_feed(
    content: bytes, headers: Mapping[str, str] | None = None, *, source: str, url: str | None = None
) -> Parsed:
    """Parse RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into articles.

    A feed that feedparser marks ``bozo`` but that still yields entries is
    kept, with a warning; one that yields nothing recognisable raises
    :class:`ParseError`.
    """
    if looks_like_json_feed(content):
        return parse_json_feed(content, source=source)
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if url and "content-location" not in response_headers:
        response_headers["content-location"] = url
    # Local files come without headers; without a type feedparser flags every
    # one of them as bozo, which would drown the warnings that matter.
    response_headers.setdefault("content-type", "application/xml")
    try:
        parsed = feedparser.parse(content, response_headers=response_headers, sanitize_html=False)
    except Exception as e:  # feedparser is meant not to raise; wrap it if it does
        raise ParseError(f"{url or source}: feed parser failed: {e}") from e
    warnings: list[str] = []
    if parsed.get("bozo"):
        problem = str(parsed.get("bozo_exception", "malformed feed")).splitlines()[0][:200]
        if not parsed.entries and not parsed.get("version"):
            raise ParseError(f"{url or source}: not a feed ({problem})")
        warnings.append(f"{url or source}: malformed feed, kept what could be read: {problem}")
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(f"{url or source}: not a feed (no RSS, Atom or JSON Feed found)")
    articles = tuple(_article(entry, source) for entry in parsed.entries)
    return Parsed(articles, parsed.feed.get("title"), tuple(warnings))


def _article(entry: Mapping[str, Any], source: str) -> Article:
    body, kind = _body(entry)
    summary = entry.get("summary", "") or ""
    link = entry.get("link") or None
    title = (entry.get("title") or "").strip()
    guid = entry.get("id") or link or _fallback_guid(title, body)
    return Article(
        source=source,
        guid=str(guid),
        url=link,
        title=title,
        raw=body,
        raw_kind=kind,
        author=(entry.get("author") or None),
        published=_utc(entry.get("published_parsed")),
        # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed (with a warning).
        updated=_utc(dict.get(entry, "updated_parsed")),  # type: ignore[call-overload]
        tags=tuple(t["term"].strip() for t in entry.get("tags", []) if t.get("term", "").strip()),
        summary=summary if summary != body else "",
    )


def _body(entry: Mapping[str, Any]) -> tuple[str, str]:
    """The fullest body an entry carries: its longest ``content``, else the summary."""
    contents = [c for c in entry.get("content", []) if c.get("value")]
    if contents:
        best = max(contents, key=lambda c: len(c["value"]))
        return best["value"], "text" if best.get("type") == "text/plain" else "html"
    detail = entry.get("summary_detail") or {}
    summary = entry.get("summary", "") or ""
    return summary, "text" if detail.get("type") == "text/plain" else "html"


def _utc(parsed: time.struct_time | None) -> datetime | None:
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _fallback_guid(title: str, body: str) -> str:
    return "sha256:" + hashlib.sha256(f"{title}\x00{body}".encode()).hexdigest()


# -- JSON Feed ---------------------------------------------------------------


def parse_json_feed(content: bytes, *, source: str) -> Parsed:
    """Parse a JSON Feed 1.0/1.1 document; wrong types in an item skip that item."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"{source}: invalid JSON Feed: {e}") from e
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError(f"{source}: not a JSON Feed (no 'items' list)")
    items = doc["items"]
    articles, warnings = [], []
    if doc.get("version") not in JSON_FEED_VERSIONS:
        warnings.append(
            f"{source}: JSON Feed with unknown version {doc.get('version')!r}; read anyway"
        )
    for i, item in enumerate(items):
        try:
            articles.append(_json_item(item, source))
        except (TypeError, ValueError) as e:
            warnings.append(f"{source}: JSON Feed item {i} skipped: {e}")
    title = doc.get("title") if isinstance(doc.get("title"), str) else None
    return Parsed(tuple(articles), title, tuple(warnings))


def _json_item(item: Any, source: str) -> Article:
    if not isinstance(item, dict):
        raise TypeError("item is not an object")
    html, text = _opt_str(item, "content_html"), _opt_str(item, "content_text")
    body, kind = (
        (html, "html")
        if html
        else (text or _opt_str(item, "summary") or "", "text" if text else "html")
    )
    url = _opt_str(item, "url")
    title = _opt_str(item, "title") or ""
    raw_id = item.get("id")
    if raw_id is not None and not isinstance(raw_id, str | int):
        raise TypeError("'id' must be a string")
    guid = str(raw_id) if raw_id not in (None, "") else (url or _fallback_guid(title, body))
    authors = item.get("authors") or (
        [item["author"]] if isinstance(item.get("author"), dict) else []
    )
    names = [a["name"] for a in authors if isinstance(a, dict) and isinstance(a.get("name"), str)]
    tags = item.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise TypeError("'tags' must be a list of strings")
    return Article(
        source=source,
        guid=guid,
        url=url,
        title=title.strip(),
        raw=body,
        raw_kind=kind,
        author=", ".join(names) or None,
        published=_iso(_opt_str(item, "date_published")),
        updated=_iso(_opt_str(item, "date_modified")),
        tags=tuple(t.strip() for t in tags if t.strip()),
        summary=_opt_str(item, "summary") or "",
    )


def _opt_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{key!r} must be a string, got {type(value).__name__}")
    return value


def _iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
