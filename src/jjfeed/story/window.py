"""The story window: the articles of the last days, their word postings and document frequencies.

Candidates for a new article's story come from here, not from MinHash keys
over its whole term set: a count vector of several hundred words shares
keys with any article of the week, and the stories of one topic share its
common words. What two write-ups of one event share is their rare words,
so :meth:`StoryWindow.candidates` ranks the window's articles by the part
of the weighted dot product their rarer words give, and scores only the
best :data:`CANDIDATES` in full (:func:`window_similarity`).

Two posts of one source are compared by the plain rule
(:func:`source_similarity`), not by the weights alone: what a source repeats (a product
line's "...Block", a show-notes template, a forum's price lists) is rare in
the window, so the window's weights make its posts look like one story.

Pure and stdlib only: the pipeline fills one from the store when a run
starts and :meth:`StoryWindow.add` s each article it files.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from .similarity import IDF_POWER, TermWeights, source_similarity, window_similarity
from .terms import _profile

CANDIDATES = 64
"""Articles scored in full for one new article at most (the best by their rare words)."""

COMMON_SHARE = 0.05
"""A word in more than this share of the window's articles proposes no candidates.

It still counts in the similarity; it only proposes nobody: a word that
common proposes a twentieth of the window and weighs little.
"""


class StoryWindow:
    """Story terms of the articles in a window, looked up by word, with their sources."""

    def __init__(self) -> None:
        self.weights = TermWeights(power=IDF_POWER)
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._dates: dict[int, datetime] = {}
        self._terms: dict[int, frozenset[str]] = {}
        self._sources: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._terms

    def add(self, article_id: int, at: datetime, terms: frozenset[str], source: str = "") -> None:
        """Count one article (dated ``at``); an article added again keeps its first terms."""
        if article_id in self._terms:
            return
        self._terms[article_id] = terms
        self._dates[article_id] = at
        self._sources[article_id] = source
        self.weights.add(terms)
        for word in _profile(terms).tf:
            self._postings[word].append(article_id)

    def candidates(
        self,
        terms: frozenset[str],
        start: datetime,
        end: datetime,
        source: str = "",
        limit: int | None = None,
    ) -> list[tuple[int, float]]:
        """``(article, similarity)`` of the window's articles dated in ``[start, end]``, above 0.

        Proposed by the words of ``terms`` that are not common in the window
        (:data:`COMMON_SHARE`), ranked by what those words give the weighted
        dot product, the best ``limit`` (:data:`CANDIDATES`) scored with :meth:`score`.
        """
        limit = CANDIDATES if limit is None else limit
        tf = _profile(terms).tf
        common = max(1, int(COMMON_SHARE * self.weights.docs))
        partial: dict[int, float] = defaultdict(float)
        for word, count in tf.items():
            posting = self._postings.get(word)
            if not posting or len(posting) > common:
                continue
            value = count * self.weights(word) ** 2
            for other in posting:
                partial[other] += value * _profile(self._terms[other]).tf[word]
        ranked = sorted(
            (i for i in partial if start <= self._dates[i] <= end),
            key=lambda i: (-partial[i], i),
        )
        found = self.score(terms, ranked[:limit], source)
        return sorted((i, sim) for i, sim in found.items() if sim > 0)

    def score(
        self, terms: frozenset[str], others: Iterable[int], source: str = ""
    ) -> dict[int, float]:
        """The similarity of ``terms`` (of an article of ``source``) to these articles of the window.

        :func:`window_similarity`; for a post of the same source,
        :func:`source_similarity` (see the module's notes).
        """
        return {
            i: (
                source_similarity(terms, self._terms[i], self.weights)
                if source and self._sources[i] == source
                else window_similarity(terms, self._terms[i], self.weights)
            )
            for i in others
            if i in self._terms
        }
