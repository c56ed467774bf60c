"""What the store already holds, looked up for new articles in the worker processes.

A run files articles in one process, the store's only writer. Most of what
filing an article reads is the archive: the LSH candidates of its text and
their exact check, the story candidates of its terms and their similarity.
The run does not change the archive, so the workers do these lookups, on
a reading connection of their own, right after they clean the article
(:func:`look_up`). Each lookup reads one snapshot of the store and says how
far it reached: the last article id it could see.

What the run filed after that snapshot, the filing process knows in memory
(:class:`RunIndex`), and it answers for those articles the way the store
would. Articles the run changed (a feed that edited an entry) are answered
from memory too, and the snapshot's answer for them is ignored.

The filing process still does the cheap, exact lookups (GUID, canonical
URL, content hash), and everything that changes during a run: the cluster
and story each candidate belongs to now.
"""

from __future__ import annotations

import bisect
import sys
from collections import Counter
from collections.abc import Collection, Container, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from .. import dedup, story
from ..model import Article
from ..store import Store
from ..store.backend import Database
from ..story.packed import Levels, LevelVocabulary, text_similarities

# Latest articles per story key taken as candidates, in the archive and in the run each...
STORY_PER_KEY = 50
# ...and for an article with no body to compare (a headline), more. Its keys are its
# terms (prepare._story_keys), and a common one ("Apple", "Fed") is the key of
# hundreds of headlines a day. Chosen on the UCI dev half: F1 .828 at 100, .863 at 200,
# .865 at 300 and at 800, the figure of every earlier article a candidate
# (see docs/benchmarks.md).
STORY_PER_KEY_TITLE = 300


def story_per_key(terms: Collection[str]) -> int:
    """How many of the latest articles under each story key of an article of these
    terms are its candidates."""
    return STORY_PER_KEY if story.has_text(terms) else STORY_PER_KEY_TITLE


@dataclass(frozen=True)
class Query:
    """How one run looks things up in the archive: the store and the windows."""

    database: Database
    now: datetime
    since: datetime  # the dedup window: articles first seen at or after this
    story_window: timedelta
    exclude_sources: frozenset[str] = frozenset()  # `dedup: false`: never offered as copies
    copies: bool = True  # False when the duplicate index is elsewhere (Redis)
    # The run weighs stories with count vectors (`dedup.story_vectors`): the workers make them.
    story_vectors: bool = False


@dataclass(frozen=True)
class Found:
    """What the archive held for one article, as of one snapshot of the store.

    ``copies``: stored articles the exact check calls copies, with the
    measured similarity (None when copies were not looked up here).
    ``cousins``: story candidates, with the story each was in and their
    story similarity (> 0).
    """

    upto: int
    copies: tuple[tuple[int, dedup.Similarity], ...] | None
    cousins: tuple[tuple[int, str, float], ...]


def story_date(article: Article, first_seen: datetime) -> datetime:
    """The date an article counts from for stories: published, else first seen."""
    return article.published or first_seen


def look_up(
    query: Query,
    article: Article,
    features: dedup.Features,
    terms: frozenset[str],
    story_keys: list[int],
) -> Found:
    """Look a new article up in one snapshot of the archive (in a worker process)."""
    reader = _reader(query.database)
    with reader.snapshot() as upto:
        copies: tuple[tuple[int, dedup.Similarity], ...] | None = None
        if query.copies:
            copies = ()
            if features.lsh_keys:
                ids = reader.band_candidates(features.lsh_keys, since=query.since)
                texts = {
                    i: text
                    for i, (source, _, text) in reader.candidate_rows(ids).items()
                    if source not in query.exclude_sources
                }
                copies = tuple(dedup.similar_among(features.shingles, texts))
        cousins: tuple[tuple[int, str, float], ...] = ()
        if len(terms) >= story.MIN_TERMS and story_keys:
            at = story_date(article, query.now)
            found = reader.story_candidate_terms(
                story_keys,
                at - query.story_window,
                at + query.story_window,
                per_key=story_per_key(terms),
                min_shared=story.min_shared_keys(terms),
            )
            scores = story.story_similarities(terms, [other for _, other in found])
            similar = [(i, sim) for (i, _), sim in zip(found, scores, strict=True) if sim > 0]
            stories = reader.stories_of_articles([i for i, _ in similar])
            cousins = tuple((i, stories[i], sim) for i, sim in similar if i in stories)
    return Found(upto, copies, cousins)


def stored_from(query: Query, source: str, guid: str) -> str | None:
    """The raw key the store holds for an entry (None: not stored, or stored before keys).

    A worker asks before cleaning: an entry read as it was stored needs none.
    """
    return _reader(query.database).raw_key(source, guid)


_READER: dict[str, Store] = {}


def _reader(database: Database) -> Store:
    """This process's reading connection to ``database`` (one at a time)."""
    key = str(database)
    reader = _READER.get(key)
    if reader is None:
        forget_reader()
        reader = _READER[key] = Store(database, reader=True)
    return reader


def forget_reader() -> None:
    """Close this process's reading connection (its remembered terms are of an older run)."""
    for old in _READER.values():
        old.close()
    _READER.clear()


class _Postings:
    """Article ids under each key, in id order; those of changed articles apart.

    The run's ids mostly grow, so the ones past a snapshot are the tail of
    each list (found by bisection), and a query never walks the whole run.
    """

    def __init__(self) -> None:
        self._ids: dict[int, list[int]] = {}
        self._changed: dict[int, list[int]] = {}

    def add(self, keys: Iterable[int], article_id: int, changed: bool) -> None:
        postings = self._changed if changed else self._ids
        for key in keys:
            ids = postings.setdefault(key, [])
            if ids and ids[-1] > article_id:
                bisect.insort(ids, article_id)
            else:
                ids.append(article_id)

    def remove(self, keys: Iterable[int], article_id: int) -> None:
        for key in keys:
            for postings in (self._ids, self._changed):
                ids = postings.get(key)
                if ids is not None and article_id in ids:
                    ids.remove(article_id)
                    if not ids:
                        del postings[key]

    def beyond(self, keys: Iterable[int], upto: int) -> set[int]:
        """Ids under any of ``keys`` past ``upto``, and every changed one.

        Most of an article's keys are under no other article of the run: one
        dictionary miss each, in one loop.
        """
        found: set[int] = set()
        get_ids, get_changed = self._ids.get, self._changed.get
        for key in keys:
            ids = get_ids(key)
            if ids and ids[-1] > upto:
                found.update(ids[bisect.bisect_right(ids, upto) :])
            changed = get_changed(key)
            if changed:
                found.update(changed)
        return found


class _DatedPostings:
    """The run's articles under each story key, by id and by date; changed articles apart.

    A query wants the latest dated past a snapshot (``upto``). The run's ids
    mostly grow, so those past it are the tail of the key's id list, found
    by bisection: usually a handful, looked at directly. When the tail is
    long (one big source, which no snapshot sees until it is filed), the
    walk goes back by date instead, over at most ``limit`` articles.
    """

    def __init__(self) -> None:
        self._ids: dict[int, list[int]] = {}
        self._at: dict[int, datetime] = {}
        self._dated: dict[int, list[tuple[datetime, int]]] = {}
        self._changed: dict[int, list[tuple[datetime, int]]] = {}

    def add(self, keys: Iterable[int], article_id: int, at: datetime, changed: bool) -> None:
        postings = self._changed if changed else self._dated
        if not changed:
            self._at[article_id] = at
        for key in keys:
            bisect.insort(postings.setdefault(key, []), (at, article_id))
            if not changed:
                ids = self._ids.setdefault(key, [])
                if ids and ids[-1] > article_id:
                    bisect.insort(ids, article_id)
                else:
                    ids.append(article_id)

    def remove(self, keys: Iterable[int], article_id: int, at: datetime | None) -> None:
        if at is None:
            return
        self._at.pop(article_id, None)
        for key in keys:
            ids = self._ids.get(key)
            if ids:
                pos = bisect.bisect_left(ids, article_id)
                if pos < len(ids) and ids[pos] == article_id:
                    del ids[pos]
                    if not ids:
                        del self._ids[key]
            for postings in (self._dated, self._changed):
                items = postings.get(key)
                if items is not None and (at, article_id) in items:
                    items.remove((at, article_id))
                    if not items:
                        del postings[key]

    def latest(self, key: int, upto: int, start: datetime, end: datetime, limit: int) -> list[int]:
        """Of the run's ``limit`` latest dated in ``[start, end]``, those past ``upto``; and changed.

        The others are in the snapshot, whose own latest ``limit`` the worker
        took: whatever is among the latest ``limit`` of the two together is
        among these or those.
        """
        ids = self._ids.get(key, [])
        first = bisect.bisect_right(ids, upto)
        if len(ids) - first <= limit:  # the few past the snapshot
            dated = ((self._at[i], i) for i in ids[first:])
            found = [(at, i) for at, i in dated if start <= at <= end]
        else:
            items = self._dated.get(key, [])
            pos = bisect.bisect_right(items, (end, sys.maxsize))
            first = max(pos - limit, bisect.bisect_left(items, (start,)), 0)
            found = [item for item in items[first:pos] if item[1] > upto]
        changed = self._changed.get(key)
        if changed:
            found += [(at, i) for at, i in changed if start <= at <= end]
        if len(found) > 1:
            found.sort(reverse=True)
        return [i for _, i in found[:limit]]


class _Unpacked:
    """An entry's body levels before they are first needed."""


_UNPACKED = _Unpacked()


@dataclass
class _Entry:
    source: str
    first_seen: datetime
    bands: list[int]
    shingles: np.ndarray
    at: datetime | None = None
    terms: frozenset[str] = frozenset()
    story_keys: list[int] = field(default_factory=list)
    changed: bool = False
    # The body levels of ``terms``, packed when first compared (None: no body text; see
    # RunIndex._levels): with the story window, the run index never compares bodies.
    levels: Levels | None | _Unpacked = _UNPACKED


class RunIndex:
    """The articles this run filed or changed, in memory, answering as the store would.

    A worker's :class:`Found` covers the articles up to its snapshot; this
    covers the rest (ids above it) and every article the run changed.
    Entries added inside :meth:`unit` are dropped when it fails, as the
    store drops the rows (and gives their ids out again).
    """

    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}
        self._changed: set[int] = set()  # archived articles the run gave a new text
        self._bands = _Postings()
        self._story_keys = _DatedPostings()
        self._vocabulary = LevelVocabulary()
        self._renamed: dict[str, str] = {}  # stories folded into another by a merge
        self._undo: list[tuple[int, _Entry | None, bool]] | None = None
        self._undo_renames: list[tuple[str, str | None]] = []

    # -- recording ----------------------------------------------------------

    def file(
        self,
        article_id: int,
        source: str,
        first_seen: datetime,
        features: dedup.Features,
        *,
        changed: bool = False,
        indexed: bool = True,
    ) -> None:
        """Record an article the run filed (or, ``changed``, gave a new text).

        ``indexed`` is False for an article kept out of the LSH index (the
        shared Redis index has it instead).
        """
        old = self._entries.get(article_id)
        if self._undo is not None:
            self._undo.append((article_id, old, article_id in self._changed))
        if old is not None:
            self._unlink(article_id, old)
        changed = changed or article_id in self._changed
        bands = list(features.lsh_keys) if indexed else []
        entry = _Entry(source, first_seen, bands, features.shingles, changed=changed)
        self._entries[article_id] = entry
        if changed:
            self._changed.add(article_id)
        self._bands.add(bands, article_id, changed)

    def file_story(
        self, article_id: int, at: datetime, terms: frozenset[str], keys: list[int]
    ) -> None:
        """Record the story terms of an article recorded by :meth:`file`."""
        entry = self._entries.get(article_id)
        if entry is None:
            return
        self._story_keys.remove(entry.story_keys, article_id, entry.at)
        entry.at, entry.terms, entry.story_keys = at, terms, list(keys)
        entry.levels = _UNPACKED
        self._story_keys.add(entry.story_keys, article_id, at, entry.changed)

    def rename_story(self, old: str, new: str) -> None:
        """Record that a merge folded story ``old`` into ``new`` (see :meth:`story`)."""
        if old == new:
            return
        if self._undo is not None:
            self._undo_renames.append((old, self._renamed.get(old)))
        self._renamed[old] = new

    def story(self, story_id: str) -> str:
        """What a story a snapshot saw is called now, after this run's merges."""
        seen = set()
        while story_id in self._renamed and story_id not in seen:
            seen.add(story_id)
            story_id = self._renamed[story_id]
        return story_id

    def begin(self) -> None:
        """Start remembering what to undo if the unit of work fails."""
        self._undo = []
        self._undo_renames = []

    def commit(self) -> None:
        self._undo = None
        self._undo_renames = []

    def rollback(self) -> None:
        """Forget what was recorded since :meth:`begin`, latest first."""
        self.rollback_to((0, 0))
        self._undo = None

    def mark(self) -> tuple[int, int]:
        """Where the undo log stands: :meth:`rollback_to` it undoes one entry's filing."""
        return (len(self._undo or ()), len(self._undo_renames))

    def rollback_to(self, mark: tuple[int, int]) -> None:
        """Forget what was recorded since ``mark`` (see :meth:`mark`), latest first."""
        entries, renames = mark
        for name, previous in reversed(self._undo_renames[renames:]):
            if previous is None:
                self._renamed.pop(name, None)
            else:
                self._renamed[name] = previous
        del self._undo_renames[renames:]
        if self._undo is None:
            return
        undo = self._undo[entries:]
        del self._undo[entries:]
        for article_id, old, was_changed in reversed(undo):
            current = self._entries.pop(article_id, None)
            if current is not None:
                self._unlink(article_id, current)
            self._changed.discard(article_id)
            if old is not None:
                self._entries[article_id] = old
                self._bands.add(old.bands, article_id, old.changed)
                if old.at is not None:
                    self._story_keys.add(old.story_keys, article_id, old.at, old.changed)
            if was_changed:
                self._changed.add(article_id)

    def _unlink(self, article_id: int, entry: _Entry) -> None:
        self._bands.remove(entry.bands, article_id)
        self._story_keys.remove(entry.story_keys, article_id, entry.at)

    # -- answering ------------------------------------------------------------

    def answers_for(self, article_id: int) -> bool:
        """Whether this index, not the snapshot, answers for ``article_id`` (a changed article)."""
        return article_id in self._changed

    def copies(
        self,
        upto: int,
        features: dedup.Features,
        since: datetime,
        exclude_sources: frozenset[str] = frozenset(),
    ) -> list[tuple[int, dedup.Similarity]]:
        """What :func:`look_up` finds as copies, among the articles past ``upto``."""
        ids = self._bands.beyond(features.lsh_keys, upto)
        candidates: dict[int, str | np.ndarray] = {}
        for i in ids:
            entry = self._entries[i]
            if entry.first_seen >= since and entry.source not in exclude_sources:
                candidates[i] = entry.shingles
        return dedup.similar_among(features.shingles, candidates)

    def cousins(
        self,
        upto: int,
        terms: frozenset[str],
        keys: list[int],
        start: datetime,
        end: datetime,
        weighed: Container[int] = (),
    ) -> list[tuple[int, float]]:
        """What :func:`look_up` finds as story candidates, among the articles past ``upto``.

        ``weighed``: articles the caller scores itself (the story window's
        candidates): no similarity is worked out for them, 1.0 stands in.
        """
        if len(terms) < story.MIN_TERMS:
            return []
        shared: Counter[int] = Counter()
        per_key = story_per_key(terms)
        for key in set(keys):
            shared.update(self._story_keys.latest(key, upto, start, end, per_key))
        needed = story.min_shared_keys(terms)
        found = [i for i in sorted(shared) if shared[i] >= needed]
        sims = dict.fromkeys(found, 1.0)
        sims.update(self._scored([i for i in found if i not in weighed], terms))
        return [(i, sim) for i, sim in sims.items() if sim > 0]

    def _scored(self, ids: list[int], terms: frozenset[str]) -> dict[int, float]:
        """:func:`story.story_similarities` of ``terms`` with these articles', body against
        body in numpy (:mod:`jjfeed.story.packed`), the rest by title."""
        entries = [self._entries[i] for i in ids]
        # The candidates' levels first: the query's words are those the vocabulary knows.
        levels = [self._levels(e) if isinstance(e.levels, _Unpacked) else e.levels for e in entries]
        query = self._vocabulary.query(terms) if ids else None
        bodies = [] if query is None else [lv for lv in levels if lv is not None]
        if query is None or not bodies:
            return dict(
                zip(ids, story.story_similarities(terms, [e.terms for e in entries]), strict=True)
            )
        scores = iter(text_similarities(query, bodies))
        titled = iter(
            story.story_similarities(
                terms, [e.terms for e, lv in zip(entries, levels, strict=True) if lv is None]
            )
        )
        return {
            i: next(titled if lv is None else scores) for i, lv in zip(ids, levels, strict=True)
        }

    def _levels(self, entry: _Entry) -> Levels | None:
        """An entry's body levels, packed now (first use; None: no body text)."""
        entry.levels = levels = self._vocabulary.pack(entry.terms)
        return levels
