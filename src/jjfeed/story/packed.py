"""Body levels as integer arrays: one story search scores dozens of candidates in numpy.

:func:`jjfeed.story.story_similarities` reads each candidate's levels (a
dict of up to :data:`~jjfeed.story.terms.BODY_TERMS` words) and intersects
it with the article's, a few microseconds a candidate; a story search in a
busy run scores about 80. Here a candidate's levels are packed once, when
it is filed (word ids from one :class:`LevelVocabulary`, sorted, with their
levels), and a search is a handful of array operations over all of them.

The figures are exactly :func:`story_similarities`' for articles with body
text: the dot products are sums of integers, and the division, floor and
scale are the same floating-point operations in the same order.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

import numpy as np

from .similarity import TEXT_FLOOR, TEXT_SCALE
from .terms import _profile, has_text


class Levels(NamedTuple):
    """One article's body levels: sorted word ids, their levels, and the norm of all of them."""

    ids: np.ndarray
    levels: np.ndarray
    norm: float


class LevelVocabulary:
    """Word ids for :class:`Levels`, handed out as words are first packed."""

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}

    def pack(self, terms: Collection[str]) -> Levels | None:
        """The levels of a filed article (None without body text: titles are compared instead)."""
        if not terms or not has_text(terms):
            return None
        profile = _profile(terms)
        ids = self._ids
        pairs = sorted((ids.setdefault(w, len(ids)), n) for w, n in profile.levels.items())
        return _levels(pairs, profile.norm)

    def query(self, terms: Collection[str]) -> Levels | None:
        """The levels of an article searched for: words no filed article has are left out
        (they match nothing), its norm counts them."""
        if not terms or not has_text(terms):
            return None
        profile = _profile(terms)
        ids = self._ids
        pairs = sorted((ids[w], n) for w, n in profile.levels.items() if w in ids)
        return _levels(pairs, profile.norm)


def _levels(pairs: list[tuple[int, int]], norm: float) -> Levels:
    ids = np.fromiter((i for i, _ in pairs), dtype=np.int64, count=len(pairs))
    levels = np.fromiter((n for _, n in pairs), dtype=np.int64, count=len(pairs))
    return Levels(ids, levels, norm)


def text_similarities(
    query: Levels, rows: Sequence[Levels], *, floor: float = TEXT_FLOOR, scale: float = TEXT_SCALE
) -> list[float]:
    """:func:`jjfeed.story.story_similarity` of the article ``query`` packs with each of ``rows``.

    Both sides must have body text (:meth:`LevelVocabulary.pack` gave them).
    """
    if not rows:
        return []
    if not len(query.ids):
        cosines = np.zeros(len(rows))
    else:
        ids = np.concatenate([r.ids for r in rows])
        levels = np.concatenate([r.levels for r in rows])
        sizes = np.fromiter((len(r.ids) for r in rows), dtype=np.int64, count=len(rows))
        starts = np.zeros(len(rows), dtype=np.int64)
        np.cumsum(sizes[:-1], out=starts[1:])
        at = np.searchsorted(query.ids, ids)
        at[at >= len(query.ids)] = 0
        products = np.where(query.ids[at] == ids, levels * query.levels[at], 0)
        dots = np.add.reduceat(products, starts)  # every row has at least one level
        norms = np.fromiter((r.norm for r in rows), dtype=np.float64, count=len(rows))
        cosines = dots / (query.norm * norms)
    return (np.minimum(1.0, np.maximum(0.0, cosines - floor) * scale)).tolist()
