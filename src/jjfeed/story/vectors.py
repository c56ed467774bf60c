"""Count vectors packed: stable word ids and counts, as numpy arrays.

The story window (:class:`jjfeed.story.StoryWindow`) compares count vectors.
Read from a term set's words, one costs a few hundred string operations
and dictionary lookups per article, in the run's main process, which alone
files (docs/benchmarks.md, "the story window in numpy"). So the worker that
makes an article's terms makes its vector too,
as a :class:`CountVector`: each word as a 64-bit id (a hash of its UTF-8
bytes, the same in every process and run) and its count as one byte, both
in word order. The main process looks the ids up in the window in one pass
in C and never reads a word.

:func:`packed_vector` makes the same vector from a term set, for terms read
back from the store.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from .terms import (
    COUNT_BASE,
    COUNT_MARK,
    MAX_COUNT,
    TITLE_BOOST,
    TITLE_PREFIX,
    has_body,
    vector_parts,
)

Ids = npt.NDArray[np.uint64]
Counts = npt.NDArray[np.uint8]

_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
"""The hash's base (odd, so its powers never vanish modulo 2**64)."""

_ROW_SALT = np.uint64(0xD6E8FEB86659FD93)
"""Mixed into the ids of one set's words to tell sets apart (not a power of the base: a
multiple of that is what two words differing by one letter differ by)."""

TF = np.array([1.0] + [1.0 + math.log(n) for n in range(1, MAX_COUNT + 1)])
"""``1 + ln(count)`` by count (0 and an unreadable count: 1.0), as :func:`jjfeed.story.count_vector`."""


class CountVector(NamedTuple):
    """One article's count vector: its words' ids and counts, in word order."""

    ids: Ids
    counts: Counts

    @property
    def tf(self) -> npt.NDArray[np.float64]:
        """Each word's ``1 + ln(count)``."""
        return TF[self.counts]


_powers: Ids = np.ones(1, dtype=np.uint64)


def _powers_to(n: int) -> Ids:
    """``_MULTIPLIER ** k`` modulo 2**64 for ``k < n`` (numpy's uint64 products wrap)."""
    global _powers
    if len(_powers) < n:
        size = max(n, 2 * len(_powers), 256)
        grown = np.full(size, _MULTIPLIER, dtype=np.uint64)
        grown[0] = 1
        _powers = np.cumprod(grown, dtype=np.uint64)
    return _powers


def word_ids(words: Sequence[str]) -> Ids:
    """Stable 64-bit ids of these words (which hold no space): a polynomial hash of their bytes.

    ``sum((byte + 1) * M**k)`` over each word's bytes and the space after
    it, modulo 2**64, in a few numpy passes over all the words at once.
    """
    return _joined_ids(" ".join(words)) if words else np.zeros(0, dtype=np.uint64)


def _joined_ids(joined: str) -> Ids:
    """:func:`word_ids` of the words of ``joined``, one space between two."""
    data = np.frombuffer(f"{joined} ".encode("utf-8", "surrogatepass"), np.uint8)
    ends = np.flatnonzero(data == 32) + 1
    starts = np.empty_like(ends)
    starts[0], starts[1:] = 0, ends[:-1]
    offsets = np.arange(len(data)) - np.repeat(starts, ends - starts)
    terms = (data.astype(np.uint64) + np.uint64(1)) * _powers_to(int(offsets.max()) + 1)[offsets]
    ids: Ids = np.add.reduceat(terms, starts, dtype=np.uint64)
    return ids


def pack(counted: Iterable[tuple[str, int]]) -> CountVector:
    """A count vector from ``(word, count)`` in word order; counts are capped at :data:`MAX_COUNT`.

    Two words with one id (a hash collision: never seen, but possible) are
    one word, with the first one's count.
    """
    pairs = list(counted)
    ids = word_ids([w for w, _ in pairs])
    return _distinct(ids, np.array([min(MAX_COUNT, n) for _, n in pairs], dtype=np.uint8))


def _distinct(ids: Ids, counts: Counts) -> CountVector:
    if len(ids) > 1 and len(np.unique(ids)) < len(ids):
        first = np.sort(np.unique(ids, return_index=True)[1])
        ids, counts = ids[first], counts[first]
    return CountVector(ids, counts)


def headline_vector(title_words: Iterable[str]) -> CountVector:
    """The count vector of an article without body text: its title words, counted :data:`TITLE_BOOST` times."""
    return pack((w, TITLE_BOOST) for w in sorted(set(title_words)))


def packed_vector(terms: Iterable[str]) -> CountVector:
    """The count vector a term set carries (its :func:`jjfeed.story.vector_term`), packed.

    A set without one (a headline alone) counts as its title words, as
    :func:`jjfeed.story.count_vector` reads it. No word is read one at a time.
    """
    terms = list(terms)
    parts = vector_parts(terms) if has_body(terms) else None
    if parts is None:
        return headline_vector(t[len(TITLE_PREFIX) :] for t in terms if t.startswith(TITLE_PREFIX))
    counts, words = parts
    packed = np.frombuffer(counts.encode("ascii"), np.uint8) - np.uint8(COUNT_BASE)
    return _distinct(_joined_ids(words), packed)


def packed_vectors(
    term_sets: Sequence[Iterable[str]], vector_terms: Sequence[str | None] | None = None
) -> list[CountVector]:
    """:func:`packed_vector` of each of many term sets, their words hashed a chunk at a time.

    One set at a time, a window of 20,000 articles spent its load on the fixed
    cost of a few numpy calls per set; all at once, on arrays of 20-40 bytes per
    character of 80 MB of words. The figures are the same either way.
    ``vector_terms``: each set's count vector term (None: it has none), when known.
    """
    if vector_terms is None:
        vector_terms = [next((t for t in terms if COUNT_MARK in t), None) for terms in term_sets]
    out: list[CountVector | None] = [None] * len(term_sets)
    bodies: list[int] = []
    found: list[tuple[str, str]] = []
    for i, term in enumerate(vector_terms):
        counts, words = "", ""
        if term is not None and term.startswith(COUNT_MARK):
            counts, _, words = term[1:].partition(" ")
        if not counts:  # a headline alone, an empty vector, or one not known: one by one
            out[i] = packed_vector(term_sets[i])
        else:
            bodies.append(i)
            found.append((counts, words))
    for at in range(0, len(bodies), PACK_CHUNK):
        _pack_chunk(found[at : at + PACK_CHUNK], bodies[at : at + PACK_CHUNK], out)
    return [v for v in out if v is not None]


PACK_CHUNK = 64
"""Term sets :func:`packed_vectors` hashes in one pass."""


def _pack_chunk(
    found: list[tuple[str, str]], bodies: list[int], out: list[CountVector | None]
) -> None:
    """The count vectors of one chunk of :func:`packed_vectors` (``found``: counts and words
    of the sets ``bodies``, none empty), into ``out``."""
    sizes = np.fromiter((len(c) for c, _ in found), dtype=np.int64, count=len(found))
    counts = np.frombuffer("".join(c for c, _ in found).encode("ascii"), np.uint8)
    ids = _joined_ids(" ".join(w for _, w in found))
    cuts = np.cumsum(sizes)[:-1]
    # A hash collision within a set: an id twice in one row. The row, salted into the id,
    # finds any; then (or through a clash of salted ids) each set is checked on its own.
    rows = np.repeat(np.arange(len(bodies), dtype=np.uint64), sizes)
    salted = np.sort(ids ^ (rows * _ROW_SALT))
    clash = len(salted) > 1 and bool(np.any(salted[1:] == salted[:-1]))
    pieces = zip(np.split(ids, cuts), np.split(counts - np.uint8(COUNT_BASE), cuts), strict=True)
    for k, (row_ids, row_counts) in enumerate(pieces):
        vector = CountVector(row_ids, row_counts)
        out[bodies[k]] = _distinct(row_ids, row_counts) if clash else vector
