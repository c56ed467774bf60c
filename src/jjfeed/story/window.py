"""The story window: the articles of the last days, their count vectors and document frequencies.

Candidates for a new article's story come from here, not from MinHash keys
over its whole term set: a count vector of several hundred words shares
keys with any article of the week, and the stories of one topic share its
common words. What two write-ups of one event share is their rare words,
so :meth:`StoryWindow.candidates` ranks the window's articles by the part
of the weighted dot product their rarer words give, and scores only the
best :data:`CANDIDATES` in full (the weighted cosine of
:func:`jjfeed.story.window_similarity`).

Two posts of one source are compared by the plain rule
(:func:`source_similarity`), not by the weights alone: what a source repeats (a product
line's "...Block", a show-notes template, a forum's price lists) is rare in
the window, so the window's weights make its posts look like one story.

The count vectors are numpy arrays over the window's vocabulary, one
compressed row per article (column ids and ``1 + ln(count)``), because the
same cosine over dicts of words cost a 3,000-entry ingest five times its
time (docs/benchmarks.md, "the story window, measured and withdrawn"). The
IDF needs no log per lookup: ``ln(docs + 1) + 1 - ln(df + 1)``, with
``ln(df + 1)`` kept per word and updated only for the words an article adds.
Words come as ids (:class:`jjfeed.story.CountVector`, made in the workers),
found in a sorted array of the vocabulary's ids: the main process, which
alone files, reads no word. A row's sums run over its entries with
``np.add.reduceat``. A candidate's norm is cached and worked out again
only once the window has grown by :data:`NORM_REFRESH` since (the IDF of a word moves by about
``ln(1 + NORM_REFRESH)`` meanwhile, under 2% of the smallest weight); the
dot products always use the current weights. The results match
:func:`window_similarity` over :class:`TermWeights` to that tolerance
(tests/test_story_window.py).

Pure (numpy, no I/O): the pipeline fills one from the store when a run
starts and :meth:`StoryWindow.add` s each article it files.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable
from datetime import datetime
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt

from .similarity import MIN_WINDOW_DOCS, WEIGHTED_FLOOR, WEIGHTED_SCALE, story_similarity
from .terms import COUNT_MARK, has_body, plain_terms
from .vectors import TF, CountVector, packed_vector, packed_vectors

CANDIDATES = 64
"""Articles scored in full for one new article at most (the best by their rare words)."""

COMMON_SHARE = 0.05
"""A word in more than this share of the window's articles proposes no candidates.

It still counts in the similarity; it only proposes nobody: a word that
common proposes a twentieth of the window and weighs little.
"""

PROPOSERS = 32
"""Words of an article that propose candidates at most: its rarest in the window."""

NORM_REFRESH = 0.02
"""Growth of the window (a share of its articles) after which a cached norm is worked out again."""

MERGE_WORDS = 4096
"""New words kept in a dict until they join the sorted array of the vocabulary's word ids."""

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class _Grown:
    """A numpy array that grows by doubling (the window's rows and postings only grow)."""

    def __init__(self, dtype: type, size: int = 1024) -> None:
        self.data: npt.NDArray[Any] = np.zeros(size, dtype=dtype)
        self.size = 0

    def append(self, value: Any) -> None:
        if self.size == len(self.data):
            self._grow(self.size + 1)
        self.data[self.size] = value
        self.size += 1

    def _grow(self, end: int) -> None:
        grown = np.zeros(max(end, 2 * len(self.data)), dtype=self.data.dtype)
        grown[: self.size] = self.data[: self.size]
        self.data = grown

    def extend(self, values: npt.ArrayLike) -> None:
        values = np.asarray(values)
        end = self.size + len(values)
        if end > len(self.data):
            self._grow(end)
        self.data[self.size : end] = values
        self.size = end

    def view(self) -> npt.NDArray[Any]:
        return self.data[: self.size]


# Rows whose count vectors StoryWindow.load makes at a time (and then lets their term sets go).
_LOAD_CHUNK = 1024


class StoryWindow:
    """Count vectors of the articles in a window, looked up by word, with their dates and sources."""

    def __init__(self) -> None:
        self.docs = 0
        # The vocabulary: word ids (story.word_ids) sorted, with their columns, and the
        # words added since (MERGE_WORDS at most) by id.
        self._keys: npt.NDArray[np.uint64] = np.zeros(0, dtype=np.uint64)
        self._key_cols: Ints = np.zeros(0, dtype=np.int64)
        self._recent: dict[int, int] = {}
        self._dense = np.zeros(0)  # zeros by column, but during a cosine
        self._log_df = _Grown(np.float64)  # ln(df + 1) per word
        self._df = _Grown(np.int64)
        # Postings: per word, the positions of its entries in the rows' arrays.
        self._postings: list[array[int]] = []
        # The rows: entries' word ids and 1 + ln(count), each row a slice [start, end).
        self._cols = _Grown(np.int32)
        self._tf = _Grown(np.float64)
        self._entry_row = _Grown(np.int32)
        self._start = _Grown(np.int32)
        self._end = _Grown(np.int32)
        self._dates = _Grown(np.float64)  # POSIX seconds
        self._ids = _Grown(np.int64)
        self._norms = _Grown(np.float64)
        self._normed_at = _Grown(np.int64)  # docs when the norm was worked out (0: never)
        self._row: dict[int, int] = {}
        self._terms: list[frozenset[str]] = []
        self._source_ids: dict[str, int] = {}
        self._sources = _Grown(np.int32)  # by source_ids
        self._bodies = _Grown(np.bool_)
        self._blank = _Grown(np.bool_)  # neither plain terms nor a body: similar to nothing
        self._last: _Query | None = None

    def __len__(self) -> int:
        return len(self._terms)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._row

    def bodied(self, article_ids: Iterable[int]) -> set[int]:
        """Those of these articles the window holds with a body (what a headline is weighed
        against: :meth:`score` gave them a weighted similarity once the window weighs)."""
        rows, bodies = self._row, self._bodies.data
        return {i for i in article_ids if i in rows and bool(bodies[rows[i]])}

    def add(
        self,
        article_id: int,
        at: datetime,
        terms: frozenset[str],
        source: str = "",
        vector: CountVector | None = None,
    ) -> None:
        """Count one article (dated ``at``); an article added again keeps its first terms.

        ``vector``: the count vector of ``terms`` packed (:func:`story.packed_vector`
        by default), made where the terms were made.
        """
        if article_id in self._row:
            return
        row = len(self._terms)
        self._row[article_id] = row
        # The plain rule's terms only (no count vector): a run holds thousands of these.
        plain, body = plain_terms(terms), has_body(terms)
        self._terms.append(plain)
        self._sources.append(self._source_ids.setdefault(source, len(self._source_ids)))
        self._bodies.append(body)
        self._blank.append(not (plain or body))
        self._dates.append(at.timestamp())
        self._ids.append(article_id)
        self._norms.append(0.0)
        self._normed_at.append(0)
        query = self._query(terms, vector)
        cols = np.concatenate([query.cols, self._words(query.unseen)])
        start = self._cols.size
        self._start.append(start)
        self._end.append(start + len(cols))
        self._cols.extend(cols)
        self._tf.extend(np.concatenate([query.tf, query.unseen_tf]))
        self._entry_row.extend(np.full(len(cols), row, dtype=np.int32))
        postings = self._postings
        for position, col in enumerate(cols.tolist(), start):
            postings[col].append(position)
        df = self._df.view()
        df[cols] += 1
        self._log_df.view()[cols] = np.log(df[cols] + 1.0)
        self.docs += 1

    def load(self, rows: Iterable[tuple[int, datetime, frozenset[str], str]]) -> None:
        """Add ``(article, date, terms, source)`` rows to an empty window in a few numpy passes.

        The window it leaves is the one :meth:`add` row by row would (the same
        columns, entries in the same order, the same postings and counts), so
        every figure is the same; a run loads its window this way when it starts
        (20,000 articles at 10,000 a day: seconds one by one). A window that is not
        empty takes them one by one.
        """
        if self.docs:
            for article_id, at, terms, source in rows:
                self.add(article_id, at, terms, source)
            return
        # Counted a chunk of rows at a time: the whole term sets are not all held at once.
        vectors: list[CountVector] = []
        sets: list[frozenset[str]] = []
        vector_terms: list[str | None] = []
        sources, dates, ids, body = [], [], [], []
        for article_id, at, terms, source in rows:
            if len(sets) >= _LOAD_CHUNK:
                vectors += packed_vectors(sets, vector_terms)
                sets, vector_terms = [], []
            if article_id in self._row:
                continue
            self._row[article_id] = len(self._terms)
            # plain_terms and has_body in one pass: a stored set has one count vector term.
            marked = [t for t in terms if COUNT_MARK in t]
            plain = terms.difference(marked) if marked else terms
            self._terms.append(plain)
            sources.append(self._source_ids.setdefault(source, len(self._source_ids)))
            dates.append(at.timestamp())
            ids.append(article_id)
            sets.append(terms)
            body.append(bool(marked))
            # More than one (never stored so): packed_vector reads the set itself.
            vector_terms.append(marked[0] if len(marked) == 1 else None)
        vectors += packed_vectors(sets, vector_terms)
        n = len(vectors)
        if not n:
            return
        bodies = np.array(body, dtype=np.bool_)
        self._sources.extend(sources)
        self._bodies.extend(bodies)
        self._blank.extend(~bodies & np.array([not p for p in self._terms[-n:]], dtype=np.bool_))
        self._dates.extend(dates)
        self._ids.extend(ids)
        self._norms.extend(np.zeros(n))
        self._normed_at.extend(np.zeros(n, dtype=np.int64))
        sizes = np.fromiter((len(v.ids) for v in vectors), dtype=np.int64, count=n)
        words = np.concatenate([v.ids for v in vectors])
        counts = np.concatenate([v.counts for v in vectors])
        rows_of = np.repeat(np.arange(n, dtype=np.int64), sizes)
        # The words sorted once (stable: a word's entries stay in row order): its distinct ids,
        # each word's first entry, and which word each entry is.
        total = len(words)
        perm = np.argsort(words, kind="stable")
        ordered = words[perm]
        fresh = np.ones(total, dtype=np.bool_)
        fresh[1:] = ordered[1:] != ordered[:-1]
        group_starts = np.flatnonzero(fresh)
        keys, first = ordered[group_starts], perm[group_starts]
        inverse = np.empty(total, dtype=np.int64)
        inverse[perm] = np.cumsum(fresh) - 1
        # A word's column: the order of its first entry, as add() hands columns out.
        by_first = np.argsort(first)
        key_cols = np.empty(len(keys), dtype=np.int64)
        key_cols[by_first] = np.arange(len(keys))
        # Within a row, the words seen in earlier rows first, then its new ones (add()'s
        # order): each entry's place, worked out from counts instead of sorted.
        new = first[inverse] == np.arange(total)
        starts = np.cumsum(sizes) - sizes  # each row's first place
        base = np.repeat(starts, sizes)
        known, fresh_words = (~new).astype(np.int64), new.astype(np.int64)
        before_known = np.cumsum(known) - known
        before_new = np.cumsum(fresh_words) - fresh_words
        in_row = np.zeros(n, dtype=np.int64)
        if total:
            in_row[sizes > 0] = np.add.reduceat(known, starts[sizes > 0], dtype=np.int64)
        place = np.where(
            new,
            base + in_row[rows_of] + before_new - before_new[base],
            base + before_known - before_known[base],
        )
        cols = np.empty(total, dtype=np.int64)
        cols[place] = key_cols[inverse]
        self._start.extend(starts)
        self._end.extend(starts + sizes)
        self._cols.extend(cols)
        tf = np.empty(total)
        tf[place] = TF[counts]
        self._tf.extend(tf)
        self._entry_row.extend(rows_of)
        # Postings: a word's places, in row order (the stable sort kept it), by column.
        df = np.diff(np.append(group_starts, total))
        pieces = np.split(place[perm].astype(np.int32), group_starts[1:])
        self._postings = [array("i", pieces[k].tobytes()) for k in by_first.tolist()]
        df_by_col = df[by_first]
        self._df.extend(df_by_col)
        self._log_df.extend(np.log(df_by_col + 1.0))
        self._keys, self._key_cols = keys, key_cols
        self.docs = n

    def _query(self, terms: frozenset[str], vector: CountVector | None = None) -> _Query:
        """``terms`` read against the window (the last one read is kept: an article is
        scored, then added)."""
        last = self._last
        if last is None or last.terms is not terms or last.docs != self.docs:
            last = self._last = _Query(self, terms, vector)
        return last

    def _columns(self, words: npt.NDArray[np.uint64]) -> Ints:
        """The columns of these words (ids), -1 for those the window has not seen.

        A binary search in the sorted ids, then the recent words' dict for the
        others: no word is looked up one at a time in Python.
        """
        cols = np.full(len(words), -1, dtype=np.int64)
        keys = self._keys
        missed = np.ones(len(words), dtype=np.bool_)
        if len(keys) and len(words):
            at = np.minimum(np.searchsorted(keys, words), len(keys) - 1)
            hit = keys[at] == words
            cols[hit] = self._key_cols[at[hit]]
            missed = ~hit
        if self._recent:
            rest = np.flatnonzero(missed)
            found = map(self._recent.get, words[rest].tolist(), repeat(-1))
            cols[rest] = np.fromiter(found, dtype=np.int64, count=len(rest))
        return cols

    def _words(self, words: npt.NDArray[np.uint64]) -> Ints:
        """The columns of these new words (ids, none in the vocabulary, no two alike), added."""
        first, new = len(self._postings), len(words)
        self._recent.update(zip(words.tolist(), range(first, first + new), strict=True))
        if len(self._recent) >= MERGE_WORDS:
            recent = self._recent
            ids = np.fromiter(recent, dtype=np.uint64, count=len(recent))
            cols = np.fromiter(recent.values(), dtype=np.int64, count=len(recent))
            order = np.argsort(ids)
            at = np.searchsorted(self._keys, ids[order])
            self._keys = np.insert(self._keys, at, ids[order])
            self._key_cols = np.insert(self._key_cols, at, cols[order])
            recent.clear()
        if new:
            self._postings.extend(array("i") for _ in range(new))
            self._df.extend(np.zeros(new, dtype=np.int64))
            self._log_df.extend(np.zeros(new))
        return np.arange(first, first + new, dtype=np.int64)

    def candidates(
        self,
        terms: frozenset[str],
        start: datetime,
        end: datetime,
        source: str = "",
        limit: int | None = None,
        vector: CountVector | None = None,
        also: Iterable[int] = (),
    ) -> list[tuple[int, float]]:
        """``(article, similarity)`` of the window's articles dated in ``[start, end]``, above 0.

        Proposed by the words of ``terms`` that are not common in the window
        (:data:`COMMON_SHARE`), ranked by what those words give the weighted
        dot product, the best ``limit`` (:data:`CANDIDATES`) scored with :meth:`score`;
        ``also``: more of the window's articles to score with them (found another way).
        """
        query = self._query(terms, vector)
        ids, rows = self._proposals(query, start, end, CANDIDATES if limit is None else limit)
        proposed = set(ids)
        extra = [i for i in dict.fromkeys(also) if i in self._row and i not in proposed]
        if extra:
            ids = ids + extra
            rows = np.concatenate([rows, np.array([self._row[i] for i in extra], dtype=np.int64)])
        if not ids:
            return []
        found = self._score(query, ids, rows, source)
        return sorted((i, sim) for i, sim in found.items() if sim > 0)

    def _proposals(
        self, query: _Query, start: datetime, end: datetime, limit: int
    ) -> tuple[list[int], Ints]:
        """The ids and rows of the best ``limit`` articles :meth:`candidates` proposes."""
        none: tuple[list[int], Ints] = ([], np.zeros(0, dtype=np.int64))
        if not self._terms or limit <= 0:
            return none
        df = self._df.view()[query.cols]
        common = max(1, int(COMMON_SHARE * self.docs))
        rare = np.flatnonzero((df > 0) & (df <= common))
        if len(rare) > PROPOSERS:  # the rarest; a stable sort, so ties go by the words' order
            rare = rare[np.argsort(df[rare], kind="stable")[:PROPOSERS]]
        cols, value = query.cols[rare], (query.tf * query.weights**2)[rare]
        if not len(cols):
            return none
        postings = self._postings
        positions = np.frombuffer(
            b"".join(postings[c].tobytes() for c in cols.tolist()), dtype=np.int32
        )
        per_entry = np.repeat(value, df[rare]) * self._tf.data[positions]
        rows = self._entry_row.data[positions]
        partial = np.bincount(rows, weights=per_entry, minlength=len(self._terms))
        dates = self._dates.view()
        eligible = np.flatnonzero(
            (partial > 0) & (dates >= start.timestamp()) & (dates <= end.timestamp())
        )
        ids = self._ids.view()[eligible]
        order = np.lexsort((ids, -partial[eligible]))[:limit]
        return ids[order].tolist(), eligible[order].astype(np.int64)

    def score(
        self,
        terms: frozenset[str],
        others: Iterable[int],
        source: str = "",
        *,
        query: _Query | None = None,
        vector: CountVector | None = None,
    ) -> dict[int, float]:
        """The similarity of ``terms`` (of an article of ``source``) to these articles of the window.

        :func:`window_similarity`; for a post of the same source,
        :func:`source_similarity` (see the module's notes).
        """
        ids = [i for i in others if i in self._row]
        if not ids:
            return {}
        rows = np.array([self._row[i] for i in ids], dtype=np.int64)
        return self._score(query or self._query(terms, vector), ids, rows, source)

    def _score(self, query: _Query, ids: list[int], rows: Ints, source: str) -> dict[int, float]:
        """:meth:`score` of the query against these rows (of the articles ``ids``)."""
        terms = query.terms
        weighed = self.docs >= MIN_WINDOW_DOCS and bool(terms)
        found = np.zeros(len(rows))
        if not terms:
            return dict(zip(ids, found.tolist(), strict=True))
        bodies = self._bodies.data[rows]
        # Weighed: the scaled cosine; else the plain rule, by rows (two headlines, a small window).
        weighted = (has_body(terms) | bodies) if weighed else np.zeros(len(rows), dtype=np.bool_)
        if weighed:  # every row's cosine (the norms they refresh are the same whatever the query)
            cosines = query.cosines(rows)
            scaled = np.minimum(1.0, np.maximum(0.0, cosines - WEIGHTED_FLOOR) * WEIGHTED_SCALE)
            found[weighted] = scaled[weighted]
        same = np.zeros(len(rows), dtype=np.bool_)
        if source and source in self._source_ids:
            same = self._sources.data[rows] == self._source_ids[source]
        # A post of the same source: the plain rule, if the weighted one agrees.
        plain = ~self._blank.data[rows] & (same | ~weighted)
        agrees = ~weighted | (found > 0)
        for k in np.flatnonzero(plain).tolist():
            sim = story_similarity(query.plain, self._terms[rows[k]])
            found[k] = sim if agrees[k] else 0.0
        found[self._blank.data[rows] | (same & ~plain)] = 0.0
        return dict(zip(ids, found.tolist(), strict=True))

    def _row_norms(self, rows: Ints) -> Floats:
        """The weighted lengths of these rows.

        Cached; worked out again once the window has grown by :data:`NORM_REFRESH`.
        """
        norms, normed_at = self._norms.view(), self._normed_at.view()
        stale = rows[normed_at[rows] < self.docs / (1.0 + NORM_REFRESH)]
        if len(stale):
            positions, starts = self._entries(stale)
            weighed = self._tf.data.take(positions) * self.idf(self._cols.data.take(positions)) ** 2
            norms[stale] = np.sqrt(_sums(weighed**2, starts))
            normed_at[stale] = self.docs
        return norms[rows]

    def _entries(self, rows: Ints) -> tuple[Ints, Ints]:
        """The positions of these rows' entries, and where each row's start among them
        (-1: a row without entries)."""
        starts, ends = self._start.data[rows], self._end.data[rows]
        lengths = ends - starts
        offsets = np.cumsum(lengths) - lengths
        positions = np.arange(int(lengths.sum())) - np.repeat(offsets - starts, lengths)
        return positions, np.where(lengths > 0, offsets, -1)

    def idf(self, cols: Ints) -> Floats:
        """``ln((docs + 1) / (df + 1)) + 1`` of these words, with the current counts."""
        return math.log(self.docs + 1) + 1.0 - self._log_df.data[cols]


def _sums(values: Floats, starts: Ints) -> Floats:
    """The sums of ``values`` by row: each row's run starts at ``starts`` (-1: none, 0.0)."""
    sums = np.zeros(len(starts))
    some = starts >= 0
    if len(values):
        sums[some] = np.add.reduceat(values, starts[some])
    return sums


class _Query:
    """One article's count vector, read against a window: its words' ids, tf and weights."""

    def __init__(
        self, window: StoryWindow, terms: frozenset[str], vector: CountVector | None
    ) -> None:
        self.window, self.terms, self.docs = window, terms, window.docs
        # What the plain rule compares (story.story_similarity): the key terms.
        self.plain = plain_terms(terms)
        ids, _ = vector = vector if vector is not None else packed_vector(terms)
        # The words' columns in one pass in C (-1: a word the window has not seen).
        cols = window._columns(ids)
        known, counts = cols >= 0, vector.counts
        unseen = ~known
        self.cols, self.unseen = cols[known], ids[unseen]
        self.tf, self.unseen_tf = TF[counts[known]], TF[counts[unseen]]
        self.weights = window.idf(self.cols) ** 2
        # Words the window has not seen weigh as unseen: df 0.
        new_weight = (math.log(window.docs + 1) + 1.0) ** 2
        self.norm = math.sqrt(
            float(np.sum((self.tf * self.weights) ** 2))
            + float(np.sum((self.unseen_tf * new_weight) ** 2))
        )

    def cosines(self, rows: Ints) -> Floats:
        """The weighted cosine of this vector with each of these rows."""
        window = self.window
        positions, seg = window._entries(rows)  # seg: where each row starts
        # The query's tf times its weight squared, by word: a row's dot product is
        # its tf times this, summed (the row's weights are in the query's).
        if len(window._dense) < len(window._postings):
            window._dense = np.zeros(2 * len(window._postings))
        dense = window._dense
        dense[self.cols] = self.tf * self.weights**2
        products = window._tf.data.take(positions) * dense.take(window._cols.data.take(positions))
        dense[self.cols] = 0.0
        dots = _sums(products, seg)
        norms = window._row_norms(rows)
        # A row with a dot product above 0 has a length above 0.
        return np.divide(dots, norms * self.norm, out=np.zeros(len(rows)), where=dots > 0)
