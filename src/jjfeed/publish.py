"""Write the merged feed: the only module that imports :mod:`feedgen`.

One entry per cluster. The entry id comes from the cluster id, which is
fixed when the cluster is created, so a subscriber never sees an entry twice
however its copies or its representative change. Files are written to a
temporary name in the output folder and renamed over the old one, so a
reader (or a crash) never sees half a feed.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from feedgen.feed import FeedGenerator

from .errors import PublishError
from .model import Cluster, FeedInfo, StoredArticle

FORMATS = {"atom": "feed.atom", "rss": "feed.rss"}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def entry_id(cluster_id: str) -> str:
    """The feed entry id of a cluster: a ``urn:uuid`` IRI, valid in Atom and RSS."""
    return f"urn:uuid:{cluster_id}"


def entry_order(cluster: Cluster) -> tuple[datetime, str]:
    rep = cluster.representative
    return (rep.article.published or rep.fetched_at, cluster.id)


def sources_html(members: Sequence[StoredArticle]) -> str:
    """A visible "Sources:" line naming every copy, linked where it has a URL."""
    parts = []
    for m in members:
        name = html.escape(m.article.source)
        if m.article.url:
            parts.append(f'<a href="{html.escape(m.article.url, quote=True)}">{name}</a>')
        else:
            parts.append(name)
    return f'<p class="jjfeed-sources">Sources: {", ".join(parts)}</p>'


def coverage_html(coverage: Sequence[StoredArticle]) -> str:
    """An "Also covered by" line linking the other write-ups of the same story."""
    if not coverage:
        return ""
    parts = []
    for m in coverage:
        label = html.escape(
            f"{m.article.source}: {m.article.title}" if m.article.title else m.article.source
        )
        if m.article.url:
            parts.append(f'<a href="{html.escape(m.article.url, quote=True)}">{label}</a>')
        else:
            parts.append(label)
    return f'<p class="jjfeed-coverage">Also covered by: {"; ".join(parts)}</p>'


def build_feed(clusters: Sequence[Cluster], info: FeedInfo) -> FeedGenerator:
    """A feedgen model of the merged feed, newest entries first."""
    fg = FeedGenerator()
    fg.load_extension("dc")
    fg.id(info.id)
    fg.title(info.title)
    fg.link(href=info.link, rel="alternate")
    fg.description(info.description)
    fg.subtitle(info.description)
    fg.generator("jjfeed")
    ordered = sorted(clusters, key=entry_order, reverse=True)[: info.limit]
    newest = max((c.updated for c in ordered), default=EPOCH)
    fg.updated(newest)
    fg.lastBuildDate(newest)
    for cluster in ordered:
        _add_entry(fg, cluster)
    return fg


def _add_entry(fg: FeedGenerator, cluster: Cluster) -> None:
    rep = cluster.representative
    art = rep.article
    fe = fg.add_entry(order="append")
    fe.id(entry_id(cluster.id))
    fe.guid(entry_id(cluster.id), permalink=False)
    fe.title(art.title or "(untitled)")
    if art.url:
        fe.link(href=art.url, rel="alternate")
    seen = {art.url}
    for member in cluster.members:
        url = member.article.url
        if url and url not in seen:
            seen.add(url)
            fe.link(href=url, rel="related", title=member.article.source)
    body = (
        (art.html or f"<p>{html.escape(art.text)}</p>")
        + sources_html(cluster.members)
        + coverage_html(cluster.coverage)
    )
    fe.content(body, type="html")
    summary = art.summary or _first_block(art.text)
    if summary:
        fe.summary(summary)
    if art.author:
        fe.author({"name": art.author})
        fe.dc.dc_creator(art.author)
    fe.published(art.published or rep.fetched_at)
    fe.updated(cluster.updated)
    for tag in cluster_tags(cluster):
        fe.category(term=tag)


def cluster_tags(cluster: Cluster) -> list[str]:
    """Every member's tags, representative first, each once whatever its case."""
    seen: set[str] = set()
    tags = []
    for member in (cluster.representative, *cluster.members):
        for tag in member.article.tags:
            if tag.casefold() not in seen:
                seen.add(tag.casefold())
                tags.append(tag)
    return tags


def _first_block(text: str, limit: int = 400) -> str:
    first = text.strip().split("\n\n", 1)[0].strip()
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def publish(
    clusters: Sequence[Cluster],
    info: FeedInfo,
    output: Path,
    formats: Sequence[str] = ("atom", "rss"),
) -> tuple[Path, ...]:
    """Write each format to the output folder atomically; return the paths written."""
    fg = build_feed(clusters, info)
    written = []
    for fmt in formats:
        data = fg.atom_str(pretty=True) if fmt == "atom" else fg.rss_str(pretty=True)
        written.append(write_atomic(output / FORMATS[fmt], data))
    return tuple(written)


def write_atomic(path: Path, data: bytes) -> Path:
    """Replace ``path`` with ``data`` in one rename; the old file stays whole until then."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as e:
        raise PublishError(f"{path}: cannot write: {e}") from e
    return path
