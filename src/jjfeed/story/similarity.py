"""Story similarity: how much two articles' term sets look like one story."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping

from .terms import _profile, base_term, has_text

TEXT_FLOOR = 0.35
"""Body cosine two articles of different events reach anyway (same topic, same kind of news).

Only what lies above it counts as story evidence: ``(cosine - TEXT_FLOOR) *
TEXT_SCALE``, at most 1. Two earthquake reports, or two rehab stays of two actresses,
share a cosine of 0.2-0.3 on words alone; write-ups of one event reach 0.3-0.7.
"""

TEXT_SCALE = 3.0
"""Scale of the body cosine above :data:`TEXT_FLOOR`, onto the title similarity's scale."""


Weight = Callable[[str], float]


class TermWeights:
    """Inverse document frequency of story terms over the articles of a window.

    With it, :func:`story_similarity` weighs a word every third article in
    the window carries ("police", "china") less than a name. Terms are
    counted by the word they stand for (:func:`base_term`); unseen words
    weigh as if seen once. The pipeline can build one from the story terms
    stored in the window (or from counts it keeps, :meth:`from_counts`) and
    :meth:`add` each article it files.
    """

    def __init__(self, term_sets: Iterable[Iterable[str]] = ()) -> None:
        self.doc_freq: Counter[str] = Counter()
        self.docs = 0
        for terms in term_sets:
            self.add(terms)

    @classmethod
    def from_counts(cls, doc_freq: Mapping[str, int], docs: int) -> TermWeights:
        """Weights from a document-frequency map (word -> articles) over ``docs`` articles."""
        weights = cls()
        weights.doc_freq.update(doc_freq)
        weights.docs = docs
        return weights

    def add(self, terms: Iterable[str]) -> None:
        """Count one more article."""
        self.docs += 1
        self.doc_freq.update({base_term(t) for t in terms})

    def __call__(self, term: str) -> float:
        df = self.doc_freq.get(base_term(term), 0)
        return math.log((self.docs + 1) / (df + 1)) + 1.0


def text_similarity(a: Collection[str], b: Collection[str], weight: Weight | None = None) -> float:
    """Cosine of two body vectors (levels, times ``weight`` of each word when given)."""
    pa, pb = _profile(a), _profile(b)
    la, lb = pa.levels, pb.levels
    # The words both have, found in C; levels are integers, so the dot is exact in any order.
    common = la.keys() & lb.keys()
    if weight is None:
        dot = sum(la[t] * lb[t] for t in common)
        return dot / (pa.norm * pb.norm) if dot else 0.0
    weighted = sum(la[t] * lb[t] * weight(t) ** 2 for t in common)
    if not weighted:
        return 0.0
    norm_a = sum((n * weight(t)) ** 2 for t, n in pa.levels.items())
    norm_b = sum((n * weight(t)) ** 2 for t, n in pb.levels.items())
    return weighted / math.sqrt(norm_a * norm_b)


def _jaccard(a: Collection[str], b: Collection[str], weight: Weight | None) -> float:
    a, b = frozenset(a), frozenset(b)
    common = a & b
    if not common:
        return 0.0
    if weight is None:
        return len(common) / len(a | b)
    union = sum(weight(t) for t in a | b)
    return sum(weight(t) for t in common) / union if union else 0.0


def _title_part(terms: Collection[str]) -> frozenset[str]:
    return _profile(terms).title


def story_similarity(
    a: Collection[str],
    b: Collection[str],
    weight: Weight | None = None,
    *,
    floor: float = TEXT_FLOOR,
    scale: float = TEXT_SCALE,
) -> float:
    """How much two articles look like one story, from 0.0 to 1.0.

    Both with text: their body cosine above ``floor``, times ``scale``, at
    most 1 (:func:`text_similarity`). Otherwise: Jaccard of the title words
    (weighted by ``weight`` when given); sets without title terms (an
    untitled article, or plain word sets) are compared whole.
    """
    if not a or not b:
        return 0.0
    if has_text(a) and has_text(b):
        return min(1.0, max(0.0, text_similarity(a, b, weight) - floor) * scale)
    ta, tb = _title_part(a), _title_part(b)
    if not ta or not tb:
        return _jaccard(a, b, weight)
    return _jaccard(ta, tb, weight)
