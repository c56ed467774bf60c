"""OPML in and out, for moving subscriptions between feed readers.

Reading: every ``<outline>`` with an ``xmlUrl`` is a feed; the folders it
sits in and its ``category`` attribute become tags. Writing (``jjfeed export-opml``
and the published ``sources.opml``): OPML 2.0, one folder per first tag, every
tag also in ``category``. Pure: bytes in, values
out; text out.

Reading goes through defusedxml: an OPML file comes from another program or
another person, and expat on its own expands internal entities (billion
laughs) up to its amplification limit. defusedxml refuses entity
declarations and external references inside expat, in any encoding and
wherever the DTD sits, so no byte-level pre-check is needed.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime

import defusedxml.ElementTree as DefusedET
from defusedxml import DefusedXmlException, EntitiesForbidden, ExternalReferenceForbidden

from . import urls
from .errors import ConfigError
from .model import Source


@dataclass(frozen=True)
class Outline:
    title: str
    url: str
    tags: tuple[str, ...] = ()


def read_opml(data: bytes, where: str) -> list[Outline]:
    """The feeds in an OPML document, in document order (duplicates by URL dropped)."""
    try:
        root = DefusedET.fromstring(data)
    except DefusedXmlException as e:
        raise ConfigError(f"{where}: not read: {_refusal(e)}") from e
    except ET.ParseError as e:
        raise ConfigError(f"{where}: not a readable OPML file: {e}") from e
    body = root.find("body")
    if root.tag != "opml" or body is None:
        raise ConfigError(f"{where}: not an OPML file (no <opml><body>)")
    found: list[Outline] = []
    seen: set[str] = set()
    # (element, the folders above it); a stack instead of recursion, bounded by the element count.
    stack: list[tuple[ET.Element, tuple[str, ...]]] = [
        (child, ()) for child in reversed(list(body))
    ]
    for _ in range(sum(1 for _ in root.iter())):
        if not stack:
            break
        element, folders = stack.pop()
        if element.tag != "outline":
            continue
        title = (element.get("title") or element.get("text") or "").strip()
        url = (element.get("xmlUrl") or "").strip()
        if url:
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                tags = _dedupe((*folders, *_categories(element.get("category") or "")))
                found.append(Outline(title or urls.host(url) or url, url, tags))
            continue
        inner = (*folders, title) if title else folders
        stack.extend((child, inner) for child in reversed(list(element)))
    return found


def write_opml(
    sources: Sequence[Source], title: str, now: datetime | None = None, *, local: bool = False
) -> str:
    """An OPML 2.0 document listing ``sources``, one folder per first tag.

    A source with a web address is a subscription (``type="rss"``, ``xmlUrl``).
    A local file or folder has no address a reader could poll: left out, or with
    ``local`` listed as a plain outline saying where it lies. ``now`` dates the
    document; without it, the same sources give the same bytes.
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = title
    if now is not None:
        ET.SubElement(head, "dateCreated").text = format_datetime(now, usegmt=True)
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}
    for source in sources:
        web = urls.is_web(source.url)
        if not web and not local:
            continue
        parent = body
        if source.tags:
            first = source.tags[0]
            if first not in folders:
                folders[first] = ET.SubElement(body, "outline", text=first, title=first)
            parent = folders[first]
        if web:
            attrs = {"type": "rss", "text": source.name, "title": source.name}
            attrs["xmlUrl"] = source.url or ""
        else:
            attrs = {"text": f"{source.name} (local: {source.location})", "title": source.name}
        if source.tags:
            attrs["category"] = ",".join(source.tags)
        ET.SubElement(parent, "outline", attrs)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _refusal(error: DefusedXmlException) -> str:
    """What defusedxml refused, in words (its own ``str()`` is a repr)."""
    if isinstance(error, EntitiesForbidden):
        return f"OPML with DTD entity declarations is not read (entity {error.name!r})"
    if isinstance(error, ExternalReferenceForbidden):
        return f"OPML with external references is not read ({error.sysid!r})"
    return "OPML with a DTD is not read"


def _categories(value: str) -> tuple[str, ...]:
    """``category="/News/Local,Tech"`` -> ("News", "Local", "Tech")."""
    return tuple(
        part.strip() for item in value.split(",") for part in item.split("/") if part.strip()
    )


def _dedupe(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
