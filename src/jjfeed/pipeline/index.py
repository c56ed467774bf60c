"""The duplicate index a run files against: the protocol, and the SQLite one.

:class:`_SqliteIndex` decides with the store and the run index of
:mod:`jjfeed.pipeline.archive`; ``dedup/redis_index.py`` is the shared one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .. import dedup
from ..model import (
    Article,
)
from ..store import Store
from . import decide

log = logging.getLogger("jjfeed.pipeline")


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
        (see :mod:`jjfeed.pipeline.archive`); looked up here when None.
        """
        features = features or dedup.features(article.text)
        short_key = dedup.short_key_of(features)
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
            ids = [i for i, _ in copies]
            clusters = self.store.clusters_of_articles(ids, fresh=self.store.shared)
            for i, sim in copies:
                matches.append(dedup.Match(clusters[i], sim.rule or "jaccard", sim.score, i))
        facts = self.store.sources_and_titles(m.article for m in matches if m.article is not None)
        matches = decide.admissible(article, matches, facts, short=short_key is not None)
        if not matches:
            return decide.verdict(article, matches, {})
        # An article that is a copy of two clusters shows they are one, unless a
        # person split them apart (`jjfeed dupes split`).
        created = self.store.cluster_created({m.cluster for m in matches})
        return decide.verdict(article, matches, created, self._apart())

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
            self.store.put_bands(article_id, keys, new=True, fetched=when)

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
