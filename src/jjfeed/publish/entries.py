"""One format-neutral model of the merged entries, from which every format is written.

An :class:`Entry` is what a reader sees of one cluster: its stable id, the
representative's title and link, the body (sanitised again on the way out and
followed by the "Sources:" and "Also covered by" lines), a plain-text summary,
dates, tags and every copy's link. Atom, RSS, JSON Feed and the HTML page all
render the same entries, so they cannot disagree.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from .. import fields, safehtml, urls
from ..model import Cluster, StoredArticle

SUMMARY_LIMIT = 400
SUMMARY_WORDS = 25


@dataclass(frozen=True)
class Link:
    href: str
    title: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    link: str | None
    content_html: str
    summary: str
    author: str | None
    published: datetime
    updated: datetime
    tags: tuple[str, ...]
    # Other copies of this entry (Atom rel="related").
    related: tuple[Link, ...]
    # What a link post links to, when it is not ``link`` (JSON Feed ``external_url``).
    external_url: str | None
    # The feeds each copy came through (Atom rel="via").
    via: tuple[Link, ...]
    sources: tuple[str, ...]


def entry_id(cluster_id: str) -> str:
    """The feed entry id of a cluster: a ``urn:uuid`` IRI, valid in Atom and RSS."""
    return f"urn:uuid:{cluster_id}"


def entry_dates(cluster: Cluster) -> tuple[datetime, datetime]:
    """An entry's ``published`` and ``updated``, from its source's dates first.

    published: the article's published, else its updated (Atom ``<updated>``,
    ``dc:date``, JSON Feed ``date_modified``), else when jjfeed first saw it.
    updated: the article's own last change, or later when a run changed the
    entry (a copy joined, coverage grew), so an idle rerun writes the same bytes.
    """
    rep = cluster.representative
    art = rep.article
    published = _utc(art.published or art.updated or rep.fetched_at)
    own = _utc(art.updated) if art.updated else published
    updated = max(own, published, _utc(cluster.changed) if cluster.changed else published)
    return published, updated


def entry_order(cluster: Cluster) -> tuple[datetime, str]:
    return (entry_dates(cluster)[0], cluster.id)


def sanitise(markup: str, base_url: str | None) -> str:
    """What leaves jjfeed: the one allow-list again, relative links resolved or dropped.

    The clean stage sanitised the body already; this pass guards against anything
    a later change lets through. No script or style survives (their content
    neither), no event handler, no ``style`` attribute, and no URL outside http,
    https and mailto: ``javascript:`` and ``data:`` links lose their ``href``/``src``.
    """
    return safehtml.sanitise(markup, base_url, keep_relative=False)


def _absolute(url: str | None) -> str | None:
    """A URL fit for a feed's link: absolute http(s), else nothing."""
    if urls.is_web(url):
        return url
    return None


def _linked(label: str, url: str | None) -> str:
    """``label`` (HTML already) as a link to ``url``, or alone when there is none."""
    if url:
        return f'<a href="{html.escape(url, quote=True)}">{label}</a>'
    return label


def external_url(cluster: Cluster, link: str | None) -> str | None:
    """What the entry links to beyond its own page: the first copy's ``external_url``
    (representative first) that is a web address other than ``link``."""
    for member in (cluster.representative, *cluster.members):
        url = _absolute(member.article.external_url)
        if url and url != link:
            return url
    return None


def external_html(url: str | None) -> str:
    """A visible line linking what a link post points at (RSS has no field for it)."""
    if not url:
        return ""
    parts = urls.split(url)
    host = (parts.hostname if parts else None) or url
    return f'<p class="jjfeed-link">Link: {_linked(html.escape(host), url)}</p>'


def sources_html(members: Sequence[StoredArticle]) -> str:
    """A visible "Sources:" line naming every copy, linked where it has a URL."""
    parts = [_linked(html.escape(m.article.source), _absolute(m.article.url)) for m in members]
    return f'<p class="jjfeed-sources">Sources: {", ".join(parts)}</p>'


def coverage_html(coverage: Sequence[StoredArticle]) -> str:
    """An "Also covered by" line linking the other write-ups of the same story."""
    if not coverage:
        return ""
    parts = []
    for m in coverage:
        label = f"{m.article.source}: {m.article.title}" if m.article.title else m.article.source
        parts.append(_linked(html.escape(label), m.article.url))
    return f'<p class="jjfeed-coverage">Also covered by: {"; ".join(parts)}</p>'


def cluster_tags(cluster: Cluster) -> tuple[str, ...]:
    """The tag stage's tags, else every member's, representative first, each once."""
    if cluster.tags:
        return cluster.tags
    seen: set[str] = set()
    tags = []
    for member in (cluster.representative, *cluster.members):
        for tag in member.article.tags:
            if tag.casefold() not in seen:
                seen.add(tag.casefold())
                tags.append(tag)
    return tuple(tags)


def _with_section(tags: tuple[str, ...], section: str | None) -> tuple[str, ...]:
    """The section a byline named is a category of the entry too (once)."""
    if not section or section.casefold() in {t.casefold() for t in tags}:
        return tags
    return (*tags, section)


def make_entry(cluster: Cluster, feed_urls: Mapping[str, str] | None = None) -> Entry:
    """The entry a reader sees for one cluster; ``feed_urls`` maps source names to feed URLs."""
    rep = cluster.representative
    art = rep.article
    # The representative's own page; failing that (a saved file), the first copy online.
    link = _absolute(art.url) or next(
        (u for u in (_absolute(m.article.url) for m in cluster.members) if u), None
    )
    body = art.html or "".join(
        f"<p>{html.escape(p.strip())}</p>" for p in art.text.split("\n\n") if p.strip()
    )
    external = external_url(cluster, link)
    content = (
        sanitise(external_html(external), None)
        + sanitise(body, _absolute(art.url))
        + sanitise(sources_html(cluster.members), None)
        + sanitise(coverage_html(cluster.coverage), None)
    )
    related: list[Link] = []
    seen = {link}
    for member in cluster.members:
        url = _absolute(member.article.url)
        if url and url not in seen:
            seen.add(url)
            related.append(Link(url, member.article.source))
    via: list[Link] = []
    for name in dict.fromkeys(m.article.source for m in (rep, *cluster.members)):
        feed = _absolute((feed_urls or {}).get(name))
        if feed and feed not in {v.href for v in via}:
            via.append(Link(feed, name))
    published, updated = entry_dates(cluster)
    return Entry(
        id=entry_id(cluster.id),
        title=_one_line(art.title) or _title_from(art.text),
        link=link,
        content_html=content,
        summary=_summary(art.summary or art.text),
        # RFC 4287 wants an author on every entry (or the feed): the source's name stands in.
        author=_one_line(art.author or "") or _one_line(art.source) or None,
        published=published,
        updated=updated,
        tags=_with_section(cluster_tags(cluster), art.section),
        related=tuple(related),
        external_url=external,
        via=tuple(via),
        sources=tuple(dict.fromkeys(m.article.source for m in cluster.members)),
    )


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


TITLE_LIMIT = 80


def _title_from(text: str, limit: int = TITLE_LIMIT) -> str:
    """A title for a post that has none (Dave Winer's, a microblog's): its first sentence.

    Atom requires a title, and a reader's list of "(untitled)" says nothing; readers
    that meet such items show their opening words, so the feed does too, as a line
    no reader can take for markup (:func:`jjfeed.fields.safe_line`): a post about
    HTML may open with a tag written out, and readers may read an RSS title as HTML.
    """
    first = fields.safe_line(text.strip().split("\n\n", 1)[0]) if text.strip() else ""
    if not first:
        return "(untitled)"
    sentence = _first_sentence(first)
    if len(sentence) <= limit:
        return sentence
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


# A sentence ends at . ! ? or … before a space (or the end) ...
_SENTENCE_END = re.compile(r"[.!?…](?=\s|$)")
# ... unless the period closes an abbreviation or an initial: "Rep.", "Dr.", "J.", "U.S.".
_ABBREVIATION = re.compile(r"(?:^|\s)(?:[A-Z][a-z]{0,2}|(?:[A-Za-z]\.)+[A-Za-z])$")


def _first_sentence(line: str) -> str:
    """The first sentence of one line of text (the whole line when it has one sentence)."""
    for end in _SENTENCE_END.finditer(line):
        if end.group(0) == "." and _ABBREVIATION.search(line, 0, end.start()):
            continue
        return line[: end.end()]
    return line


# One line of a field list: a label of one to three words, a colon, a value ("Price: 15.50").
_FIELD = re.compile(r"\s*[A-Z][\w'’&/-]*(?: [\w'’&/-]+){0,2}:\s+\S")


def _paragraph_line(paragraph: str) -> str:
    """A paragraph as one line. The lines of a field list ("Vendor: Curated", "Type:
    Periodical", "Price: 15.50" on lines of their own) keep a separator: run together they
    read as one phrase. Other lines (hard-wrapped prose) are one run of words."""
    lines = [line for line in paragraph.split("\n") if line.strip()]
    if len(lines) > 1 and all(_FIELD.match(line) for line in lines):
        return " · ".join(_one_line(line) for line in lines)
    return _one_line(paragraph)


def _summary(text: str, limit: int = SUMMARY_LIMIT, words: int = SUMMARY_WORDS) -> str:
    """The opening paragraphs as one line: a short first one ("Warning: spoilers") takes
    the next along, up to ``words`` words; cut at a word boundary past ``limit``."""
    parts: list[str] = []
    for paragraph in text.strip().split("\n\n"):
        parts.append(_paragraph_line(paragraph))
        if sum(len(p.split()) for p in parts) >= words:
            break
    # Paragraphs run together as sentences: "...spoilers for Jessica Jones. Life post-murder..."
    # The last keeps its own ending: a text the source cut ("... Weird! The") gains no period.
    parts = [p for p in parts if p]
    ended = [p if p[-1] in ".!?:;…\"'”’)" else p + "." for p in parts[:-1]]
    first = " ".join(ended + parts[-1:])
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
