"""Atom 1.0 and RSS 2.0 through feedgen, the only module that imports it.

feedgen writes RFC 3339 dates for Atom and RFC 822 dates for RSS, escapes
the body once (Atom ``type="html"``, RSS ``content:encoded``), and emits the
RSS ``atom:link rel="self"``. Two small extensions fill feedgen's gaps: one
adds ``atom:link rel="hub"`` to RSS, which feedgen leaves out; the other writes
the Atom entry links, because feedgen 1.0 drops every attribute of an entry
link but ``href`` (so each would read as another ``rel="alternate"``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from feedgen.util import xml_elem

from .entries import Entry

ATOM_NS = "http://www.w3.org/2005/Atom"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class FeedMeta:
    """The feed-level facts both formats need."""

    def __init__(
        self,
        *,
        id: str,
        title: str,
        link: str,
        description: str,
        self_url: str | None = None,
        hub: str | None = None,
    ) -> None:
        self.id, self.title, self.link, self.description = id, title, link, description
        self.self_url, self.hub = self_url, hub


class _RssHub(BaseExtension):  # type: ignore[misc]
    """Adds ``<atom:link rel="hub">`` to an RSS channel (WebSub discovery)."""

    hub: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"atom": ATOM_NS}

    def extend_rss(self, rss_feed: object) -> object:
        if self.hub:
            channel = rss_feed[0]  # type: ignore[index]
            xml_elem(f"{{{ATOM_NS}}}link", channel, href=self.hub, rel="hub")
        return rss_feed


class _AtomEntryLinks(BaseEntryExtension):  # type: ignore[misc]
    """Writes an Atom entry's ``<link>`` elements with all their attributes."""

    def __init__(self) -> None:
        self.links: list[dict[str, str]] = []

    def extend_atom(self, entry: object) -> object:
        for attrs in self.links:
            # Unqualified like feedgen's own elements: the Atom namespace is the default.
            xml_elem("link", entry, **attrs)
        return entry


def build(entries: Sequence[Entry], meta: FeedMeta, *, rss: bool = False) -> FeedGenerator:
    """A feedgen model of the entries, in the order given (newest first).

    feedgen takes the RSS channel link from the last link added, and emits
    only one ``self`` link into RSS; so the alternate link goes last and the
    self link is the format's own file.
    """
    fg = FeedGenerator()
    fg.load_extension("dc")
    if not rss:
        fg.register_extension("jjfeed_links", BaseExtension, _AtomEntryLinks, atom=True, rss=False)
    if rss and meta.hub:
        fg.register_extension("jjfeed_hub", _RssHub, atom=False, rss=True)
        fg.jjfeed_hub.hub = meta.hub
    fg.id(meta.id)
    fg.title(meta.title)
    fg.description(meta.description)
    fg.subtitle(meta.description)
    fg.generator("jjfeed")
    if meta.self_url:
        media = "application/rss+xml" if rss else "application/atom+xml"
        fg.link(href=meta.self_url, rel="self", type=media)
    if meta.hub and not rss:
        fg.link(href=meta.hub, rel="hub")
    fg.link(href=meta.link, rel="alternate", type="text/html")
    newest = max((e.updated for e in entries), default=EPOCH)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for entry in entries:
        _add(fg, entry, rss)
    return fg


def _add(fg: FeedGenerator, entry: Entry, rss: bool) -> None:
    fe = fg.add_entry(order="append")
    fe.id(entry.id)
    fe.guid(entry.id, permalink=False)
    fe.title(entry.title)
    if rss:
        if entry.link:
            fe.link(href=entry.link)  # RSS <link>: the article itself
    else:
        links = fe.jjfeed_links.links
        if entry.link:
            links.append({"href": entry.link, "rel": "alternate", "type": "text/html"})
        if entry.external_url:  # what a link post points at
            links.append({"href": entry.external_url, "rel": "related", "type": "text/html"})
        for link in entry.related:
            links.append(
                {"href": link.href, "rel": "related", "type": "text/html", "title": link.title}
            )
        for link in entry.via:
            links.append({"href": link.href, "rel": "via", "title": link.title})
    fe.content(entry.content_html, type="html")
    if entry.summary:
        # The summary is plain text, and RSS <description> is read as HTML: escaped
        # once, "<script>" in an article about code stays text in every reader.
        fe.summary(html.escape(entry.summary, quote=False), type="html")
    if entry.author:
        fe.author({"name": entry.author})
        fe.dc.dc_creator(entry.author)
    fe.published(entry.published)
    fe.updated(entry.updated)
    for tag in entry.tags:
        fe.category(term=tag)


def atom_bytes(entries: Sequence[Entry], meta: FeedMeta) -> bytes:
    data: bytes = build(entries, meta).atom_str(pretty=True)
    return data


def rss_bytes(entries: Sequence[Entry], meta: FeedMeta) -> bytes:
    data: bytes = build(entries, meta, rss=True).rss_str(pretty=True)
    return data
