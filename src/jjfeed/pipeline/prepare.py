"""Preparing articles: time limits, cleaning, dates and caps, features, learned furniture.

Runs in the worker processes as well as the run's own. Pure but for the
clean stage's libraries: an article in, an article (or an EntryFailed) out.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from html import escape
from pathlib import Path

from .. import __version__, dedup, story, tag
from ..clean import clean_html, clean_page, clean_text, furniture, has_prose
from ..errors import JJFeedError, StoreError
from ..fields import MAX_AUTHOR_CHARS, plain_tags, plain_text
from ..model import (
    Article,
    Cleaned,
    Source,
)
from ..parse import EMPTY, MAX_BODY_CHARS, Parsed
from ..store import Store
from ..urls import is_web
from ..workers import Workers, working
from . import archive

log = logging.getLogger("jjfeed.pipeline")

CLEAN_SECONDS = 20.0  # per article: past this the article is skipped
# Articles cleaned together; the next chunk is cleaned while this one is filed.
PREPARE_CHUNK = 512
_IN_PROCESS = Workers(1)
# The code an entry's stored form depends on, part of every raw key (see :func:`raw_key`):
# when any of it changes, entries stored before are cleaned again when next read.
_PREPARING_CODE = ("clean", "pipeline/prepare.py", "fields.py", "safehtml.py", "parse.py")


@functools.cache
def preparing_code() -> str:
    """A digest of the code and data that clean and fold an entry (computed once a process)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.blake2b(digest_size=16)
    for name in _PREPARING_CODE:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            if file.suffix in (".py", ".json"):
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
    return digest.hexdigest()


class StageTimeout(JJFeedError):
    """One input or article took longer than its time bound."""


@contextmanager
def time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`StageTimeout` in the block once ``seconds`` have passed.

    A bound on the pure stages (parse, clean) so one hostile input cannot
    hold the run: SIGALRM interrupts Python code between bytecodes (a long
    call inside C finishes first). Only the main thread gets signals, so
    elsewhere the block runs unbounded. Never wrap store writes in it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise StageTimeout(f"{what}: took longer than {seconds:g} s, gave up")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


# -- clean ---------------------------------------------------------------------


def clean_article(article: Article, source_tags: Sequence[str] = ()) -> Article:
    """Run the clean stage on one article and fold in what it recovered."""
    return fold_cleaned(article, _clean_body(article), source_tags)


def fold_cleaned(article: Article, cleaned: Cleaned, source_tags: Sequence[str] = ()) -> Article:
    """The article with the clean stage's text, HTML and recovered metadata.

    Metadata the feed gave wins over metadata recovered from the text; for
    files and pages (no feed), the recovered title wins over the file name.
    """
    from_feed = article.raw_kind in ("html", "entry-text")
    # What the clean stage recovered from a page is as untrusted as a feed's own fields:
    # plain text that no reader can take for markup (the feed's were made so by parse).
    recovered_title = plain_text(cleaned.title or "")
    title = article.title if (from_feed and article.title) else (recovered_title or article.title)
    summary = (
        plain_text(clean_html(article.summary).text, MAX_BODY_CHARS) if article.summary else ""
    )
    return replace(
        article,
        title=title,
        text=cleaned.text,
        html=cleaned.html,
        author=article.author or plain_text(cleaned.author or "", MAX_AUTHOR_CHARS) or None,
        published=article.published or cleaned.published,
        updated=article.updated or cleaned.updated,
        tags=tag.tags_for(source_tags, article.tags, plain_tags(list(cleaned.tags))),
        summary=summary,
        section=plain_text(cleaned.section or "", MAX_AUTHOR_CHARS) or None,
        external_url=article.external_url or _shared(cleaned.external_url, article.url),
        raw="",
    )


def _shared(url: str | None, own: str | None) -> str | None:
    """A link the body says the post shares: a web address that is not the post's own."""
    return url if url and url != own and is_web(url) else None


FUTURE_SLACK = timedelta(days=1)  # clocks and time zones; past this a date is not believed


def believable_dates(article: Article, now: datetime) -> Article:
    """The article without dates further in the future than a clock could be wrong.

    A post dated 2099 would otherwise sit at the top of the feed for ever;
    without a date it is dated when jjfeed first saw it, as readers do.
    """
    limit = now + FUTURE_SLACK
    published = article.published if article.published and article.published <= limit else None
    updated = article.updated if article.updated and article.updated <= limit else None
    if published is article.published and updated is article.updated:
        return article
    return replace(article, published=published, updated=updated)


MAX_TEXT_CHARS = 200_000  # an article's clean text past this is cut (a book is not an entry)
MAX_HTML_CHARS = 1_000_000  # and its clean HTML


def capped(article: Article) -> tuple[Article, str | None]:
    """The article within the per-article caps, and a note when it had to be cut.

    The text is cut at the last paragraph that fits, and the HTML, when too
    long or when the text was cut, is rebuilt from the kept paragraphs: a
    feed entry must stay far below what any reader (or jjfeed's own fetch
    cap) accepts.
    """
    if len(article.text) <= MAX_TEXT_CHARS and len(article.html) <= MAX_HTML_CHARS:
        return article, None
    kept: list[str] = []
    size = 0
    for paragraph in article.text.split("\n\n"):
        if size + len(paragraph) > MAX_TEXT_CHARS:
            if not kept:
                kept.append(paragraph[:MAX_TEXT_CHARS].rsplit(" ", 1)[0] + " …")
            break
        kept.append(paragraph)
        size += len(paragraph) + 2
    text = "\n\n".join(kept)
    html = "".join(f"<p>{escape(p)}</p>" for p in kept)
    note = (
        f"{entry_name(article)}: {len(article.text):,} characters of text and "
        f"{len(article.html):,} of HTML cut to {len(text):,} and {len(html):,}"
    )
    return replace(article, text=text, html=html), note


@dataclass(frozen=True)
class _Features:
    """What dedup and stories need from an article's final text.

    Computed in the worker process that cleaned the article, so the main
    process, which alone writes to the store, only compares and stores.
    """

    hashes: dedup.Features
    terms: frozenset[str]
    story_keys: list[int]
    # The count vector of ``terms``, packed, when they carry one (the run has story_vectors).
    vector: story.CountVector | None = None

    @property
    def content_hash(self) -> str:
        return self.hashes.content_hash


def _features(article: Article, counts: bool = False) -> _Features:
    """``counts``: the story terms carry the count vector (the run has ``story_vectors``),
    and it comes packed too (:class:`story.CountVector`), so filing reads no ``word@count``."""
    if not counts:
        terms = story.story_terms(article.title, article.text)
        return _Features(dedup.features(article.text), terms, _story_keys(terms))
    terms, counted = story.counted_terms(article.title, article.text)
    vector = story.pack(counted.items())
    return _Features(dedup.features(article.text), terms, _story_keys(terms), vector)


def _story_keys(terms: frozenset[str]) -> list[int]:
    """The keys an article's story candidates are found under: a body's are MinHash
    bands of its key terms; a headline's (no body to compare), one per term, so no
    pair sharing a term is lost to the draw (:func:`dedup.term_keys`)."""
    keyed = story.key_terms(terms)
    if len(keyed) < story.MIN_TERMS:
        return []
    bands = dedup.story_keys(keyed)
    return bands if story.has_text(terms) else sorted({*bands, *dedup.term_keys(keyed)})


@dataclass(frozen=True)
class _Prepared:
    """One article after the CPU-bound stages: cleaned, folded, fingerprinted, hashed.

    ``unchanged``: the store holds this entry as read, from the same
    ``raw_key``; it was not cleaned (``cleaned`` and ``features`` are None).
    """

    article: Article
    cleaned: Cleaned | None
    prints: dict[str, int]
    features: _Features | None
    # What the archive holds for it (None: not looked up, filing looks it up itself).
    found: archive.Found | None = None
    # Warnings about the entry that did not stop it (its text cut to the cap).
    notes: tuple[str, ...] = ()
    raw_key: str = ""
    unchanged: bool = False


def raw_key(article: Article, source_tags: Sequence[str]) -> str:
    """A digest of an entry as parsed and of what shapes its cleaning.

    Two reads with the same key make the same stored article, so the second
    needs no cleaning (a cron run reads most entries of a feed again). The
    source's learned furniture is not part of it: an entry stored before a
    block became furniture keeps the block until the entry itself changes.
    """
    parts = (
        __version__,
        preparing_code(),
        article.guid,
        article.url or "",
        article.title,
        article.raw_kind,
        article.raw,
        article.author or "",
        article.published.isoformat() if article.published else "",
        article.updated.isoformat() if article.updated else "",
        "\x1f".join(article.tags),
        "\x1f".join(source_tags),
        article.summary,
        article.section or "",
        f"{article.link_is_id:d}{article.guid_is_id:d}",
    )
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


_PrepareJob = tuple[Article, tuple[str, ...], "archive.Query | None"]


@dataclass(frozen=True)
class EntryFailed:
    """One entry given up on, and why: a value in the source's result, never an exception.

    ``refused``: not an article (nothing to read), as opposed to one that failed.
    """

    message: str
    refused: bool = False


def entry_name(article: Article) -> str:
    """How a warning names an entry: its source, and its title or link or id."""
    label = article.title or article.url or article.guid
    return f"{article.origin or article.source}: entry {label[:120]!r}"


def _prepare(job: _PrepareJob) -> _Prepared | EntryFailed:
    """Clean one article, compute its features and look it up in the archive.

    An :class:`EntryFailed` instead if cleaning took too long or failed in
    any way: one entry's fault fails that entry, never its source or the
    run. Top-level, so a worker process can run it (see
    :mod:`jjfeed.workers`); reads the store, never writes it.
    """
    article, source_tags, query = job
    counts = query is not None and query.story_vectors
    key = raw_key(article, source_tags)
    if query is not None and archive.stored_from(query, article.source, article.guid) == key:
        return _Prepared(article, None, {}, None, raw_key=key, unchanged=True)
    working()  # an entry to clean: the run's workers are worth starting
    try:
        with time_limit(CLEAN_SECONDS, f"{article.source}: {article.url or article.guid}"):
            cleaned = _clean_body(article)
            folded = fold_cleaned(article, cleaned, source_tags)
            features = _features(folded, counts)
    except StageTimeout as e:
        return EntryFailed(f"{e} (article skipped)")
    except Exception as e:  # noqa: BLE001  (any fault of one entry fails that entry)
        log.debug("cleaning failed", exc_info=True)
        return EntryFailed(f"{entry_name(article)} failed in cleaning: {type(e).__name__}: {e}")
    if not folded.title.strip() and not folded.text.strip():
        return EntryFailed(f"{entry_name(article)} refused: {EMPTY} once cleaned", refused=True)
    if article.raw_kind == "page" and not has_prose(folded.text):
        why = "only menus and links" if folded.text.strip() else "no article text found"
        return EntryFailed(
            f"{entry_name(article)} refused: a page with no article in it ({why})", refused=True
        )
    folded, cut = capped(folded)
    if cut:
        features = _features(folded, counts)
    found = _look_up(query, folded, features) if query is not None else None
    notes = (cut,) if cut else ()
    prints = furniture.block_fingerprints(cleaned)
    return _Prepared(folded, cleaned, prints, features, found, notes, raw_key=key)


def clean_batch(
    store: Store,
    source: Source,
    articles: Sequence[Article],
    now: datetime,
    warnings: list[str] | None = None,
    workers: Workers | None = None,
) -> list[Article]:
    """Clean one source's articles, learning and removing the source's furniture."""
    return [
        p.article
        for chunk in _prepare_batches(store, source, articles, now, warnings, workers)
        for p in chunk
    ]


def _prepare_batches(
    store: Store,
    source: Source,
    articles: Sequence[Article],
    now: datetime,
    warnings: list[str] | None = None,
    workers: Workers | None = None,
    ready: Sequence[_Prepared | EntryFailed] | None = None,
    query: archive.Query | None = None,
    failures: list[str] | None = None,
) -> Iterator[list[_Prepared]]:
    """Clean one source's articles a chunk at a time, each chunk's furniture removed.

    ``ready``: the articles, already cleaned in a worker (see :class:`_Read`);
    only their furniture is left to remove.

    The next chunk is cleaned in the worker processes while the caller files
    this one, so cleaning and filing overlap. Furniture is decided per chunk
    from what the store counted (earlier runs and earlier chunks) plus the
    chunk's own counts: a feed's usual batch is one chunk and sees all of
    itself; in a big import, a block that first recurs in a later chunk is
    removed from there on, as it would be in a later run.
    """
    warnings = warnings if warnings is not None else []
    if ready is not None:
        yield _relooked(query, _furnished(store, source, _kept(ready, warnings, failures), now))
        return
    runner = workers or _IN_PROCESS
    tags = tuple(source.tags)
    chunks: list[list[_PrepareJob]] = [
        [(a, tags, query) for a in articles[i : i + PREPARE_CHUNK]]
        for i in range(0, len(articles), PREPARE_CHUNK)
    ]
    pending = runner.submit(_prepare, chunks[0]) if chunks else None
    for k in range(len(chunks)):
        assert pending is not None
        outcomes = pending.result()
        if k + 1 < len(chunks):
            pending = runner.submit(_prepare, chunks[k + 1])
        furnished = _furnished(store, source, _kept(outcomes, warnings, failures), now)
        yield _relooked(query, furnished)


def _relooked(query: archive.Query | None, prepared: list[_Prepared]) -> list[_Prepared]:
    """``prepared``, those that lost furniture after their lookup looked up again, here.

    Through this process's reader, whose key index the articles cleaned here
    loaded already (or, if none were, that loading this once costs what it
    would cost filing), not by filing: that would load the writer's own copy
    of the window's band index too, seconds in a store of a million
    articles. Not in the workers: the batch would wait behind the sources
    they are reading ahead.
    """
    if query is None:
        return prepared
    return [
        replace(p, found=_look_up(query, p.article, p.features))
        if p.found is None and p.features is not None
        else p
        for p in prepared
    ]


def _look_up(query: archive.Query, article: Article, features: _Features) -> archive.Found | None:
    """:func:`archive.look_up` of an article with these features (None: left to filing)."""
    try:
        plain = story.plain_terms(features.terms)  # the plain rule's: no count vector
        return archive.look_up(query, article, features.hashes, plain, features.story_keys)
    except StoreError as e:
        log.debug("archive lookup failed, left to filing: %s", e)
        return None


def _kept(
    outcomes: Iterable[_Prepared | EntryFailed],
    warnings: list[str],
    failures: list[str] | None = None,
) -> list[_Prepared]:
    """The articles that were prepared; a warning line for each one that was given up on."""
    prepared: list[_Prepared] = []
    for outcome in outcomes:
        if isinstance(outcome, EntryFailed):
            warnings.append(outcome.message)
            if failures is not None and not outcome.refused:
                failures.append(outcome.message)
        else:
            warnings.extend(outcome.notes)
            prepared.append(outcome)
    return prepared


def _furnished(
    store: Store, source: Source, prepared: list[_Prepared], now: datetime
) -> list[_Prepared]:
    """:func:`_furnished_one` for each source among the articles (a folder holds several feeds)."""
    names = list(dict.fromkeys(p.article.source for p in prepared))
    if len(names) <= 1:
        return _furnished_one(store, names[0] if names else source.name, prepared, now)
    done: dict[int, _Prepared] = {}
    for name in names:
        group = [(i, p) for i, p in enumerate(prepared) if p.article.source == name]
        cleaned = _furnished_one(store, name, [p for _, p in group], now)
        done.update((i, p) for (i, _), p in zip(group, cleaned, strict=True))
    return [done[i] for i in range(len(prepared))]


def _furnished_one(
    store: Store, source_name: str, prepared: list[_Prepared], now: datetime
) -> list[_Prepared]:
    """Count the chunk's blocks with the source's stored counts; drop what is furniture.

    Blocks are counted once per new article (an article seen before does not
    count again), together with what earlier runs counted, so furniture is
    recognised from the first run on when a feed carries enough articles. An
    article that loses blocks gets its features computed again.
    """
    batch: dict[str, tuple[int, int]] = {}
    prints = {fp for p in prepared for fp in p.prints}
    rows = store.furniture_rows(source_name, prints)
    stored = {fp: (articles, words) for fp, (articles, words, _) in rows.items()}
    before = store.furniture_total(source_name)
    counted = 0
    for p in prepared:
        if store.has(p.article.source, p.article.guid):
            continue
        if _mostly_seen(p.prints, stored, batch):
            continue  # a copy of an article counted before: no new evidence
        counted += 1
        for fp, words in p.prints.items():
            seen, _ = batch.get(fp, (0, words))
            batch[fp] = (seen + 1, words)
    combined = dict(stored)
    for fp, (n, words) in batch.items():
        combined[fp] = (stored.get(fp, (0, words))[0] + n, words)
    # A block first seen in this chunk counts from the chunk's start (a first fetch: all of it).
    since = {fp: before for fp in combined} | {fp: row[2] for fp, row in rows.items()}
    known = furniture.furniture_of(combined, since, before + counted)
    if batch:
        store.add_furniture(source_name, batch, now, counted=counted)
    return [_without_furniture(p, known) for p in prepared]


def _mostly_seen(
    prints: dict[str, int],
    stored: dict[str, tuple[int, int]],
    batch: dict[str, tuple[int, int]],
) -> bool:
    """Whether an article is a copy of one this source has counted already.

    A site's articles share their furniture, mostly short lines; an article
    that shares most of its words with earlier ones, a paragraph of prose
    among them, is a copy (an update, a re-post), and counting it again
    would make its own paragraphs look like furniture. Short summaries under
    a long-ish footer share most of their words too, but no paragraph: they
    still count, or the footer could never be learned.
    """
    total = sum(prints.values())
    seen = [words for fp, words in prints.items() if fp in stored or fp in batch]
    return (
        total > 0
        and sum(seen) >= furniture.COPY_SHARE * total
        and max(seen) >= furniture.LONG_PROSE_WORDS
    )


def _without_furniture(prepared: _Prepared, known: frozenset[str]) -> _Prepared:
    if prepared.cleaned is None or known.isdisjoint(prepared.prints):
        return prepared
    cleaned = furniture.drop_furniture(prepared.cleaned, known)
    if cleaned is prepared.cleaned:
        return prepared
    article, _ = capped(replace(prepared.article, text=cleaned.text, html=cleaned.html))
    # With a count vector again if the worker made one (the run has story_vectors).
    counts = prepared.features is not None and prepared.features.vector is not None
    features = _features(article, counts)
    return replace(prepared, article=article, cleaned=cleaned, features=features, found=None)


def _clean_body(article: Article) -> Cleaned:
    if article.raw_kind in ("text", "entry-text"):
        return clean_text(article.raw, find_title=article.raw_kind == "text")
    if article.raw_kind == "page":
        return clean_page(article.raw, article.url)
    return clean_html(article.raw, base_url=article.url)


# -- what the workers hand back ----------------------------------------------------


@dataclass(frozen=True)
class _Read:
    """One input after the workers' half: parsed, and its articles cleaned when few enough.

    ``prepared`` is None when there are more than PREPARE_CHUNK articles:
    they are cleaned a chunk at a time while they are filed (see
    :func:`_prepare_batches`), and ``parsed`` keeps them. Otherwise
    ``parsed`` comes without its articles, which ``prepared`` carries.
    """

    parsed: Parsed
    prepared: list[_Prepared | EntryFailed] | None


def _articles_of(read: _Read) -> Iterator[Article]:
    yield from read.parsed.articles
    for p in read.prepared or ():
        if isinstance(p, _Prepared):
            yield p.article


def _renamed(read: _Read, renames: dict[tuple[str, str], str]) -> _Read:
    """``read`` with its articles' sources renamed by ``(source, origin)``."""

    def rename(article: Article) -> Article:
        new = renames.get((article.source, article.origin), article.source)
        return article if new == article.source else replace(article, source=new)

    parsed = replace(read.parsed, articles=tuple(rename(a) for a in read.parsed.articles))
    prepared = [
        replace(p, article=rename(p.article)) if isinstance(p, _Prepared) else p
        for p in read.prepared or ()
    ]
    return _Read(parsed, prepared if read.prepared is not None else None)
