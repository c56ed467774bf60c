"""Feed bytes in, articles out: the only module that imports :mod:`feedparser`.

feedparser gets bytes plus the response headers (it never touches the
network here), so it can weigh the HTTP charset against the XML
declaration. JSON Feed, which feedparser does not read, is parsed here too.

Everything a feed says is untrusted. The XML parser refuses DTD entities
(:mod:`jjfeed.xmlguard`); links keep only ``http``/``https`` URLs; titles,
authors and tags become plain text that no reader can take for markup; and
every field is capped (entries per feed, body, title, tag and URL lengths),
so one hostile feed cannot starve the others.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import feedparser
import feedparser.api

from . import xmlguard
from .errors import ParseError
from .fields import (
    MAX_AUTHOR_CHARS,
    MAX_TITLE_CHARS,
    SCHEME,
    bounded_guid,
    plain_tags,
    plain_text,
    risky_scheme,
    safe_url,
    unescaped_twice,
    xml_safe,
)
from .isodate import parse_iso, parse_localized_rfc2822
from .model import Article, RawKind
from .urls import canonical_url, is_web, join

# feedparser asks xml.sax for the first driver in this list that imports;
# ours is expat refusing entity declarations (see xmlguard for why).
if xmlguard.__name__ not in feedparser.api.PREFERRED_XML_PARSERS:
    feedparser.api.PREFERRED_XML_PARSERS.insert(0, xmlguard.__name__)

MAX_ENTRIES = 1000  # per feed; the rest are dropped with a warning
MAX_BODY_CHARS = 1_000_000  # an entry body longer than this is cut
# Search keywords, not categories: a podcast's <itunes:keywords> put 40 tags on every episode.
KEYWORD_SCHEMES = frozenset(
    {"http://www.itunes.com/", "http://www.itunes.com/dtds/podcast-1.0.dtd"}
)


@dataclass(frozen=True)
class Parsed:
    """A feed's articles, its title, and what was odd about it."""

    articles: tuple[Article, ...]
    title: str | None = None
    warnings: tuple[str, ...] = ()
    # True for a feed (RSS, Atom, JSON Feed); False for one page or text file.
    feed: bool = False


JSON_FEED_VERSIONS = ("https://jsonfeed.org/version/1", "https://jsonfeed.org/version/1.1")


def looks_like_json_feed(content: bytes) -> bool:
    """Anything that starts as a JSON object is read as JSON Feed (XML cannot start with ``{``)."""
    return content[:4096].lstrip(_JSON_SPACE).startswith(b"{")


_JSON_SPACE = b"\xef\xbb\xbf \t\r\n"


def parse_feed(
    content: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    source: str,
    url: str | None = None,
    max_entries: int = MAX_ENTRIES,
) -> Parsed:
    """Parse RSS 0.9x/1.0/2.0, Atom or JSON Feed bytes into articles.

    A feed that feedparser marks ``bozo`` but that still yields entries is
    kept, with a warning; one that yields nothing recognisable raises
    :class:`ParseError`. Messages name ``url`` (the file or URL) when given.
    """
    where = url or source
    if looks_like_json_feed(content) or content[:1024].lstrip(_JSON_SPACE).startswith(b"["):
        return parse_json_feed(content, source=source, where=where, max_entries=max_entries)
    on_web = is_web(url)
    parsed, warnings = _feedparsed(content, headers, url if on_web else None, where)
    entries = parsed.entries
    if len(entries) > max_entries:
        warnings.append(f"{where}: {len(entries)} entries, kept the first {max_entries}")
        entries = entries[:max_entries]
    # A local feed's relative links resolve against its site (see _feedparsed).
    base = None if on_web else safe_url(_str(parsed.feed.get("link")) or None)
    reading = _Reading(source, where, _feed_author(parsed.feed), base, url if on_web else None)
    articles = [a for i, entry in enumerate(entries) if (a := reading.article(i, entry, warnings))]
    title = plain_text(_str(parsed.feed.get("title")), MAX_TITLE_CHARS) or None
    homes = (_str(parsed.feed.get("link")), url or "")
    return Parsed(identity_keys(articles, homes), title, tuple(warnings), feed=True)


def _feedparsed(
    content: bytes, headers: Mapping[str, str] | None, web_url: str | None, where: str
) -> tuple[Any, list[str]]:
    """feedparser's reading of XML feed bytes, and the warning a malformed one earns.

    ``web_url`` is the address a web feed came from. feedparser resolves
    relative links and GUIDs against the document's address; a file's path is
    no base a reader can follow, and GUIDs resolved against it would change
    whenever the folder moves (a re-ingest would file every entry again), so a
    local feed is parsed without one.
    """
    # Blank lines before the XML declaration (common in feeds PHP templates write) make
    # expat give up at once and feedparser fall back to its loose parser.
    stripped = content.lstrip(b" \t\r\n")
    if stripped is not content and stripped.startswith(b"<?xml"):
        content = stripped
    response_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if web_url:
        response_headers.setdefault("content-location", web_url)
    # Local files come without headers; without a type feedparser flags every
    # one of them as bozo, which would drown the warnings that matter.
    response_headers.setdefault("content-type", "application/xml")
    try:
        parsed = feedparser.parse(
            content,
            response_headers=response_headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as e:  # feedparser is meant not to raise; wrap it if it does
        raise ParseError(f"{where}: feed parser failed: {type(e).__name__}: {e}") from e
    warnings: list[str] = []
    if parsed.get("bozo"):
        problem = _first_line(str(parsed.get("bozo_exception", "malformed feed")))
        if not parsed.entries and not parsed.get("version"):
            raise ParseError(f"{where}: not a feed ({problem})")
        warnings.append(f"{where}: malformed feed, kept what could be read: {problem}")
    if not parsed.get("version") and not parsed.entries:
        raise ParseError(f"{where}: not a feed (no RSS, Atom or JSON Feed found)")
    return parsed, warnings


@dataclass(frozen=True)
class _Reading:
    """What reading one feed's entries needs from the feed."""

    source: str
    where: str
    feed_author: str | None
    base: str | None
    doc_base: str | None

    def article(self, i: int, entry: Mapping[str, Any], warnings: list[str]) -> Article | None:
        """Entry ``i`` as an article, or ``None`` (with a warning saying why)."""
        try:
            article, notes = _article(
                entry, self.source, self.feed_author, self.base, self.doc_base
            )
            article = replace(article, origin=self.where)
        except Exception as e:  # one odd entry must not sink the feed; the warning says why
            warnings.append(f"{self.where}: entry {i} skipped (unexpected {type(e).__name__}: {e})")
            return None
        warnings.extend(f"{self.where}: entry {i}: {note}" for note in notes)
        if is_empty(article):
            warnings.append(f"{self.where}: entry {i} refused: {EMPTY}")
            return None
        return article


EMPTY = "no title and no text"


def is_empty(article: Article) -> bool:
    """An entry with nothing a reader could read: no title, no body, no summary."""
    return (
        not article.title.strip() and not (article.text or article.raw or article.summary).strip()
    )


def identity_keys(articles: Sequence[Article], homes: Sequence[str] = ()) -> tuple[Article, ...]:
    """One feed's articles, each knowing whether its link and GUID identify it.

    A link or GUID that is the feed's own address or its site's home page
    (link posts with ``href=""``, podcasts whose every episode links to the
    show) names the source, not the entry; one that several entries with
    different titles share names none of them. Such keys are not used to
    call another source's entry a copy. Entries that share a GUID but not
    their title and link, or (untitled posts of one page, as Scripting News
    writes them) not their date, get distinct ones: else the later would
    overwrite the earlier in the store, and the two would take turns at it
    on every run.
    """
    home_keys = {canonical_url(h) for h in homes if h} - {None}
    links = Counter(canonical_url(a.url) for a in articles if a.url)
    # What the entries under one link are called, and when they were published: one link
    # shared by entries of other titles (or of one title and other dates) names none of them.
    titles_by_link: dict[str | None, set[tuple[str, datetime | None]]] = {}
    for a in articles:
        if a.url:
            titles_by_link.setdefault(canonical_url(a.url), set()).add((a.title, a.published))
    guids = Counter(a.guid for a in articles)
    out = []
    for a in articles:
        link = canonical_url(a.url) if a.url else None
        link_is_id = (
            link is not None
            and link not in home_keys
            and not (links[link] > 1 and len(titles_by_link[link]) > 1)
        )
        guid, guid_is_id = a.guid, canonical_url(a.guid) not in home_keys
        if guids[a.guid] > 1:
            twins = [b for b in articles if b.guid == a.guid]
            suffix = _twin_suffix(a, twins)
            if suffix is not None:
                guid, guid_is_id = bounded_guid(f"{a.guid}#{suffix}"), False
        if (link_is_id, guid_is_id, guid) != (a.link_is_id, a.guid_is_id, a.guid):
            a = replace(a, guid=guid, link_is_id=link_is_id, guid_is_id=guid_is_id)
        out.append(a)
    return tuple(out)


def _twin_suffix(article: Article, twins: Sequence[Article]) -> str | None:
    """What tells ``article`` from the others under its GUID: its title and link, or
    else its date; None when nothing does (a repeat)."""
    if any((b.title, b.url) != (article.title, article.url) for b in twins):
        told = f"{article.title}\x00{article.url}"
    elif article.published is not None and any(b.published != article.published for b in twins):
        told = f"{article.title}\x00{article.url}\x00{article.published.isoformat()}"
    else:
        return None
    return hashlib.sha256(told.encode()).hexdigest()[:12]


def _first_line(text: str) -> str:
    return (text.splitlines() or [""])[0][:200]


def _article(
    entry: Mapping[str, Any],
    source: str,
    feed_author: str | None = None,
    base: str | None = None,
    doc_base: str | None = None,
) -> tuple[Article, list[str]]:
    """One entry as an :class:`Article`, with notes on what was dropped.

    ``base`` resolves a relative link of a local feed (its site); ``doc_base`` is
    the address a web feed was fetched from.
    """
    notes: list[str] = []
    summary = _str(entry.get("summary"))
    # dict.get: FeedParserDict maps a missing updated_parsed to published_parsed (with a warning).
    updated = _utc(dict.get(entry, "updated_parsed"))  # type: ignore[call-overload]
    # FeedBurner's feeds link through its redirector (feedproxy.google.com/~r/...) and
    # name the article itself in feedburner:origLink: the page, not the tracker.
    raw_link = safe_url(_str(entry.get("feedburner_origlink"))) or _str(entry.get("link")) or None
    if raw_link and base and not SCHEME.match(raw_link):
        raw_link = join(base, raw_link)
    link = _http_url(raw_link, "link", notes)
    body, kind = _body(entry, doc_base, link)
    title = plain_text(_str(entry.get("title")), MAX_TITLE_CHARS)
    guid = _str(entry.get("id")) or link or _fallback_guid(title, body)
    terms = [
        _str(t.get("term"))
        for t in _list(entry.get("tags"))
        if isinstance(t, Mapping) and t.get("scheme") not in KEYWORD_SCHEMES
    ]
    article = Article(
        source=source,
        guid=bounded_guid(guid),
        url=link,
        title=title,
        raw=_bounded(body, "body", notes),
        raw_kind=kind,
        author=_entry_author(entry) or feed_author,
        # Atom <updated>, RSS 1.0 dc:date: the source's date when it gives no other.
        published=_utc(entry.get("published_parsed")) or updated,
        updated=updated,
        tags=plain_tags(terms),
        summary=_bounded(summary, "summary", notes) if summary != body else "",
    )
    return article, notes


def _entry_author(entry: Mapping[str, Any]) -> str | None:
    """The entry's authors' names.

    feedparser's ``author`` is the first author as the feed wrote it
    (``email (Name)`` in RSS), which :func:`person_name` reads better than
    feedparser's own split; several Atom authors come from ``authors``.
    """
    authors = [a for a in _list(entry.get("authors")) if isinstance(a, Mapping)]
    if len(authors) > 1:
        names = (person_name(_str(a.get("name"))) for a in authors)
        joined = ", ".join(dict.fromkeys(n for n in names if n))
        if joined:
            return joined
    return person_name(_str(entry.get("author")))


def _feed_author(feed: Mapping[str, Any]) -> str | None:
    """The feed's own author (Atom ``<author>``, RSS ``managingEditor``, channel ``dc:creator``)."""
    detail = feed.get("author_detail")
    raw = _str(feed.get("author")) or (
        _str(detail.get("name")) if isinstance(detail, Mapping) else ""
    )
    return person_name(raw)


_EMAIL = re.compile(r"[^\s@()<>]+@[^\s@()<>]+\.[^\s@()<>]+")
# "Author: Luke", "Written by Jane Doe", "By Jane Doe": a label a feed put in its author field.
_BYLINE_LABEL = re.compile(
    r"^\s*(?:(?:authors?|writer|autor(?:in|e)?|auteur)\s*[:：]|(?:(?:written|posted)\s+)?by\b\s*:?)\s*",
    re.IGNORECASE,
)
_EMAIL_AND_NAME = re.compile(r"^\s*(?:mailto:)?(?P<email>\S+@\S+)\s*\((?P<name>[^()]*)\)\s*$")
_NAME_AND_EMAIL = re.compile(r"^\s*(?P<name>[^<>()]*?)\s*[(<]\s*(?:mailto:)?\S+@\S+\s*[)>]\s*$")


def person_name(value: str) -> str | None:
    """A person's name as a feed writes it: ``email (Name)``, ``Name <email>`` or a name.

    RSS's ``<author>`` is an e-mail address with the name in parentheses
    (``noreply@blogger.com (Anthony)``); readers show the name. A bare
    address names no one a reader would recognise and gives ``None``. A label
    the feed put in the field (``Author: Luke``, ``By Jane Doe``) is not part of it.
    """
    text = _BYLINE_LABEL.sub("", plain_text(value, MAX_AUTHOR_CHARS), count=1)
    for pattern in (_EMAIL_AND_NAME, _NAME_AND_EMAIL):
        match = pattern.match(text)
        if match:
            text = match.group("name").strip()
            break
    if not text or _EMAIL.fullmatch(text):
        return None
    return text


def _body(entry: Mapping[str, Any], doc_base: str | None, link: str | None) -> tuple[str, RawKind]:
    """The fullest body an entry carries: its longest ``content``, else the summary.

    feedparser is told not to resolve relative links inside markup (on HTML-heavy
    real feeds that pass is 40% of its time): the clean stage resolves them against
    the entry's link, as most readers do. Only a body under an ``xml:base`` of its
    own, or of an entry without a link, is resolved here, against that base.
    """
    contents = [
        c for c in _list(entry.get("content")) if isinstance(c, Mapping) and _str(c.get("value"))
    ]
    if contents:
        detail: Any = max(contents, key=lambda c: len(c["value"]))
        value = detail["value"]
    else:
        detail = entry.get("summary_detail")
        value = _str(entry.get("summary"))
    detail = detail if isinstance(detail, Mapping) else {}
    kind: RawKind = "entry-text" if detail.get("type") == "text/plain" else "html"
    if kind == "html":
        value = unescaped_twice(value)
    base = _str(detail.get("base"))
    if kind == "html" and value and is_web(base) and (base != doc_base or not link):
        value = feedparser.urls.resolve_relative_uris(value, base, "utf-8", "text/html")
    return value, kind


def _str(value: Any) -> str:
    """A string field of a parsed feed; anything else (None, a list, a number) reads as empty."""
    return value if isinstance(value, str) else ""


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _bounded(text: str, what: str, notes: list[str]) -> str:
    """An entry's body or summary as kept: cut to :data:`MAX_BODY_CHARS` (saying so), XML-safe."""
    if len(text) > MAX_BODY_CHARS:
        notes.append(f"{what} of {len(text)} characters cut to {MAX_BODY_CHARS}")
        text = text[:MAX_BODY_CHARS]
    return xml_safe(text)


def _http_url(raw: str | None, what: str, notes: list[str]) -> str | None:
    """An entry's link if it is http(s); one of a scheme that can run code is dropped with a note."""
    url = safe_url(raw)
    if url is None and risky_scheme(raw):
        notes.append(f"{what} dropped (not an http(s) URL): {(raw or '')[:80]!r}")
    return url


def _localized_date(value: str) -> time.struct_time | None:
    """feedparser's date handler for RFC 822 dates in another language (see
    :func:`jjfeed.isodate.parse_localized_rfc2822`); None lets its own handlers try."""
    parsed = parse_localized_rfc2822(value)
    return parsed.utctimetuple() if parsed is not None else None


feedparser.registerDateHandler(_localized_date)


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


def parse_json_feed(
    content: bytes, *, source: str, where: str | None = None, max_entries: int = MAX_ENTRIES
) -> Parsed:
    """Parse a JSON Feed 1.0/1.1 document; wrong types in an item skip that item."""
    where = where or source
    try:
        # strict=False: raw control characters inside strings, common in hand-made feeds.
        doc = json.loads(content.decode("utf-8-sig"), strict=False)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"{where}: invalid JSON Feed: {e}") from e
    except RecursionError:
        raise ParseError(f"{where}: invalid JSON Feed: nested too deeply") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("items"), list):
        raise ParseError(f"{where}: not a JSON Feed (no 'items' list)")
    items = doc["items"]
    articles, warnings = [], []
    if doc.get("version") not in JSON_FEED_VERSIONS:
        shown = repr(doc.get("version"))[:80]
        warnings.append(f"{where}: JSON Feed with unknown version {shown}; read anyway")
    if len(items) > max_entries:
        warnings.append(f"{where}: {len(items)} items, kept the first {max_entries}")
        items = items[:max_entries]
    feed_author = _json_authors(doc)
    for i, item in enumerate(items):
        try:
            article, notes = _json_item(item, source, feed_author)
            article = replace(article, origin=where)
        except Exception as e:  # noqa: BLE001  (one odd item must not sink the feed)
            warnings.append(f"{where}: JSON Feed item {i} skipped: {e}")
            continue
        warnings.extend(f"{where}: JSON Feed item {i}: {note}" for note in notes)
        if is_empty(article):
            warnings.append(f"{where}: JSON Feed item {i} refused: {EMPTY}")
            continue
        articles.append(article)
    title = plain_text(_str(doc.get("title"))) or None
    homes = (_str(doc.get("home_page_url")), _str(doc.get("feed_url")), where)
    return Parsed(identity_keys(articles, homes), title, tuple(warnings), feed=True)


def _json_item(item: Any, source: str, feed_author: str | None = None) -> tuple[Article, list[str]]:
    """One JSON Feed item; a field of the wrong type is dropped with a note, the item stays."""
    if not isinstance(item, dict):
        raise TypeError("item is not an object")
    notes: list[str] = []

    def text(key: str) -> str | None:
        try:
            return _opt_str(item, key)
        except TypeError as e:
            notes.append(f"{e}; field dropped")
            return None

    html, plain = text("content_html"), text("content_text")
    html = unescaped_twice(html) if html else html
    summary = text("summary") or ""
    kind: RawKind = "html" if html or not plain else "entry-text"
    body = html or plain or summary
    url = _http_url(text("url"), "url", notes)
    external = _http_url(text("external_url"), "external_url", notes)
    title = plain_text(text("title") or "")
    raw_id = item.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, str | int | None):
        notes.append("'id' must be a string; field dropped")
        raw_id = None
    guid = str(raw_id) if raw_id not in (None, "") else (url or _fallback_guid(title, body))
    updated = parse_iso(text("date_modified"))
    article = Article(
        source=source,
        guid=bounded_guid(guid),
        url=url,
        title=title,
        raw=_bounded(body, "body", notes),
        raw_kind=kind,
        author=_json_authors(item, notes) or feed_author,
        published=parse_iso(text("date_published")) or updated,
        updated=updated,
        tags=plain_tags(_json_tags(item.get("tags"), notes)),
        summary=_bounded(summary, "summary", notes),
        external_url=external if external != url else None,
    )
    return article, notes


def _json_authors(obj: dict[str, Any], notes: list[str] | None = None) -> str | None:
    """``authors`` (1.1) or ``author`` (1.0) of an item or a feed, as one line of names."""
    authors = obj.get("authors")
    if authors is None and obj.get("author") is not None:
        authors = [obj["author"]]
    if authors is None:
        return None
    if isinstance(authors, dict):
        authors = [authors]
    if not isinstance(authors, list):
        if notes is not None:
            notes.append("'authors' must be a list of objects; field dropped")
        return None
    names = (
        person_name(a["name"])
        for a in authors
        if isinstance(a, dict) and isinstance(a.get("name"), str)
    )
    return ", ".join(dict.fromkeys(n for n in names if n)) or None


def _json_tags(tags: Any, notes: list[str]) -> list[str]:
    """Tags as a list of strings; a comma-separated string (seen in real feeds) is split."""
    if tags is None:
        return []
    if isinstance(tags, str):
        return [t.strip() for t in tags.split(",")]
    if isinstance(tags, list):
        kept = [t for t in tags if isinstance(t, str)]
        if len(kept) < len(tags):
            notes.append("'tags' holds values that are not strings; those dropped")
        return kept
    notes.append("'tags' must be a list of strings; field dropped")
    return []


def _opt_str(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{key!r} must be a string, got {type(value).__name__}")
    return value
