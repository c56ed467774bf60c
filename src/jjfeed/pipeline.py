"""One run, stage by stage: fetch or read, parse, clean, dedup, tag, store, publish.

The only module that knows every stage. Each source is processed on its
own and in its own transaction: a source that fails becomes a ``failed``
:class:`SourceResult` in the report, and nothing another source stored is
lost with it.
"""

from __future__ import annotations

import hashlib
import logging
import random
import re
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path
from typing import Protocol

from . import archive, dedup, fetch, ingest, publish, schedule, story, tag, urls
from .clean import clean_html, clean_page, clean_text, furniture, has_prose
from .config import Config
from .errors import DedupIndexError, IngestError, JJFeedError, ParseError, StoreError
from .lock import RunLock
from .model import (
    Article,
    Cleaned,
    Cluster,
    Fetched,
    FetchSettings,
    RunReport,
    Source,
    SourceResult,
    SourceState,
    StoredArticle,
)
from .parse import (
    EMPTY,
    MAX_AUTHOR_CHARS,
    MAX_BODY_CHARS,
    MAX_ENTRIES,
    Parsed,
    plain_tags,
    plain_text,
)
from .store import Store
from .workers import Pending, Workers

log = logging.getLogger(__name__)

DEDUP_WINDOW = timedelta(days=30)
STORY_PARAMS = f"{dedup.STORY_PARAMS}:{story.TERMS_VERSION}"
COVERAGE_LIMIT = 10
_GLOBAL_GUID = re.compile(r"^(https?://|file://|urn:|tag:|sha256:)", re.I)
PARSE_SECONDS = 60.0  # per input (one file, one fetched feed): past this it is rejected
CLEAN_SECONDS = 20.0  # per article: past this the article is skipped
# Local files are read (in a worker) and filed a group at a time, all of a
# folder in one transaction: one big file alone, small ones together, so a
# folder of many small articles is not thousands of hand-offs to the workers.
GROUP_FILES = 64
GROUP_BYTES = 256_000
# Articles cleaned together; the next chunk is cleaned while this one is filed.
PREPARE_CHUNK = 512
_IN_PROCESS = Workers(1)


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
    from_feed = article.raw_kind == "html"
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
        raw="",
    )


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

    @property
    def content_hash(self) -> str:
        return self.hashes.content_hash


def _features(article: Article) -> _Features:
    terms = story.story_terms(article.title, article.text)
    return _Features(dedup.features(article.text), terms, _story_keys(terms))


def _story_keys(terms: frozenset[str]) -> list[int]:
    return dedup.story_keys(terms) if len(terms) >= story.MIN_TERMS else []


@dataclass(frozen=True)
class _Prepared:
    """One article after the CPU-bound stages: cleaned, folded, fingerprinted, hashed."""

    article: Article
    cleaned: Cleaned
    prints: dict[str, int]
    features: _Features
    # What the archive holds for it (None: not looked up, filing looks it up itself).
    found: archive.Found | None = None
    # Warnings about the entry that did not stop it (its text cut to the cap).
    notes: tuple[str, ...] = ()


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
    try:
        with time_limit(CLEAN_SECONDS, f"{article.source}: {article.url or article.guid}"):
            cleaned = _clean_body(article)
            folded = fold_cleaned(article, cleaned, source_tags)
            features = _features(folded)
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
        features = _features(folded)
    found = None
    if query is not None:
        try:
            found = archive.look_up(
                query, folded, features.hashes, features.terms, features.story_keys
            )
        except StoreError as e:  # filing looks it up itself
            log.debug("archive lookup failed, left to filing: %s", e)
    notes = (cut,) if cut else ()
    return _Prepared(folded, cleaned, furniture.block_fingerprints(cleaned), features, found, notes)


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
        yield _furnished(store, source, _kept(ready, warnings, failures), now)
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
        yield _furnished(store, source, _kept(outcomes, warnings, failures), now)


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
    stored = store.furniture_counts(source_name, {fp for p in prepared for fp in p.prints})
    for p in prepared:
        if store.has(p.article.source, p.article.guid):
            continue
        if _mostly_seen(p.prints, stored, batch):
            continue  # a copy of an article counted before: no new evidence
        for fp, words in p.prints.items():
            seen, _ = batch.get(fp, (0, words))
            batch[fp] = (seen + 1, words)
    combined = dict(stored)
    for fp, (n, words) in batch.items():
        combined[fp] = (stored.get(fp, (0, words))[0] + n, words)
    known = furniture.furniture_of(combined)
    if batch:
        store.add_furniture(source_name, batch, now)
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
    if known.isdisjoint(prepared.prints):
        return prepared
    cleaned = furniture.drop_furniture(prepared.cleaned, known)
    if cleaned is prepared.cleaned:
        return prepared
    article, _ = capped(replace(prepared.article, text=cleaned.text, html=cleaned.html))
    return _Prepared(article, cleaned, prepared.prints, _features(article), notes=prepared.notes)


def _clean_body(article: Article) -> Cleaned:
    if article.raw_kind == "text":
        return clean_text(article.raw)
    if article.raw_kind == "page":
        return clean_page(article.raw, article.url)
    return clean_html(article.raw, base_url=article.url)


# -- dedup + store -------------------------------------------------------------


class DuplicateIndex(Protocol):
    """Where a new article's earlier copies are looked up, and where it is filed for later ones.

    The default is the worker's own SQLite store; ``dedup.backend: redis``
    shares one index between workers on several machines. Calls come in
    order: :meth:`verdict` then :meth:`add` for the same article, both
    inside :meth:`deciding`.
    """

    def prepare(self) -> None:
        """Make the index ready for this run (rebuild or check its parameters)."""

    def forget_before(self, before: datetime) -> int:
        """Let go of what was filed before ``before`` (outside every window); how many."""

    def deciding(self) -> AbstractContextManager[None]:
        """Hold whatever keeps another worker from deciding at the same time."""

    def verdict(
        self,
        article: Article,
        guid_key: str | None,
        url_key: str | None,
        since: datetime,
        features: dedup.Features | None = None,
    ) -> dedup.Verdict:
        """The cluster a new article joins and the clusters it shows to be the same.

        ``features`` are the text's hashes when they were computed already.
        """

    def add(self, article_id: int, when: datetime) -> None:
        """File the article just judged, so later copies find it."""

    def resign(
        self,
        article_id: int,
        article: Article,
        cluster: str,
        when: datetime,
        features: dedup.Features | None = None,
    ) -> None:
        """A stored article's text changed: index the new text."""


@dataclass
class _SqliteIndex:
    """The store's exact-key columns and LSH band table: one worker, no server."""

    store: Store
    # Sources with `dedup: false`: their articles are never offered as copies.
    exclude_sources: frozenset[str] = frozenset()
    _pending: tuple[dedup.Signature | None, list[int]] = (None, [])

    def forget_before(self, before: datetime) -> int:
        """Nothing: the store keeps its articles, and lookups are bounded by time."""
        return 0

    def prepare(self) -> None:
        """Rebuild the LSH table when its parameters changed since it was built."""
        if self.store.get_meta("lsh_params") == dedup.LSH_PARAMS:
            return
        with self.store.transaction():
            self.store.clear_bands()
            count = 0
            for stored in self.store.articles():
                self._sign(stored.id, stored.article.text)
                count += 1
            self.store.set_meta("lsh_params", dedup.LSH_PARAMS)
        log.info("dedup index rebuilt for %s (%d articles)", dedup.LSH_PARAMS, count)

    def deciding(self) -> AbstractContextManager[None]:
        return nullcontext()  # the run lock and the source's transaction already serialise

    def verdict(
        self,
        article: Article,
        guid_key: str | None,
        url_key: str | None,
        since: datetime,
        features: dedup.Features | None = None,
        copies: Sequence[tuple[int, dedup.Similarity]] | None = None,
    ) -> dedup.Verdict:
        """The verdict (see :class:`DuplicateIndex`).

        ``copies``: the LSH candidates the exact check already called copies
        (see :mod:`jjfeed.archive`); looked up here when None.
        """
        features = features or dedup.features(article.text)
        short_key = dedup.short_text_key(article.text)
        matches = [
            dedup.Match(cluster, rule, 1.0, article_id)
            for rule, article_id, cluster in self.store.exact_matches(
                guid_key, url_key, features.hash_key or short_key, self.exclude_sources
            )
        ]
        sig, keys = self._pending = features.signature, features.lsh_keys
        if copies is None and keys:
            candidates = self.store.candidate_rows(self.store.band_candidates(keys, since=since))
            texts = {
                i: text
                for i, (source, _, text) in candidates.items()
                if source not in self.exclude_sources
            }
            copies = dedup.similar_among(article.text, texts)
        if copies:
            clusters = self.store.clusters_of_articles([i for i, _ in copies])
            for i, sim in copies:
                matches.append(dedup.Match(clusters[i], sim.rule or "jaccard", sim.score, i))
        matches = self._admissible(article, matches, short=short_key is not None)
        if not matches:
            return dedup.Verdict("new", dedup.new_cluster_id(article.source, article.guid))
        # An article that is a copy of two clusters shows they are one, unless a
        # person split them apart (`jjfeed dupes split`).
        created = self.store.cluster_created({m.cluster for m in matches})
        return dedup.decide(matches, created, self._apart())

    def _admissible(
        self, article: Article, matches: list[dedup.Match], *, short: bool
    ) -> list[dedup.Match]:
        """The matches :func:`dedup.admissible` accepts, given who published what."""
        facts = self.store.sources_and_titles(m.article for m in matches if m.article is not None)
        headline = dedup.has_headline(article.title, article.text)
        kept = []
        for m in matches:
            source, title = facts.get(m.article, ("", "")) if m.article is not None else ("", "")
            if dedup.admissible(
                m,
                same_source=source == article.source,
                titles_match=dedup.same_title(title, article.title),
                short=short,
                headline=headline,
                titles_related=dedup.related_titles(title, article.title),
            ):
                kept.append(m)
        return kept

    def _apart(self) -> list[frozenset[str]]:
        """Pairs of live clusters that splits keep apart: a split article's and its old one's."""
        pairs = []
        for split in self.store.overrides("split"):
            article_id = split["article"]
            assert isinstance(article_id, int)
            current = self.store.clusters_of([article_id])
            old = self.store.resolve_cluster(str(split["a"]))
            if current and old is not None:
                pairs.append(frozenset({current.pop(), old}))
        return pairs

    def file_aside(self, article_id: int, features: dedup.Features) -> None:
        """Index an article that was not compared (`dedup: false`), so the index stays whole.

        The verdict leaves its source out while the setting holds; if it is
        turned back on, the article is a candidate like any other.
        """
        self._sign(article_id, "", features)

    def add(self, article_id: int, when: datetime) -> None:
        (sig, keys), self._pending = self._pending, (None, [])
        if sig is not None:
            self.store.put_signature(article_id, sig)
            self.store.put_bands(article_id, keys, new=True)

    def resign(
        self,
        article_id: int,
        article: Article,
        cluster: str,
        when: datetime,
        features: dedup.Features | None = None,
    ) -> None:
        self._sign(article_id, article.text, features)

    def _sign(self, article_id: int, text: str, features: dedup.Features | None = None) -> None:
        sig, keys = (features.signature, features.lsh_keys) if features else dedup.lsh_keys(text)
        if sig is not None:
            self.store.put_signature(article_id, sig)
        self.store.put_bands(article_id, keys)


@dataclass(frozen=True)
class _StoryJoin:
    """The story a new cluster joins and the evidence: ``jjfeed dupes`` shows it.

    ``link`` is the average link over the story's members in the window
    (what :func:`story.choose_story` compared), ``links`` how many members
    LSH proposed and scored above zero, ``best_article`` the closest one.
    """

    story: str
    link: float
    links: int
    best_article: int
    best: float


@dataclass
class _Deduper:
    """Files each new article into a cluster, using a duplicate index (the store's by default)."""

    store: Store
    now: datetime
    window: timedelta = DEDUP_WINDOW
    story_window: timedelta = story.WINDOW
    max_entries: int = MAX_ENTRIES
    index: DuplicateIndex | None = None
    workers: Workers = _IN_PROCESS  # the run's process pool for cleaning and parsing
    # Sources with `dedup: false`: each article its own cluster, never a candidate.
    no_dedup: frozenset[str] = frozenset()
    # What this run filed, for lookups made on an older snapshot (see jjfeed.archive).
    run: archive.RunIndex = field(default_factory=archive.RunIndex)
    _in_unit: bool = field(default=False, init=False, repr=False)
    # Source names feed files took in this run, and the file each belongs to.
    _feed_names: dict[str, str] = field(default_factory=dict, init=False, repr=False)

    def claim_names(self, read: _Read, default: str) -> _Read:
        """Feed files that share a title stay apart: the second is "Title (file name)".

        A feed file's source is its title (see :func:`feed_source_name`), but
        one site's Atom and JSON feeds, or many test feeds, share one; as one
        source their entries would overwrite each other's by id.
        """
        renames: dict[tuple[str, str], str] = {}
        for article in _articles_of(read):
            key = (article.source, article.origin)
            if article.source == default or not article.origin or key in renames:
                continue
            owner = self._feed_names.setdefault(article.source, article.origin)
            name = article.source
            if owner != article.origin:
                name = f"{article.source} ({Path(article.origin).name})"
                self._feed_names.setdefault(name, article.origin)
            renames[key] = name
        if all(old == new for (old, _), new in renames.items()):
            return read
        return _renamed(read, renames)

    def __post_init__(self) -> None:
        if self.index is None:
            self.index = _SqliteIndex(self.store, self.no_dedup)

    @property
    def query(self) -> archive.Query | None:
        """How the workers look this run's articles up in the archive (None: filing does)."""
        if str(self.store.path) == ":memory:":
            return None  # no second connection can see it
        return archive.Query(
            self.store.path,
            self.now,
            self.now - self.window,
            self.story_window,
            self.no_dedup,
            copies=isinstance(self.index, _SqliteIndex),
        )

    @contextmanager
    def unit(self) -> Iterator[None]:
        """One source's filing: the store's transaction, and what the run index learns with it.

        A unit inside a unit is part of it (a folder is filed a group of files at a time).
        """
        if self._in_unit:
            yield
            return
        self._in_unit = True
        try:
            with self._unit():
                yield
        finally:
            self._in_unit = False

    @contextmanager
    def _unit(self) -> Iterator[None]:
        self.run.begin()
        try:
            with self.store.transaction():
                yield
        except BaseException:
            self.run.rollback()
            raise
        self.run.commit()

    @property
    def duplicates(self) -> DuplicateIndex:
        assert self.index is not None
        return self.index

    def prepare(self) -> None:
        """Make the duplicate index ready; rebuild the story table if its parameters changed."""
        if not isinstance(self.index, _SqliteIndex):
            # The local band table is not kept up to date meanwhile: rebuild it if the
            # SQLite backend comes back.
            self.store.set_meta("lsh_params", "off")
        self.duplicates.prepare()
        forgotten = self.duplicates.forget_before(self.now - self.window)
        if forgotten:
            log.info("dedup index: forgot %d articles filed before the window", forgotten)
        self._prepare_stories()

    def _prepare_stories(self) -> None:
        if self.store.get_meta("story_params") == STORY_PARAMS:
            return
        with self.store.transaction():
            self.store.clear_story_terms()
            count = 0
            for stored in self.store.articles():
                self._put_story_terms(stored.id, stored.article, stored.fetched_at)
                count += 1
            self.store.set_meta("story_params", STORY_PARAMS)
        log.info("story index rebuilt for %s (%d articles)", STORY_PARAMS, count)

    def file(
        self,
        article: Article,
        priority: int,
        features: _Features | None = None,
        found: archive.Found | None = None,
    ) -> str:
        """Store one cleaned article; return "new", "duplicate", "updated" or "unchanged".

        ``features`` are the article's precomputed hashes (see :func:`_features`);
        ``found``, what a worker found for it in the archive (see :mod:`jjfeed.archive`).
        """
        features = features or _features(article)
        url_key = dedup.canonical_url(article.url) if article.link_is_id else None
        existing = self.store.get(article.source, article.guid)
        if existing is not None:
            return self._refile(existing, article, priority, url_key, features)
        if article.source in self.no_dedup:
            return self._file_alone(article, priority, url_key, features, found)
        guid_key = article.guid if article.guid_is_id and _GLOBAL_GUID.match(article.guid) else None
        with self.duplicates.deciding():
            verdict = self._verdict(article, guid_key, url_key, features, found)
            status, cluster = verdict.status, verdict.cluster
            # A cluster another worker founded is new to this store (no-op otherwise).
            self.store.create_cluster(cluster, self.now)
            if status == "duplicate":
                if verdict.merged:  # their stories fold into the survivor's: snapshots lag
                    survivor_story = self.store.story_of(cluster)
                    for other in verdict.merged:
                        self.run.rename_story(self.store.story_of(other), survivor_story)
                self.store.merge_clusters(cluster, verdict.merged, self.now)
            article_id = self.store.insert(
                article,
                canonical_url=url_key,
                content_hash=features.content_hash,
                cluster=cluster,
                priority=priority,
                when=self.now,
            )
            self.duplicates.add(article_id, self.now)
            self._remember(article_id, article, self.now, features)
            if status == "duplicate" and verdict.rule is not None:
                self.store.put_dedup_reason(
                    article_id, verdict.rule, verdict.similarity, verdict.matched, self.now
                )
        if status == "new":
            self._join_story(cluster, article_id, article, features, found)
        self._put_story_terms(article_id, article, self.now, features, new=True)
        return status

    def _verdict(
        self,
        article: Article,
        guid_key: str | None,
        url_key: str | None,
        features: _Features,
        found: archive.Found | None,
    ) -> dedup.Verdict:
        """The duplicate index's verdict; with the SQLite index, from what the worker found."""
        since = self.now - self.window
        if isinstance(self.index, _SqliteIndex) and found is not None and found.copies is not None:
            copies = [c for c in found.copies if not self.run.answers_for(c[0])]
            copies += self.run.copies(found.upto, features.hashes, since, self.no_dedup)
            return self.index.verdict(article, guid_key, url_key, since, features.hashes, copies)
        return self.duplicates.verdict(article, guid_key, url_key, since, features.hashes)

    def _refile(
        self,
        existing: StoredArticle,
        article: Article,
        priority: int,
        url_key: str | None,
        features: _Features,
    ) -> str:
        """An entry stored before: "unchanged", or its new content stored ("updated")."""
        if (
            existing.content_hash == features.content_hash
            and existing.article.title == article.title
        ):
            return "unchanged"
        self.store.replace_content(
            existing.id,
            article,
            canonical_url=url_key,
            content_hash=features.content_hash,
            priority=priority,
        )
        # A `dedup: false` source stays out of a shared index, even when it edits an article.
        if article.source not in self.no_dedup or isinstance(self.index, _SqliteIndex):
            with self.duplicates.deciding():
                self.duplicates.resign(
                    existing.id, article, existing.cluster, self.now, features.hashes
                )
        self._remember(existing.id, article, existing.fetched_at, features, changed=True)
        self._put_story_terms(existing.id, article, existing.fetched_at, features)
        self.store.touch_cluster(existing.cluster, self.now)
        return "updated"

    def file_isolated(
        self,
        article: Article,
        priority: int,
        features: _Features | None = None,
        found: archive.Found | None = None,
    ) -> str | EntryFailed:
        """:meth:`file`, where a fault of this one entry fails only the entry.

        Its writes are undone (a savepoint in the store, a mark in the run
        index) and an :class:`EntryFailed` says why; the faults of the run
        itself (the store, the shared index) still end the unit.
        """
        mark = self.run.mark()
        try:
            with self.store.savepoint():
                return self.file(article, priority, features, found)
        except (StoreError, DedupIndexError):
            raise
        except Exception as e:  # noqa: BLE001  (one entry's fault fails that entry)
            log.debug("filing failed", exc_info=True)
            self.run.rollback_to(mark)
            return EntryFailed(f"{entry_name(article)} failed in filing: {type(e).__name__}: {e}")

    def _file_alone(
        self,
        article: Article,
        priority: int,
        url_key: str | None,
        features: _Features,
        found: archive.Found | None = None,
    ) -> str:
        """File an article of a `dedup: false` source: a cluster of its own, never compared.

        It still joins a story: the setting is about merging copies, and
        other outlets' coverage of the same news is still worth listing.
        """
        cluster = dedup.new_cluster_id(article.source, article.guid)
        self.store.create_cluster(cluster, self.now)
        article_id = self.store.insert(
            article,
            canonical_url=url_key,
            content_hash=features.content_hash,
            cluster=cluster,
            priority=priority,
            when=self.now,
        )
        if isinstance(self.index, _SqliteIndex):  # the shared Redis index never sees it
            self.index.file_aside(article_id, features.hashes)
        self._remember(article_id, article, self.now, features)
        self._join_story(cluster, article_id, article, features, found)
        self._put_story_terms(article_id, article, self.now, features, new=True)
        return "new"

    def _remember(
        self,
        article_id: int,
        article: Article,
        first_seen: datetime,
        features: _Features,
        changed: bool = False,
    ) -> None:
        """Tell the run index what was filed (the SQLite index's bands too)."""
        indexed = isinstance(self.index, _SqliteIndex)
        self.run.file(
            article_id,
            article.source,
            first_seen,
            features.hashes,
            changed=changed,
            indexed=indexed,
        )

    def _join_story(
        self,
        cluster: str,
        article_id: int,
        article: Article,
        features: _Features,
        found: archive.Found | None = None,
    ) -> None:
        """Put a new cluster into the story its first article belongs to, and say why."""
        joined = self._find_story(article, features, found)
        if joined is None:
            return
        self.store.set_story(cluster, joined.story)
        self.store.put_story_reason(
            cluster,
            joined.story,
            article_id,
            joined.link,
            joined.links,
            joined.best_article,
            joined.best,
            self.now,
        )

    def _story_date(self, article: Article, first_seen: datetime) -> datetime:
        return archive.story_date(article, first_seen)

    def _cousins(
        self, features: _Features, found: archive.Found | None, start: datetime, end: datetime
    ) -> list[tuple[int, str, float]]:
        """``(article, story, similarity)`` of the story candidates with a similarity above 0."""
        terms = features.terms
        if found is None:
            candidates = self.store.story_candidates(
                features.story_keys,
                start,
                end,
                per_key=archive.STORY_PER_KEY,
                min_shared=story.MIN_SHARED_KEYS,
            )
            scored = (
                (i, sid, story.story_similarity(terms, other)) for i, sid, other in candidates
            )
            return [(i, sid, sim) for i, sid, sim in scored if sim > 0]
        # The snapshot's stories, renamed by this run's merges; the run's own from the store.
        found_here = self.run.cousins(found.upto, terms, features.story_keys, start, end)
        stories = self.store.stories_of_articles([i for i, _ in found_here])
        cousins = [
            (i, self.run.story(sid), sim)
            for i, sid, sim in found.cousins
            if not self.run.answers_for(i)
        ]
        cousins += [(i, stories[i], sim) for i, sim in found_here if i in stories]
        return sorted(cousins)

    def _find_story(
        self, article: Article, features: _Features, found: archive.Found | None = None
    ) -> _StoryJoin | None:
        """The existing story a new article's cluster joins, if any (see :mod:`jjfeed.story`)."""
        if len(features.terms) < story.MIN_TERMS:
            return None
        at = self._story_date(article, self.now)
        start, end = at - self.story_window, at + self.story_window
        similarities: dict[str, list[float]] = {}
        best: dict[str, tuple[float, int]] = {}
        cousins = self._cousins(features, found, start, end)
        sources = self.store.sources_and_titles(i for i, _, _ in cousins)
        for other_id, sid, sim in cousins:
            other_source = sources.get(other_id, ("", ""))[0]
            sim = story.member_similarity(sim, other_source == article.source)
            if sim <= 0:
                continue
            similarities.setdefault(sid, []).append(sim)
            if sim > best.get(sid, (0.0, 0))[0]:
                best[sid] = (sim, other_id)
        # Only a story the article has enough evidence for can be joined; the
        # others need no size (the one query here that grows with a story).
        similarities = {
            sid: sims for sid, sims in similarities.items() if sum(sims) >= story.STORY_EVIDENCE
        }
        sizes = self.store.story_sizes(similarities, start, end)
        chosen = story.choose_story(similarities, sizes)
        if chosen is None:
            return None
        top, top_article = best[chosen]
        link = story.story_link(similarities[chosen], sizes.get(chosen, 0))
        return _StoryJoin(chosen, link, len(similarities[chosen]), top_article, top)

    def _put_story_terms(
        self,
        article_id: int,
        article: Article,
        first_seen: datetime,
        features: _Features | None = None,
        *,
        new: bool = False,
    ) -> None:
        """Store an article's story terms and keys (``new``: it has none yet)."""
        if features is None:
            terms = story.story_terms(article.title, article.text)
            keys = _story_keys(terms)
        else:
            terms, keys = features.terms, features.story_keys
        at = self._story_date(article, first_seen)
        self.store.put_story_terms(article_id, at, terms, keys, new=new)
        self.run.file_story(article_id, at, terms, keys)


# -- reading sources -----------------------------------------------------------


def _parsed_from_fetch(
    fetched: Fetched, *, feeds_only: bool = False, max_entries: int = MAX_ENTRIES
) -> Parsed:
    """Articles from fetched bytes; a configured feed source must really be a feed."""
    headers = dict(fetched.headers)
    if feeds_only and ingest.detect_kind(fetched.content, fetched.header("content-type")) != "feed":
        raise ParseError(f"{fetched.url}: not a feed (got an HTML page or plain text)")
    try:
        with time_limit(PARSE_SECONDS, fetched.url):
            return ingest.articles_from_bytes(
                fetched.content,
                source=fetched.source.name,
                location=fetched.url,
                url=fetched.url,
                guid=fetched.url,
                headers=headers,
                max_entries=max_entries,
            )
    except (IngestError, StageTimeout) as e:
        raise ParseError(f"{fetched.source.name}: {e}") from e


@dataclass
class _Tally:
    """What became of each local file: read, read with warnings, or rejected (one line each)."""

    read: int = 0
    warned: int = 0
    rejected: list[str] = field(default_factory=list)

    def count(self, outcome: Parsed | str, warnings: list[str]) -> Parsed | None:
        """Count one file's outcome (what it parsed to, or why it was rejected)."""
        if isinstance(outcome, str):
            self.rejected.append(outcome)
            warnings.append(f"rejected {outcome}")
            return None
        self.read += 1
        self.warned += bool(outcome.warnings)
        warnings.extend(outcome.warnings)
        return outcome

    def into(self, result: SourceResult) -> SourceResult:
        return replace(
            result, files=self.read, files_warned=self.warned, files_rejected=len(self.rejected)
        )


def _groups(
    inputs: Iterable[ingest.Input | IngestError],
) -> Iterator[tuple[list[ingest.Input | str], int]]:
    """Local files in groups of up to GROUP_FILES files or GROUP_BYTES bytes, with their size.

    A file that could not be read stays in its place as the line that rejects it.
    """
    group: list[ingest.Input | str] = []
    size = 0
    for item in inputs:
        if isinstance(item, IngestError):
            group.append(str(item))
        else:
            group.append(item)
            size += len(item.data)
        if len(group) >= GROUP_FILES or size >= GROUP_BYTES:
            yield group, size
            group, size = [], 0
    if group:
        yield group, size


def _read_group(
    job: tuple[
        tuple[ingest.Input | str, ...], str, int, tuple[str, ...], archive.Query | None, int, bool
    ],
) -> tuple[list[Parsed | str], _Read | None]:
    """Parse and clean a group of local files. Runs in a worker process too.

    Returns what became of each file (its parse without the articles, or
    the line that rejects it) and the group's articles, read as one input.
    """
    items, source_name, max_entries, tags, query, limit, per_feed = job
    outcomes: list[Parsed | str] = []
    articles: list[Article] = []
    for item in items:
        outcome = (
            item
            if isinstance(item, str)
            else _parse_input((item, source_name, max_entries, per_feed))
        )
        if isinstance(outcome, Parsed):
            articles.extend(outcome.articles)
            outcome = replace(outcome, articles=())
        outcomes.append(outcome)
    if not any(isinstance(o, Parsed) for o in outcomes):
        return outcomes, None
    return outcomes, _read_from(Parsed(tuple(articles)), tags, query, limit)


def _file_local(
    deduper: _Deduper, source: Source, location: str, *, per_feed: bool | None = None
) -> SourceResult:
    """Read and file a local source (a file or a folder) in one transaction.

    The workers read the next groups of files while one is filed. It is all
    one transaction: a folder lands whole or not at all, and its articles
    are compared with one another from the run index, in memory (lookups
    in the store are dearer: per group transactions cost 13% more CPU on
    the pipeline benchmark). The result sums the groups.
    """
    tally, warnings = _Tally(), list[str]()
    try:
        filed = _read_and_file(
            deduper, source, location, Path(location).is_dir() if per_feed is None else per_feed,
            lambda outcome: tally.count(outcome, warnings), warnings,
        )  # fmt: skip
    except DedupIndexError:
        raise
    except JJFeedError as e:
        return SourceResult(source.name, "failed", warnings=tuple(warnings), error=str(e))
    if tally.read == 0:
        error = next(iter(tally.rejected), f"{location}: nothing to read")
        return tally.into(
            SourceResult(source.name, "failed", warnings=tuple(warnings), error=error)
        )
    return tally.into(_summed(SourceResult(source.name, "ok", warnings=tuple(warnings)), filed))


def _read_and_file(
    deduper: _Deduper,
    source: Source,
    location: str,
    per_feed: bool,
    count: Callable[[Parsed | str], object],
    warnings: list[str],
) -> list[SourceResult]:
    """The groups of files at ``location``, read in the workers ahead and filed in one unit."""
    filed: list[SourceResult] = []
    ahead: deque[Pending[tuple[list[Parsed | str], _Read | None]]] = deque()

    def file_next() -> None:
        outcomes, read = ahead.popleft().result()[0]
        for outcome in outcomes:
            count(outcome)
        if read is not None:
            filed.append(_process_read(deduper, source, deduper.claim_names(read, source.name)))
            warnings.extend(filed[-1].warnings)

    with deduper.unit():
        for group, size in _groups(ingest.iter_inputs([location])):
            job = (
                tuple(group),
                source.name,
                deduper.max_entries,
                tuple(source.tags),
                deduper.query,
                PREPARE_CHUNK,
                per_feed,
            )
            ahead.append(deduper.workers.submit_job(_read_group, job, size=size))
            if len(ahead) > _ahead_depth(deduper.workers):
                file_next()
        while ahead:
            file_next()
    return filed


def _summed(total: SourceResult, parts: Sequence[SourceResult]) -> SourceResult:
    """``total`` with the counts of ``parts`` (the groups of one local source) added."""
    return replace(
        total,
        new=total.new + sum(p.new for p in parts),
        duplicates=total.duplicates + sum(p.duplicates for p in parts),
        updated=total.updated + sum(p.updated for p in parts),
        failed=total.failed + sum(p.failed for p in parts),
    )


def _parse_input(job: tuple[ingest.Input, str, int, bool]) -> Parsed | str:
    """Parse one local input; the error line if it cannot be. Runs in a worker process too.

    ``per_feed``: a feed file is a source in its own right, named by its
    title (or its file name), not by the folder it lies in.
    """
    item, source_name, max_entries, per_feed = job
    guid = item.path.resolve().as_uri() if item.path is not None else None
    try:
        with time_limit(PARSE_SECONDS, item.location):
            parsed = ingest.articles_from_bytes(
                item.data,
                source=source_name,
                location=item.location,
                guid=guid,
                max_entries=max_entries,
            )
    except JJFeedError as e:
        return str(e)
    if not (per_feed and parsed.feed):
        return parsed
    name = feed_source_name(parsed.title, item.location)
    return replace(parsed, articles=tuple(replace(a, source=name) for a in parsed.articles))


def feed_source_name(title: str | None, location: str) -> str:
    """What a feed file is called as a source: its title, else its file name."""
    name = " ".join((title or "").split())[:100]
    return name or Path(location).name or location


# -- reading ahead ---------------------------------------------------------------
#
# A run files one source at a time, in one process (the store has one
# writer). Meanwhile the worker processes read the next few sources: parse
# them and clean their articles, so a run of many small feeds keeps every
# core busy, not only a run with one big feed.


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


def _read_from(
    parsed: Parsed, tags: tuple[str, ...], query: archive.Query | None, limit: int
) -> _Read:
    """Clean the articles here when there are at most ``limit`` (the run's PREPARE_CHUNK)."""
    if len(parsed.articles) > limit:
        return _Read(parsed, None)
    prepared = [_prepare((a, tags, query)) for a in parsed.articles]
    return _Read(replace(parsed, articles=()), prepared)


def _read_fetched(job: tuple[Fetched, bool, int, archive.Query | None, int]) -> _Read | str:
    """Parse and clean one fetched source; the error line instead if it cannot be parsed.

    Top-level and pure, so a worker process can run it.
    """
    fetched, feeds_only, max_entries, query, limit = job
    try:
        parsed = _parsed_from_fetch(fetched, feeds_only=feeds_only, max_entries=max_entries)
    except ParseError as e:
        return str(e)
    return _read_from(parsed, tuple(fetched.source.tags), query, limit)


def _read_input(
    job: tuple[ingest.Input, str, int, tuple[str, ...], archive.Query | None, int, bool],
) -> _Read | str:
    """Parse and clean one local input; the line that rejects it if it cannot be parsed."""
    item, source_name, max_entries, tags, query, limit, per_feed = job
    outcome = _parse_input((item, source_name, max_entries, per_feed))
    return outcome if isinstance(outcome, str) else _read_from(outcome, tags, query, limit)


def _read_fetched_ahead(
    deduper: _Deduper, fetched: Fetched, *, feeds_only: bool
) -> Pending[_Read | str]:
    job = (fetched, feeds_only, deduper.max_entries, deduper.query, PREPARE_CHUNK)
    return deduper.workers.submit_job(_read_fetched, job, size=len(fetched.content))


def _process_read(
    deduper: _Deduper, source: Source, read: _Read, events: RunEvents | None = None
) -> SourceResult:
    """File what a worker read (see :func:`_process`)."""
    articles, warnings = list(read.parsed.articles), list(read.parsed.warnings)
    return _process(deduper, source, articles, warnings, events, read.prepared)


def _ahead_depth(workers: Workers) -> int:
    """Sources read ahead of the one being filed: enough to keep every worker busy."""
    return 2 * workers.processes


def _process(
    deduper: _Deduper,
    source: Source,
    articles: list[Article],
    warnings: list[str],
    events: RunEvents | None = None,
    ready: Sequence[_Prepared | EntryFailed] | None = None,
) -> SourceResult:
    """Clean, dedup and store one source's articles in one transaction.

    ``ready``: the articles already cleaned (``articles`` is then unused).
    """
    counts = {"new": 0, "duplicate": 0, "updated": 0, "unchanged": 0}
    failures: list[str] = []
    if events is not None:
        events.articles_found(len(ready) if ready is not None else len(articles))
    with deduper.unit():
        for chunk in _prepare_batches(
            deduper.store,
            source,
            articles,
            deduper.now,
            warnings,
            deduper.workers,
            ready,
            deduper.query,
            failures,
        ):
            for p in chunk:
                article = believable_dates(p.article, deduper.now)
                status = deduper.file_isolated(article, source.priority, p.features, p.found)
                if isinstance(status, EntryFailed):
                    warnings.append(status.message)
                    failures.append(status.message)
                else:
                    counts[status] += 1
                if events is not None:
                    events.article_done()
    return SourceResult(
        source.name,
        "ok",
        new=counts["new"],
        duplicates=counts["duplicate"],
        updated=counts["updated"],
        failed=len(failures),
        warnings=tuple(warnings),
    )


# -- publishing ----------------------------------------------------------------


def load_clusters(store: Store, limit: int, group: str = "cluster") -> list[Cluster]:
    """The feed's entries: one per duplicate cluster (default) or one per story.

    Each entry carries the other write-ups of its story as ``coverage``
    ("Also covered by"); its ``updated`` moves when that coverage grows.
    """
    if group == "story":
        return _load_stories(store, limit)
    rows = store.recent_clusters(limit)
    loaded = {cid: members for cid, _, members, _ in rows}
    stories = store.story_clusters({sid for *_, sid in rows})
    times = store.cluster_times(c for cids in stories.values() for c in cids)
    clusters = []
    for cid, changed, members, sid in rows:
        others = [c for c in stories.get(sid, []) if c != cid][:COVERAGE_LIMIT]
        coverage = []
        for other in others:
            other_members = loaded.get(other) or store.cluster_members(other)
            if other_members:
                coverage.append(dedup.representative(other_members))
        changed = entry_changed(changed, times.get(cid), [times[o] for o in others if o in times])
        rep = dedup.representative(members)
        clusters.append(
            Cluster(
                cid,
                tuple(members),
                rep,
                changed or rep.fetched_at,
                story=sid,
                coverage=tuple(coverage),
                changed=changed,
            )
        )
    return clusters


def entry_changed(
    changed: datetime | None,
    own: tuple[datetime, datetime] | None,
    others: Sequence[tuple[datetime, datetime]],
) -> datetime | None:
    """When an entry last changed after jjfeed first published it, or None if it never did.

    ``changed`` is when a run last changed the cluster itself; ``own`` and
    ``others`` are ``(created, updated)`` of it and of the other clusters of
    its story: one created later grew the entry's "Also covered by".
    """
    if own is None:
        return changed
    later = [created for created, _ in others if created > own[0]]
    return max([*later, *([changed] if changed else [])], default=None)


def _load_stories(store: Store, limit: int) -> list[Cluster]:
    """One entry per story: its representative write-up, the others as coverage."""
    entries = []
    recent = store.recent_stories(limit)
    stories = store.story_clusters(sid for sid, _ in recent)
    times = store.cluster_times(c for cids in stories.values() for c in cids)
    for sid, _ in recent:
        cids = [c for c in stories.get(sid, []) if store.cluster_members(c)]
        groups = [store.cluster_members(c) for c in cids]
        if not groups:
            continue
        reps = [dedup.representative(members) for members in groups]
        lead = dedup.representative(reps)
        lead_cluster = cids[reps.index(lead)]
        members = groups[reps.index(lead)]
        coverage = tuple(r for r in reps if r is not lead)[:COVERAGE_LIMIT]
        own = times.get(lead_cluster)
        changed = entry_changed(
            own[1] if own and own[1] > own[0] else None,
            own,
            [times[c] for c in cids if c != lead_cluster and c in times],
        )
        entries.append(
            Cluster(
                sid,
                tuple(members),
                lead,
                changed or lead.fetched_at,
                story=sid,
                coverage=coverage,
                changed=changed,
            )
        )
    return entries


def _publish(store: Store, config: Config) -> tuple[tuple[Path, ...], int]:
    clusters = load_clusters(store, publish.window(config.feed, config.outputs), config.group)
    clusters = tag.tag_clusters(clusters, config.tagging)
    done = publish.publish_outputs(
        clusters, config.feed, config.outputs, config.output, config.sources
    )
    for warning in done.warnings:
        log.warning("%s", warning)
    return done.paths, done.entries


# -- the commands ----------------------------------------------------------------


class RunEvents:
    """What a run tells whoever watches it (the CLI's progress bars); no-ops here."""

    def sources(self, total: int) -> None:
        """The run will report on ``total`` sources."""

    def source_done(self, result: SourceResult) -> None:
        """One source is finished (fetched and processed, skipped or failed)."""

    def articles_found(self, count: int) -> None:
        """``count`` more articles are about to be processed."""

    def article_done(self) -> None:
        """One article was cleaned, compared and stored."""


def no_dedup(config: Config) -> frozenset[str]:
    """The sources whose articles are never merged as duplicates (`dedup: false`)."""
    return frozenset(s.name for s in config.sources if not s.dedup)


def in_shard(name: str, shard: tuple[int, int]) -> bool:
    """Whether source ``name`` belongs to shard ``i`` of ``n`` (1-based: ``(1, 2)``, ``(2, 2)``).

    SHA-1 of the name, not ``hash()``: every worker, on every machine and
    Python, must agree on who owns a source.
    """
    i, n = shard
    digest = hashlib.sha1(name.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % n == i - 1


@contextmanager
def _duplicate_index(config: Config, store: Store) -> Iterator[DuplicateIndex]:
    """The index feeds.yaml asks for: the store's own, or the Redis one workers share."""
    if config.dedup_backend != "redis":
        yield _SqliteIndex(store, no_dedup(config))
        return
    assert config.redis_url is not None
    try:
        from .dedup.redis_index import RedisIndex
    except ImportError as e:  # the client is an extra: most users run one worker
        raise DedupIndexError(
            f"{config.path}: dedup.backend: redis needs the redis client "
            f"(pip install 'jjfeed[redis]'): {e}"
        ) from e
    with RedisIndex(config.redis_url, config.redis_namespace) as index:
        yield index


@contextmanager
def _filing(config: Config, now: datetime, lock_wait: float) -> Iterator[_Deduper]:
    """What a run or an ingest files articles with: the lock, the store, the index, the pool."""
    archive.forget_reader()  # what this process read for an earlier run is stale
    with (
        RunLock(config.database, wait=lock_wait),
        Store(config.database) as store,
        _duplicate_index(config, store) as index,
        Workers(config.processes) as workers,
    ):
        deduper = _Deduper(
            store,
            now,
            config.window,
            config.story_window,
            config.max_entries,
            index,
            workers,
            no_dedup(config),
        )
        deduper.prepare()
        yield deduper


def run(
    config: Config,
    *,
    now: datetime | None = None,
    events: RunEvents | None = None,
    rng: random.Random | None = None,
    shard: tuple[int, int] | None = None,
) -> RunReport:
    """The cron job: every configured source that is due, then one publish.

    Remote sources are fetched in the background (see :func:`fetch.fetch_all`)
    while local ones are read; each fetched source is processed as soon as
    it and those before it in line have arrived. With ``shard=(i, n)`` only
    the sources :func:`in_shard` gives to worker ``i`` of ``n`` are run.
    """
    now = now or datetime.now(UTC)
    events = events or RunEvents()
    rng = rng or random.Random()
    settings = config.fetch
    config = _sharded(config, shard)
    with _filing(config, now, lock_wait=0) as deduper:
        store = deduper.store
        events.sources(len(config.sources))
        results: dict[str, SourceResult] = {}

        def done(result: SourceResult) -> None:
            results[result.source] = result
            _log_result(result)
            events.source_done(result)

        remote = [s for s in config.sources if s.url is not None]
        states = {s.name: schedule.state_for(s, store.get_source(s.name)) for s in remote}
        due = []
        for source in remote:
            reason = schedule.skip_reason(states[source.name], now)
            if reason is None:
                due.append(source)
            else:
                next_attempt = states[source.name].next_attempt
                done(SourceResult(source.name, "skipped", note=reason, next_attempt=next_attempt))
        order = schedule.fetch_order([states[s.name] for s in due])
        jobs = [
            fetch.Job(due[i], schedule.fetch_url(due[i], states[due[i].name]), states[due[i].name].validators)
            for i in order
        ]  # fmt: skip
        with fetch.fetch_all(
            jobs, settings=settings, deadline=time.monotonic() + settings.time_budget
        ) as fetching:
            for source in config.sources:
                if source.url is None:
                    result = _run_local(deduper, source)
                    done(_record_local(store, source, result, now, settings.alert_after))
            for fetched, read in _read_ahead(deduper, fetching):
                state = states[fetched.source.name]
                done(_run_remote(deduper, fetched, read, state, now, settings, rng, events))
        report = tuple(results[s.name] for s in config.sources)
        if report and all(r.status == "failed" for r in report):
            return RunReport(report)
        paths, entries = _publish(store, config)
        return RunReport(report, paths, entries)


def _sharded(config: Config, shard: tuple[int, int] | None) -> Config:
    """The sources of worker ``i`` of ``n`` (``shard=(i, n)``), or all of them."""
    if shard is None:
        return config
    if config.dedup_backend != "redis":
        log.warning("--shard without dedup.backend: redis: copies across shards are missed")
    return replace(config, sources=tuple(s for s in config.sources if in_shard(s.name, shard)))


def _read_ahead(
    deduper: _Deduper, fetching: Iterable[Fetched]
) -> Iterator[tuple[Fetched, _Read | str | None]]:
    """Each fetched source with its reading, the next ones read in the workers meanwhile."""
    ahead: deque[tuple[Fetched, Pending[_Read | str] | None]] = deque()
    for fetched in fetching:
        wanted = fetched.ok and not fetched.not_modified
        reading = _read_fetched_ahead(deduper, fetched, feeds_only=True) if wanted else None
        ahead.append((fetched, reading))
        if len(ahead) > _ahead_depth(deduper.workers):
            done, pending = ahead.popleft()
            yield done, pending.result()[0] if pending is not None else None
    while ahead:
        done, pending = ahead.popleft()
        yield done, pending.result()[0] if pending is not None else None


def _run_remote(
    deduper: _Deduper,
    fetched: Fetched,
    read: _Read | str | None,
    state: SourceState,
    now: datetime,
    settings: FetchSettings,
    rng: random.Random,
    events: RunEvents | None = None,
) -> SourceResult:
    """File one fetched source and store what its outcome does to its schedule.

    ``read`` is what the workers made of its content (None when there was
    none: an error or a 304), or the line that says why it is not a feed.
    """
    source, store = fetched.source, deduper.store
    if fetched.error_kind == "budget":
        return SourceResult(source.name, "skipped", note=fetched.error, error_kind="budget")
    if not fetched.ok:
        error = f"{fetched.url}: {fetched.error}"
        decision = schedule.failed(
            state, fetched.error_kind or "http", str(fetched.error), now, settings, rng, fetched
        )
        return _failed(store, source, decision, error)
    result = SourceResult(source.name, "not_modified")
    if not fetched.not_modified:
        try:
            if isinstance(read, str):
                raise ParseError(read)
            assert read is not None
            result = _process_read(deduper, source, read, events)
        except DedupIndexError:
            raise  # not the source's fault: the run stops, the source is not backed off
        except JJFeedError as e:
            decision = schedule.failed(state, "parse", str(e), now, settings, rng, fetched)
            return _failed(store, source, decision, str(e))
    decision = schedule.succeeded(state, fetched, now, settings)
    store.put_source(decision.state)
    return replace(
        result, note=decision.note, alert=decision.alert, next_attempt=decision.state.next_attempt
    )


def _record_local(
    store: Store, source: Source, result: SourceResult, now: datetime, alert_after: int
) -> SourceResult:
    """A local source's standing for `jjfeed feeds`; files are read every run, never backed off.

    The result comes back with ``alert`` set when this is the ``alert_after``-th
    failure in a row, as an HTTP source's is, so ``--quiet`` reports it once.
    """
    state = store.get_source(source.name) or SourceState(source.name, str(source.path))
    if result.status == "failed":
        # _run_local has already counted this failure (store.record_failure).
        state = replace(state, last_attempt=now, error_kind="read", last_error=result.error)
        result = replace(result, alert=state.failures == alert_after)
    else:
        state = replace(
            state, last_attempt=now, last_success=now, failures=0, error_kind=None, last_error=None
        )
    store.put_source(replace(state, url=str(source.path)))
    return result


def _failed(store: Store, source: Source, decision: schedule.Decision, error: str) -> SourceResult:
    store.put_source(decision.state)
    return SourceResult(
        source.name,
        "failed",
        error=error,
        error_kind=decision.state.error_kind,
        note=decision.note,
        next_attempt=decision.state.next_attempt,
        alert=decision.alert,
    )


def _run_local(deduper: _Deduper, source: Source) -> SourceResult:
    assert source.path is not None
    result = _file_local(deduper, source, str(source.path))
    if result.status == "failed" and result.error is not None:
        deduper.store.record_failure(source.name, str(source.path), result.error)
    return result


def ingest_inputs(
    config: Config,
    locations: Sequence[str],
    *,
    source_name: str | None = None,
    stdin: bytes | None = None,
    now: datetime | None = None,
) -> RunReport:
    """One-off ingestion of files, folders, URLs and stdin; stores, dedups and republishes.

    Each location is filed in turn while the workers read the next few.
    """
    now = now or datetime.now(UTC)
    with _filing(config, now, lock_wait=60) as deduper:
        store = deduper.store
        results: list[SourceResult] = []
        ahead: deque[Callable[[], SourceResult]] = deque()
        for location in locations:
            ahead.append(_ingest_start(deduper, location, source_name, stdin))
            if len(ahead) > _ahead_depth(deduper.workers):
                results.append(ahead.popleft()())
        results.extend(finish() for finish in ahead)
        for result in results:
            _log_result(result)
        if all(r.status == "failed" for r in results):
            return RunReport(tuple(results))
        paths, entries = _publish(store, config)
        return RunReport(tuple(results), paths, entries)


def _ingest_start(
    deduper: _Deduper, location: str, source_name: str | None, stdin: bytes | None
) -> Callable[[], SourceResult]:
    """Start reading one location (in a worker when it pays); return what files it, later.

    A URL is fetched here and a file read here; parsing and cleaning them go
    to the workers. A folder is read when it is filed (see :func:`_ingest_folder`).
    """
    if _is_url(location):
        source = Source(name=source_name or (urls.host(location) or location), url=location)
        fetched = fetch.fetch(source)
        if not fetched.ok:
            failed = SourceResult(location, "failed", error=f"{location}: {fetched.error}")
            return lambda: failed
        reading = _read_fetched_ahead(deduper, fetched, feeds_only=False)

        def file_fetched() -> SourceResult:
            read = reading.result()[0]
            if isinstance(read, str):
                return SourceResult(location, "failed", error=read)
            return replace(_filed(deduper, source, location, read), source=location)

        return file_fetched
    name = source_name or _default_source_name(location)
    source = Source(name=name, path=None if location == "-" else Path(location))
    if location != "-" and Path(location).is_dir():
        return lambda: _ingest_folder(deduper, source, location, source_name is None)
    (item,) = ingest.iter_inputs([location], stdin)
    if isinstance(item, IngestError):
        unreadable = _rejected(location, str(item))
        return lambda: unreadable
    per_feed = source_name is None
    job = (
        item,
        name,
        deduper.max_entries,
        tuple(source.tags),
        deduper.query,
        PREPARE_CHUNK,
        per_feed,
    )
    reading_file = deduper.workers.submit_job(_read_input, job, size=len(item.data))

    def file_input() -> SourceResult:
        read = reading_file.result()[0]
        if isinstance(read, str):
            return _rejected(location, read)
        read = deduper.claim_names(read, name)
        tally = _Tally()
        tally.count(read.parsed, [])
        return tally.into(_filed(deduper, source, location, read))

    return file_input


def _rejected(location: str, error: str) -> SourceResult:
    """A location that was one file, which could not be read or parsed."""
    tally, warnings = _Tally(), list[str]()
    tally.count(error, warnings)
    return tally.into(SourceResult(location, "failed", warnings=tuple(warnings), error=error))


def _filed(deduper: _Deduper, source: Source, location: str, read: _Read) -> SourceResult:
    """File one location's articles; a failed result, naming it, if that goes wrong."""
    try:
        result = _process_read(deduper, source, read)
    except DedupIndexError:
        raise
    except JJFeedError as e:
        return SourceResult(location, "failed", error=str(e))
    return replace(result, source=location)


def _ingest_folder(
    deduper: _Deduper, source: Source, location: str, per_feed: bool
) -> SourceResult:
    """Read, clean and file every file in a folder (see :func:`_file_local`)."""
    return replace(_file_local(deduper, source, location, per_feed=per_feed), source=location)


def _default_source_name(location: str) -> str:
    if location == "-":
        return "stdin"
    path = Path(location).resolve()
    return path.name if path.is_dir() else path.parent.name or "local"


def _is_url(location: str) -> bool:
    return location.startswith(("http://", "https://"))


def extract(
    locations: Sequence[str], stdin: bytes | None = None
) -> Iterator[tuple[str, Article | JJFeedError]]:
    """Clean each input without storing anything; errors come back as values.

    The same path as ``run`` (:func:`_prepare`), and the same warnings: a
    field dropped, an entry refused or failed, a text cut to the cap.
    """
    for location in locations:
        if _is_url(location):
            fetched = fetch.fetch(Source(name=urls.host(location) or location, url=location))
            if not fetched.ok:
                yield location, IngestError(f"{location}: {fetched.error}")
                continue
            try:
                parsed = _parsed_from_fetch(fetched)
            except JJFeedError as e:
                yield location, e
                continue
            yield from ((location, a) for a in _extracted(parsed))
            continue
        for item in ingest.iter_inputs([location], stdin):
            if isinstance(item, IngestError):
                yield location, item
                continue
            try:
                parsed = ingest.articles_from_bytes(
                    item.data, source=_default_source_name(location), location=item.location
                )
            except JJFeedError as e:
                yield item.location, e
                continue
            yield from ((item.location, a) for a in _extracted(parsed))


def _extracted(parsed: Parsed) -> Iterator[Article]:
    """Each article of ``parsed`` cleaned as a run would; warnings logged as a run logs them."""
    for warning in parsed.warnings:
        log.warning("%s", warning)
    for article in parsed.articles:
        outcome = _prepare((article, (), None))
        if isinstance(outcome, EntryFailed):
            log.warning("%s", outcome.message)
            continue
        for note in outcome.notes:
            log.warning("%s", note)
        yield outcome.article


def export(config: Config) -> Iterator[dict[str, object]]:
    """Every stored article as a plain dict, with its cluster and whether it represents it."""
    with Store(config.database) as store:
        by_cluster: dict[str, list[StoredArticle]] = {}
        stories = store.cluster_stories()
        for stored in store.articles():
            by_cluster.setdefault(stored.cluster, []).append(stored)
        for members in by_cluster.values():
            rep = dedup.representative(members)
            for m in members:
                a = m.article
                yield {
                    "id": m.id,
                    "source": a.source,
                    "guid": a.guid,
                    "url": a.url,
                    "title": a.title,
                    "author": a.author,
                    "published": _iso(a.published),
                    "updated": _iso(a.updated),
                    "tags": list(a.tags),
                    "section": a.section,
                    "text": a.text,
                    "cluster": m.cluster,
                    "story": stories.get(m.cluster, m.cluster),
                    "canonical": m.id == rep.id,
                }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _log_result(result: SourceResult) -> None:
    """Log one source's outcome; the CLI prints failures itself, so they go out at info."""
    for warning in result.warnings:
        log.warning("%s", warning)
    if result.note and result.status != "skipped":
        log.warning("%s: %s", result.source, result.note)
    if result.status == "failed":
        log.info("%s: failed: %s", result.source, result.error)
    elif result.status == "skipped":
        log.info("%s: skipped: %s", result.source, result.note)
    else:
        log.info(
            "%s: %s (%d new, %d duplicates, %d updated)",
            result.source,
            result.status,
            result.new,
            result.duplicates,
            result.updated,
        )
