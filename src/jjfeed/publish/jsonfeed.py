"""JSON Feed 1.1, written by hand: it is a small, fully specified JSON document.

Dates are RFC 3339 in UTC; keys keep a fixed order and the output ends with a
newline, so the same entries always give the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from .entries import Entry
from .syndication import FeedMeta

VERSION = "https://jsonfeed.org/version/1.1"


def rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


def json_bytes(entries: Sequence[Entry], meta: FeedMeta) -> bytes:
    feed: dict[str, Any] = {
        "version": VERSION,
        "title": meta.title,
        "home_page_url": meta.link,
    }
    if meta.self_url:
        feed["feed_url"] = meta.self_url
    feed["description"] = meta.description
    if meta.hub:
        feed["hubs"] = [{"type": "WebSub", "url": meta.hub}]
    feed["items"] = [_item(e) for e in entries]
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def _item(entry: Entry) -> dict[str, Any]:
    item: dict[str, Any] = {"id": entry.id}
    if entry.link:
        item["url"] = entry.link
    if entry.external_url:
        item["external_url"] = entry.external_url
    item["title"] = entry.title
    item["content_html"] = entry.content_html
    if entry.summary:
        item["summary"] = entry.summary
    item["date_published"] = rfc3339(entry.published)
    item["date_modified"] = rfc3339(entry.updated)
    if entry.author:
        item["authors"] = [{"name": entry.author}]
    if entry.tags:
        item["tags"] = list(entry.tags)
    # An extension (JSON Feed allows keys that start with "_"): every copy's source and link.
    item["_jjfeed"] = {
        "sources": list(entry.sources),
        "related": [{"url": link.href, "source": link.title} for link in entry.related],
    }
    return item
