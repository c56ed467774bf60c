"""Write the merged feed: Atom, RSS, JSON Feed, an HTML page and the sources' OPML.

One entry per cluster. The entry id comes from the cluster id, which is
fixed when the cluster is created, so a subscriber never sees an entry twice
however its copies or its representative change. Every format is rendered
from the same :class:`~jjfeed.publish.entries.Entry` values. Files are
written to a temporary name in the output folder and renamed over the old
one, so a reader (or a crash) never sees half a feed; a file whose bytes
would not change is left alone, so its modification time (the server's
Last-Modified) moves only when the feed does.

The package: ``entries`` (the model and the outbound sanitiser), ``select``
(filters), ``syndication`` (Atom/RSS, the only user of feedgen),
``jsonfeed``, ``page``, ``opml`` and ``websub``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator

from .. import atomic
from ..errors import PublishError
from ..model import Cluster, FeedInfo, OutputSpec, Source
from . import syndication, websub
from .entries import (
    Entry,
    cluster_tags,
    coverage_html,
    entry_id,
    entry_order,
    make_entry,
    sanitise,
    sources_html,
)
from .jsonfeed import json_bytes
from .opml import opml_bytes
from .page import html_bytes
from .select import select
from .syndication import FeedMeta

__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "Entry",
    "Published",
    "build_feed",
    "cluster_tags",
    "coverage_html",
    "entry_id",
    "entry_order",
    "publish",
    "publish_outputs",
    "sanitise",
    "sources_html",
    "window",
    "write_atomic",
]

FORMATS = {
    "atom": "feed.atom",
    "rss": "feed.rss",
    "json": "feed.json",
    "html": "index.html",
    "opml": "sources.opml",
}
ALL_FORMATS = tuple(FORMATS)
# The formats a WebSub hub is told about: the ones a subscriber polls.
FEED_FORMATS = ("atom", "rss", "json")
# A filtered output picks its entries from this many times its limit of recent stories.
FILTER_WINDOW = 5


@dataclass(frozen=True)
class Published:
    """What one publish wrote: every file, the ones whose bytes changed, and any warnings."""

    paths: tuple[Path, ...]
    changed: tuple[Path, ...]
    entries: int
    warnings: tuple[str, ...] = ()


def window(info: FeedInfo, outputs: Sequence[OutputSpec] = ()) -> int:
    """How many recent clusters a publish needs to load to fill every output."""
    specs = outputs or (OutputSpec(),)
    return max(
        (spec.limit or info.limit) * (FILTER_WINDOW if spec.filtered else 1) for spec in specs
    )


def publish_outputs(
    clusters: Sequence[Cluster],
    info: FeedInfo,
    outputs: Sequence[OutputSpec],
    folder: Path,
    sources: Sequence[Source] = (),
) -> Published:
    """Write every configured output (or the default one) and ping the hub for what changed."""
    specs = tuple(outputs) or (OutputSpec(),)
    feed_urls = {s.name: s.url for s in sources if s.url}
    entry_cache: dict[str, Entry] = {}
    paths: list[Path] = []
    changed: list[Path] = []
    topics: list[str] = []
    first_count = 0
    for n, spec in enumerate(specs):
        limit = spec.limit or info.limit
        chosen = select(clusters, spec, limit)
        entries = [_entry(c, feed_urls, entry_cache) for c in chosen]
        if n == 0:
            first_count = len(entries)
        for fmt, path, data, self_url in _render(entries, info, spec, folder, sources):
            paths.append(path)
            if write_if_changed(path, data):
                changed.append(path)
                if fmt in FEED_FORMATS and self_url and info.hub:
                    topics.append(self_url)
    warnings = websub.ping(info.hub, topics) if info.hub and topics else []
    return Published(tuple(paths), tuple(changed), first_count, tuple(warnings))


def publish(
    clusters: Sequence[Cluster],
    info: FeedInfo,
    output: Path,
    formats: Sequence[str] = ALL_FORMATS,
    sources: Sequence[Source] = (),
) -> tuple[Path, ...]:
    """One output of every cluster into ``output``; return the paths written."""
    spec = OutputSpec(formats=tuple(formats))
    return publish_outputs(clusters, info, (spec,), output, sources).paths


def build_feed(clusters: Sequence[Cluster], info: FeedInfo) -> FeedGenerator:
    """A feedgen model of the merged feed (newest first, capped at the limit)."""
    chosen = select(clusters, OutputSpec(), info.limit)
    return syndication.build([make_entry(c) for c in chosen], _meta(info, OutputSpec(), None))


def _entry(cluster: Cluster, feed_urls: Mapping[str, str], cache: dict[str, Entry]) -> Entry:
    if cluster.id not in cache:
        cache[cluster.id] = make_entry(cluster, feed_urls)
    return cache[cluster.id]


def _render(
    entries: Sequence[Entry],
    info: FeedInfo,
    spec: OutputSpec,
    folder: Path,
    sources: Sequence[Source],
) -> list[tuple[str, Path, bytes, str | None]]:
    """Each format of one output: (format, path, bytes, the URL it will be served at)."""
    sub = _subfolder(spec.path)
    target = folder / sub if sub else folder
    out = []
    labels = {"atom": "Atom", "rss": "RSS", "json": "JSON Feed", "opml": "Sources (OPML)"}
    page_links = {labels[f]: FORMATS[f] for f in spec.formats if f in labels}
    for fmt in spec.formats:
        if fmt not in FORMATS:
            raise PublishError(f"unknown output format {fmt!r} (expected one of {ALL_FORMATS})")
        self_url = _served_at(info, sub, FORMATS[fmt])
        meta = _meta(info, spec, self_url)
        if fmt == "atom":
            data = syndication.atom_bytes(entries, meta)
        elif fmt == "rss":
            data = syndication.rss_bytes(entries, meta)
        elif fmt == "json":
            data = json_bytes(entries, meta)
        elif fmt == "html":
            data = html_bytes(entries, meta, page_links)
        else:
            data = opml_bytes(sources, meta.title)
        out.append((fmt, target / FORMATS[fmt], data, self_url))
    return out


def _subfolder(path: str) -> str:
    pure = PurePosixPath(path.strip("/")) if path.strip("/") else None
    if pure is None:
        return ""
    if pure.is_absolute() or ".." in pure.parts:
        raise PublishError(f"output path {path!r} must stay inside the output folder")
    return str(pure)


def _served_at(info: FeedInfo, sub: str, name: str) -> str | None:
    if not info.public_url:
        return None
    base = info.public_url if info.public_url.endswith("/") else info.public_url + "/"
    return urljoin(base, f"{sub}/{name}" if sub else name)


def _meta(info: FeedInfo, spec: OutputSpec, self_url: str | None) -> FeedMeta:
    feed_id = spec.id or info.id
    if not spec.id and _subfolder(spec.path):
        # Each output is its own feed, so it needs its own id; derive a stable one.
        feed_id = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{info.id}/{spec.path}"))
    return FeedMeta(
        id=feed_id,
        title=spec.title or info.title,
        link=spec.link or info.link,
        description=spec.description or info.description,
        self_url=self_url,
        hub=info.hub,
    )


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` atomically unless the file already holds exactly these bytes."""
    try:
        if path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except OSError as e:
        raise PublishError(f"{path}: cannot read: {e}") from e
    write_atomic(path, data)
    return True


def write_atomic(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` in one rename (:mod:`jjfeed.atomic`)."""
    try:
        return atomic.write_atomic(path, data)
    except OSError as e:
        raise PublishError(f"{path}: cannot write: {e}") from e
