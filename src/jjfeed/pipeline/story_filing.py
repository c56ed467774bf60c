"""Filing's story half: story terms stored, the story an article joins, the story window.

:class:`_StoryFiling` is a part of :class:`jjfeed.pipeline.filing._Deduper`
(its fields are declared here for the type checker and set there). Each
search reads what the decision needs and asks :mod:`jjfeed.pipeline.decide`.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from datetime import datetime, timedelta

from .. import dedup, story
from ..model import Article
from ..store import Store
from . import archive, decide
from .prepare import _Features, _story_keys

log = logging.getLogger("jjfeed.pipeline")

STORY_PARAMS = f"{dedup.STORY_PARAMS}:{story.TERMS_VERSION}"
# The story params with and without the window's count vectors: a store turns from one to the
# other without rebuilding its story keys (see _StoryFiling._prepare_stories).
_VECTOR_TOGGLE = (STORY_PARAMS, f"{STORY_PARAMS}:{story.VECTORS_VERSION}")


def story_params(vectors: bool) -> str:
    """What a store's story terms are made with, with or without the window's count vectors."""
    return _VECTOR_TOGGLE[1] if vectors else _VECTOR_TOGGLE[0]


_DedupRow = tuple[int, str, float | None, int | None, datetime]
_StoryRow = tuple[str, str, int | None, float, int, int | None, float | None, datetime]


class _StoryFiling:
    """The story steps of filing (a base of :class:`~jjfeed.pipeline.filing._Deduper`)."""

    store: Store
    now: datetime
    story_window: timedelta
    story_vectors: bool
    stories: story.StoryWindow
    run: archive.RunIndex
    _counted: tuple[Article, frozenset[str], story.CountVector] | None

    def _explain(self, copy: _DedupRow | None = None, joined: _StoryRow | None = None) -> None:
        raise NotImplementedError  # the filing's: reasons are written with the unit

    @property
    def story_params(self) -> str:
        """What the stored story terms were made with (a change rebuilds them)."""
        return story_params(self.story_vectors)

    def _story_terms(
        self, article: Article, features: _Features
    ) -> tuple[frozenset[str], story.CountVector | None]:
        """The article's story terms, with its count vector when stories are weighed with them,
        and that vector packed (None: the window reads it from the terms).

        The workers make both when the run asks for them (:class:`archive.Query`);
        here only for an article they did not (an in-memory store has no workers' lookups).
        """
        if not self.story_vectors or features.vector is not None:
            return features.terms, features.vector
        if story.has_body(features.terms) or not article.text:
            return features.terms, None
        if self._counted is None or self._counted[0] is not article:
            terms, counted = story.counted_terms(article.title, article.text)
            self._counted = (article, terms, story.pack(counted.items()))
        return self._counted[1], self._counted[2]

    def _prepare_stories(self) -> None:
        params = self.story_params
        before = self.store.get_meta("story_params")
        if before == params:
            return
        if before in _VECTOR_TOGGLE and params in _VECTOR_TOGGLE:
            # The story keys and the plain terms are the same either way: only the window needs
            # count vectors (turned on), and nothing needs rebuilding when they are turned off.
            self._vectors_for_window(params)
            return
        with self.store.transaction():
            self.store.clear_story_terms()
            count = 0
            for stored in self.store.articles():
                self._put_story_terms(stored.id, stored.article, stored.fetched_at)
                count += 1
            self.store.set_meta("story_params", params)
        log.info("story index rebuilt for %s (%d articles)", params, count)

    def _vectors_for_window(self, params: str) -> None:
        count = 0
        with self.store.transaction():
            if self.story_vectors:
                start, end = self.now - 2 * self.story_window, self.now + self.story_window
                ids = [i for i, _, _, _ in self.store.story_terms_between(start, end)]
                for article_id in ids:
                    stored = self.store.get_by_id(article_id)
                    self._put_story_terms(article_id, stored.article, stored.fetched_at)
                count = len(ids)
            self.store.set_meta("story_params", params)
        log.info("story terms of the window made for %s (%d articles)", params, count)

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
        why = (joined.link, joined.links, joined.best_article, joined.best)
        self._explain(joined=(cluster, joined.story, article_id, *why, self.now))

    def _story_date(self, article: Article, first_seen: datetime) -> datetime:
        return archive.story_date(article, first_seen)

    def _cousins(
        self,
        features: _Features,
        found: archive.Found | None,
        start: datetime,
        end: datetime,
        weighed: Container[int] = (),
    ) -> list[tuple[int, str, float]]:
        """``(article, story, similarity)`` of the story candidates with a similarity above 0.

        Compared by the plain rule, on the key terms (:func:`story.plain_terms`):
        the count vector is the window's (:meth:`_weighed`). ``weighed``: the window's
        candidates, whose similarity and story the window's caller works out: 1.0
        and "" stand in for those of the run's own here.
        """
        terms = story.plain_terms(features.terms)
        if found is None:
            return self._stored_cousins(features, terms, start, end, weighed)
        # The snapshot's stories, renamed by this run's merges; the run's own from the store.
        found_here = self.run.cousins(found.upto, terms, features.story_keys, start, end, weighed)
        stories = self.store.stories_of_articles([i for i, _ in found_here if i not in weighed])
        cousins = [
            (i, self.run.story(sid), sim)
            for i, sid, sim in found.cousins
            if not self.run.answers_for(i)
        ]
        cousins += [
            (i, "" if i in weighed else stories[i], sim)
            for i, sim in found_here
            if i in weighed or i in stories
        ]
        return sorted(cousins)

    def _stored_cousins(
        self,
        features: _Features,
        terms: frozenset[str],
        start: datetime,
        end: datetime,
        weighed: Container[int] = (),
    ) -> list[tuple[int, str, float]]:
        """The store's own story candidates, scored (what a worker's lookup finds); those
        in ``weighed`` the story window scored already (their plain score is not needed)."""
        candidates = self.store.story_candidates(
            features.story_keys,
            start,
            end,
            per_key=archive.story_per_key(terms),
            min_shared=story.min_shared_keys(terms),
        )
        plain = [(i, other) for i, _, other in candidates if i not in weighed]
        scores = story.story_similarities(terms, [other for _, other in plain])
        sims = {i: sim for (i, _), sim in zip(plain, scores, strict=True)}
        scored = ((i, sid, sims.get(i, 1.0)) for i, sid, _ in candidates)
        return [(i, sid, sim) for i, sid, sim in scored if sim > 0]

    def _weighed(
        self,
        article: Article,
        terms: frozenset[str],
        cousins: list[tuple[int, str, float]],
        span: tuple[datetime, datetime],
        vector: story.CountVector | None = None,
    ) -> list[tuple[int, str, float]]:
        """The story candidates, weighed with the story window (:func:`story.window_similarity`).

        The window's own, proposed by rare words for an article with a body
        (:meth:`story.StoryWindow.candidates`), and the key candidates it holds,
        scored together; those outside the window the run loaded stay as they were found.
        """
        keyed = [i for i, _, _ in cousins if i in self.stories]
        if story.has_body(terms):
            found = dict(
                self.stories.candidates(terms, *span, article.source, vector=vector, also=keyed)
            )
        else:
            found = self.stories.score(terms, keyed, article.source, vector=vector)
        stories = self.store.stories_of_articles(sorted(found))
        weighed = [(i, stories[i], sim) for i, sim in found.items() if sim > 0 and i in stories]
        weighed += [c for c in cousins if c[0] not in self.stories]
        return sorted(weighed)

    def _find_story(
        self, article: Article, features: _Features, found: archive.Found | None = None
    ) -> decide.JoinStory | None:
        """The existing story a new article's cluster joins, if any (see :mod:`jjfeed.story`)."""
        if story.term_count(features.terms) < story.MIN_TERMS:
            return None
        at = self._story_date(article, self.now)
        start, end = at - self.story_window, at + self.story_window
        terms, vector = self._story_terms(article, features)
        # With the window, every candidate it holds is scored by it (_weighed): no plain score.
        window: Container[int] = self.stories if self.story_vectors else ()
        cousins = self._cousins(features, found, start, end, window)
        if self.story_vectors:
            cousins = self._weighed(article, terms, cousins, (start, end), vector)
        sources = self.store.sources_and_titles(i for i, _, _ in cousins)
        ids = [i for i, _, _ in cousins]
        clusters = self.store.clusters_of_articles(ids, fresh=self.store.shared) if ids else {}
        evidence = decide.story_evidence(
            article.source, cousins, sources, clusters, title=article.title
        )
        sizes = self.store.story_sizes(evidence.similarities, start, end)
        bodies = self.stories.bodied(ids)
        bodied = {sid for i, sid, _ in cousins if i in bodies}
        docs = len(self.stories)
        thresholds = {
            sid: story.link_threshold(terms, docs, sid in bodied) for sid in evidence.similarities
        }
        return decide.join_story(evidence, sizes, thresholds)

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
        vector = None
        if features is None:
            terms = story.story_terms(article.title, article.text, counts=self.story_vectors)
            keys = _story_keys(terms)
        else:
            (terms, vector), keys = self._story_terms(article, features), features.story_keys
        at = self._story_date(article, first_seen)
        self.store.put_story_terms(article_id, at, terms, keys, new=new)
        if self.story_vectors:
            self.stories.add(article_id, at, terms, article.source, vector)
        # The run index compares by the plain rule: it needs no count vector, and a run holds
        # thousands of term sets.
        self.run.file_story(article_id, at, story.plain_terms(terms), keys)
