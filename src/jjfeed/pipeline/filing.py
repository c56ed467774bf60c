"""Filing: the duplicate verdict and the story join for each article, and their writes.

:class:`_Deduper` files one article at a time into the store (and the run
index of :mod:`jjfeed.pipeline.archive`); a fault of one entry fails that entry alone.
Each step reads what its decision needs, asks :mod:`jjfeed.pipeline.decide`
(pure: plain values in, an intent out) and writes the intent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from .. import dedup, story
from ..errors import DedupIndexError, StoreError
from ..model import (
    Article,
)
from ..parse import (
    MAX_ENTRIES,
)
from ..store import Store
from ..workers import Workers
from . import archive, decide, fleet
from .index import DuplicateIndex, _SqliteIndex
from .prepare import (
    _IN_PROCESS,
    EntryFailed,
    _articles_of,
    _Features,
    _features,
    _Read,
    _renamed,
    entry_name,
)
from .story_filing import _DedupRow, _StoryFiling, _StoryRow

log = logging.getLogger("jjfeed.pipeline")

DEDUP_WINDOW = timedelta(days=30)


@dataclass
class _Explanations:
    """The reasons a unit filed (what ``jjfeed dupes`` shows), written at its end.

    Nothing reads them during a run, so they wait and go in with one
    ``executemany`` each, in the unit's transaction. An entry that fails
    drops its own (:meth:`mark`, :meth:`rollback_to`), as its savepoint
    drops its rows.
    """

    dedup: list[_DedupRow] = field(default_factory=list)
    story: list[_StoryRow] = field(default_factory=list)

    def mark(self) -> tuple[int, int]:
        return (len(self.dedup), len(self.story))

    def rollback_to(self, mark: tuple[int, int]) -> None:
        del self.dedup[mark[0] :], self.story[mark[1] :]

    def write(self, store: Store) -> None:
        if self.dedup:
            store.put_dedup_reasons(self.dedup)
        if self.story:
            store.put_story_reasons(self.story)
        self.rollback_to((0, 0))


@dataclass
class _Deduper(_StoryFiling):
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
    # What this run filed, for lookups made on an older snapshot (see jjfeed.pipeline.archive).
    run: archive.RunIndex = field(default_factory=archive.RunIndex)
    # Stories weighed with the story window's count vectors (`dedup.story_vectors`, on by
    # default; a 3,000-entry ingest takes about 1.2 times the CPU of the plain rule).
    story_vectors: bool = True
    # The count vectors of the window, by word, with their document frequencies (story.StoryWindow).
    stories: story.StoryWindow = field(default_factory=story.StoryWindow)
    # The last article's story terms with its count vector (filing reads them twice).
    _counted: tuple[Article, frozenset[str], story.CountVector] | None = field(
        default=None, init=False, repr=False
    )
    _in_unit: bool = field(default=False, init=False, repr=False)
    # Reasons filed in the current unit, written at its end (outside a unit: at once).
    _explained: _Explanations = field(default_factory=_Explanations, init=False, repr=False)
    # Source names feed files took in this run, and the file each belongs to.
    _feed_names: dict[str, str] = field(default_factory=dict, init=False, repr=False)
    # Entries filed and this thread's CPU time they took (reading._file_one counts it): the
    # filing step's own cost, which only this process can spend (logged at the run's end).
    filed: int = field(default=0, init=False)
    filing_cpu: float = field(default=0.0, init=False)
    # The story window is to be read before the next article is filed (see prepare).
    _window_unread: bool = field(default=False, init=False, repr=False)

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
        if self.store.shared:
            return None  # other workers file meanwhile: filing looks up under its key locks
        return archive.Query(
            self.store.database,
            self.now,
            self.now - self.window,
            self.story_window,
            self.no_dedup,
            copies=isinstance(self.index, _SqliteIndex),
            story_vectors=self.story_vectors,
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
        self._explained.rollback_to((0, 0))
        try:
            # A shared store: each article is a transaction of its own (file_isolated).
            with nullcontext() if self.store.shared else self.store.transaction():
                yield
                self._explained.write(self.store)
        except BaseException:
            self.run.rollback()
            self._explained.rollback_to((0, 0))
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
        self._refresh_snapshot()
        self._prepare_stories()
        # The story window is read when the first article is filed (load_story_window): a
        # run that files nothing new never reads it, and a run that does reads it while the
        # workers start and read the next sources.
        self._window_unread = self.story_vectors

    def load_story_window(self) -> None:
        """Read the story window's articles, if not read yet: before the first article is filed."""
        if not self._window_unread:
            return
        self._window_unread = False
        start, end = self.now - 2 * self.story_window, self.now + self.story_window
        self.stories.load(self.store.story_terms_between(start, end))

    def _refresh_snapshot(self) -> None:
        """A new snapshot of the band index, if one is due, for this run's lookups and the next.

        Written before anything is looked up, so the workers restore it rather
        than each sort the window's keys. Only a cache (see
        :mod:`jjfeed.store.snapshots`): a store that cannot take it is warned
        about, and the run goes on building its indexes from the rows.
        """
        if not isinstance(self.index, _SqliteIndex):
            return
        start = time.process_time()
        try:
            rows = self.store.refresh_key_snapshot(self.now - self.window, self.now)
        except StoreError as e:
            log.warning("dedup index: no new snapshot of the band index: %s", e)
            return
        if rows:
            log.info(
                "dedup index: a new snapshot of %d articles' band keys (%.2f s of CPU)",
                rows,
                time.process_time() - start,
            )

    def file(
        self,
        article: Article,
        priority: int,
        features: _Features | None = None,
        found: archive.Found | None = None,
    ) -> decide.Status:
        """Store one cleaned article; return "new", "duplicate", "updated" or "unchanged".

        ``features`` are the article's precomputed hashes (see :func:`_features`);
        ``found``, what a worker found for it in the archive (see :mod:`jjfeed.pipeline.archive`).
        Each step reads what its decision needs, asks :mod:`jjfeed.pipeline.decide`,
        and writes the intent it returns.
        """
        self.load_story_window()
        features = features or _features(article)
        guid_key, url_key = decide.keys(article)
        existing = self.store.get(article.source, article.guid)
        if existing is not None:
            refiled = decide.refile(existing, features.content_hash, article.title)
            if isinstance(refiled, decide.Updated):
                self._apply_update(refiled, article, priority, url_key, features)
            return refiled.status
        if article.source in self.no_dedup:
            intent: decide.ClusterIntent = decide.alone(article.source, article.guid)
            article_id = self._apply_cluster(intent, article, priority, url_key, features)
        else:
            with self.duplicates.deciding():
                verdict = self._verdict(article, guid_key, url_key, features, found)
                intent = decide.cluster(verdict)
                article_id = self._apply_cluster(intent, article, priority, url_key, features)
        if intent.status == "new":
            self._join_story(intent.cluster, article_id, article, features, found)
        self._put_story_terms(article_id, article, self.now, features, new=True)
        return intent.status

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

    def _apply_cluster(
        self,
        intent: decide.ClusterIntent,
        article: Article,
        priority: int,
        url_key: str | None,
        features: _Features,
    ) -> int:
        """Write a new article's cluster intent: merges, the article, its index rows, the reason."""
        # A cluster another worker founded is new to this store (no-op otherwise).
        self.store.create_cluster(intent.cluster, self.now)
        if isinstance(intent, decide.JoinCluster):
            self._merge(intent.cluster, intent.merged)
        article_id = self._insert(article, intent.cluster, priority, url_key, features)
        if not isinstance(intent, decide.NewCluster) or not intent.alone:
            self.duplicates.add(article_id, self.now)
        elif isinstance(self.index, _SqliteIndex):  # the shared Redis index never sees it
            self.index.file_aside(article_id, features.hashes)
        self._remember(article_id, article, self.now, features)
        if isinstance(intent, decide.JoinCluster) and intent.reason is not None:
            reason = intent.reason
            self._explain(
                copy=(article_id, reason.rule, reason.similarity, reason.matched, self.now)
            )
        return article_id

    def _explain(self, copy: _DedupRow | None = None, joined: _StoryRow | None = None) -> None:
        """Keep a reason for ``jjfeed dupes`` for the unit's end (outside a unit: write it now)."""
        explained = self._explained if self._in_unit else _Explanations()
        if copy:
            explained.dedup.append(copy)
        if joined:
            explained.story.append(joined)
        if not self._in_unit:
            explained.write(self.store)

    def _merge(self, survivor: str, merged: frozenset[str]) -> None:
        """Fold ``merged`` into ``survivor``; the run index learns whose stories went where."""
        if merged:  # their stories fold into the survivor's: snapshots lag
            survivor_story = self.store.story_of(survivor)
            # With the shared Redis index a merged cluster may be one only another
            # worker's store holds: nothing of it here to fold (its id becomes an alias).
            for other in self.store.cluster_created(merged):
                self.run.rename_story(self.store.story_of(other), survivor_story)
        self.store.merge_clusters(survivor, merged, self.now)

    def _apply_update(
        self,
        intent: decide.Updated,
        article: Article,
        priority: int,
        url_key: str | None,
        features: _Features,
    ) -> None:
        """Write an entry's new content, and index it again."""
        self.store.replace_content(
            intent.article,
            article,
            canonical_url=url_key,
            content_hash=features.content_hash,
            priority=priority,
        )
        # A `dedup: false` source stays out of a shared index, even when it edits an article.
        if article.source not in self.no_dedup or isinstance(self.index, _SqliteIndex):
            with self.duplicates.deciding():
                self.duplicates.resign(
                    intent.article, article, intent.cluster, self.now, features.hashes
                )
        self._remember(intent.article, article, intent.first_seen, features, changed=True)
        self._put_story_terms(intent.article, article, intent.first_seen, features)
        self.store.touch_cluster(intent.cluster, self.now)

    def file_isolated(
        self,
        article: Article,
        priority: int,
        features: _Features | None = None,
        found: archive.Found | None = None,
    ) -> decide.Status | EntryFailed:
        """:meth:`file`, where a fault of this one entry fails only the entry.

        Its writes are undone (a savepoint in the store, a mark in the run
        index and in the reasons waiting for the unit's end) and an :class:`EntryFailed` says why; the faults of the run
        itself (the store, the shared index) still end the unit.
        """
        mark, explained = self.run.mark(), self._explained.mark()
        try:
            if self.store.shared:
                features = features or _features(article)
                with self.store.transaction(keys=self._stripes(article, features)):
                    return self.file(article, priority, features, found)
            with self.store.savepoint():
                return self.file(article, priority, features, found)
        except (StoreError, DedupIndexError):
            raise
        except Exception as e:  # noqa: BLE001  (one entry's fault fails that entry)
            log.debug("filing failed", exc_info=True)
            self.run.rollback_to(mark)
            self._explained.rollback_to(explained)
            return EntryFailed(f"{entry_name(article)} failed in filing: {type(e).__name__}: {e}")

    @staticmethod
    def _stripes(article: Article, features: _Features) -> list[int]:
        """The key locks filing ``article`` takes in a shared store (see :func:`fleet.stripes`)."""
        guid_key, url_key = decide.keys(article)
        identity = f"{article.source}\n{article.guid}"
        exact = (identity, guid_key, url_key, features.hashes.content_hash)
        return fleet.stripes(exact, features.hashes.lsh_keys)

    def _insert(
        self,
        article: Article,
        cluster: str,
        priority: int,
        url_key: str | None,
        features: _Features,
    ) -> int:
        """Store a new article in ``cluster``, first seen now; its id."""
        return self.store.insert(
            article,
            canonical_url=url_key,
            content_hash=features.content_hash,
            cluster=cluster,
            priority=priority,
            when=self.now,
        )

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
