"""Story similarity: how much two articles' term sets look like one story."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence

from .terms import _profile, base_term, count_vector, has_body, has_text, term_words

TEXT_FLOOR = 0.35
"""Body cosine two articles of different events reach anyway (same topic, same kind of news).

Only what lies above it counts as story evidence: ``(cosine - TEXT_FLOOR) *
TEXT_SCALE``, at most 1. Two earthquake reports, or two rehab stays of two actresses,
share a cosine of 0.2-0.3 on words alone; write-ups of one event reach 0.3-0.7.
"""

TEXT_SCALE = 3.0
"""Scale of the body cosine above :data:`TEXT_FLOOR`, onto the title similarity's scale."""

WEIGHTED_FLOOR = 0.15
"""The floor of the weighted cosine of two count vectors (:func:`window_similarity`).

With the window's document frequencies squared (:class:`TermWeights`) the
words every report of one kind of news uses weigh little, so the floor is
lower than :data:`TEXT_FLOOR`. Chosen on the ECB+ dev half (twin events of
one topic: two IE patches of Microsoft, two DUI arrests of two Chargers).
"""

WEIGHTED_SCALE = 4.0
"""Scale of the weighted cosine above :data:`WEIGHTED_FLOOR`."""

IDF_POWER = 2
""":class:`TermWeights` weigh a word by its IDF to this power (squared: rare words rule)."""

MIN_WINDOW_DOCS = 50
"""Articles the window needs before its document frequencies weigh anything.

With a handful of articles the weights say little (every word is about as
rare as any other): :func:`window_similarity` then keeps the plain rule.
"""


Weight = Callable[[str], float]


class TermWeights:
    """Inverse document frequency of story terms over the articles of a window.

    With it, :func:`story_similarity` weighs a word every third article in
    the window carries ("police", "china") less than a name. Terms are
    counted by the word they stand for (:func:`base_term`); unseen words
    weigh as if seen once. The pipeline can build one from the story terms
    stored in the window and :meth:`add` each article it files.
    """

    def __init__(self, term_sets: Iterable[Iterable[str]] = (), power: float = 1.0) -> None:
        self.doc_freq: Counter[str] = Counter()
        self.docs = 0
        self.power = power
        # The weights and count-vector norms of the current counts (cleared by add).
        self._weights: dict[str, float] = {}
        self._norms: dict[frozenset[str], float] = {}
        for terms in term_sets:
            self.add(terms)

    def add(self, terms: Iterable[str]) -> None:
        """Count one more article."""
        self.docs += 1
        self.doc_freq.update(term_words(terms))
        self._weights.clear()
        self._norms.clear()

    def __call__(self, term: str) -> float:
        word = base_term(term)
        weight = self._weights.get(word)
        if weight is None:
            df = self.doc_freq.get(word, 0)
            weight = (math.log((self.docs + 1) / (df + 1)) + 1.0) ** self.power
            self._weights[word] = weight
        return weight

    def norm(self, terms: frozenset[str]) -> float:
        """The weighted length of a count vector (remembered until the next :meth:`add`)."""
        found = self._norms.get(terms)
        if found is None:
            tf = count_vector(terms)
            found = math.sqrt(sum((n * self(w)) ** 2 for w, n in tf.items()))
            self._norms[terms] = found
        return found


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


def story_similarities(
    a: Collection[str],
    others: Sequence[Collection[str]],
    *,
    floor: float = TEXT_FLOOR,
    scale: float = TEXT_SCALE,
) -> list[float]:
    """:func:`story_similarity` of ``a`` with each of ``others``, unweighted, in order.

    The same figures, with ``a`` read once: a story search scores one
    article against dozens of candidates, and the calls were most of its cost.
    """
    if not a or not has_text(a):
        return [story_similarity(a, b, floor=floor, scale=scale) for b in others]
    pa = _profile(a)
    la, na = pa.levels, pa.norm
    out = []
    for b in others:
        if not b or not has_text(b):
            out.append(story_similarity(a, b, floor=floor, scale=scale))
            continue
        pb = _profile(b)
        lb = pb.levels
        dot = sum(la[t] * lb[t] for t in la.keys() & lb.keys())
        cosine = dot / (na * pb.norm) if dot else 0.0
        out.append(min(1.0, max(0.0, cosine - floor) * scale))
    return out


def weighted_similarity(a: frozenset[str], b: frozenset[str], weights: TermWeights) -> float:
    """Cosine of two count vectors, each word's ``1 + ln(count)`` times its weight.

    A set without a count vector (a headline alone) counts as its title
    words (see :func:`jjfeed.story.terms.story_terms`).
    """
    ta, tb = count_vector(a), count_vector(b)
    if len(ta) > len(tb):
        ta, tb = tb, ta
    dot = sum(n * tb[w] * weights(w) ** 2 for w, n in ta.items() if w in tb)
    return dot / (weights.norm(a) * weights.norm(b)) if dot else 0.0


def window_similarity(
    a: frozenset[str],
    b: frozenset[str],
    weights: TermWeights | None,
    *,
    floor: float = WEIGHTED_FLOOR,
    scale: float = WEIGHTED_SCALE,
) -> float:
    """:func:`story_similarity` as the pipeline decides it, with the window's weights.

    Once either article has body text (:func:`has_body`) and the window
    holds :data:`MIN_WINDOW_DOCS` articles: the weighted cosine of their
    count vectors (:func:`weighted_similarity`) above ``floor``, times
    ``scale``, at most 1. Otherwise (two headlines, or a window too small to
    weigh): :func:`story_similarity`, the plain rule.
    """
    if not a or not b:
        return 0.0
    if weights is None or weights.docs < MIN_WINDOW_DOCS or not (has_body(a) or has_body(b)):
        return story_similarity(a, b)
    return min(1.0, max(0.0, weighted_similarity(a, b, weights) - floor) * scale)


def source_similarity(a: frozenset[str], b: frozenset[str], weights: TermWeights | None) -> float:
    """The similarity of two posts of one source: the plain rule, if the weighted one agrees.

    The window's weights make what a source repeats look rare (a product
    line's "...Block", a show-notes template, a forum's price lists), so
    two posts of one source are scored by :func:`story_similarity`; and
    only when their :func:`window_similarity` is above 0 too (they share
    words that are rare in the window, not only the source's own).
    """
    plain = story_similarity(a, b)
    if plain > 0 and window_similarity(a, b, weights) <= 0:
        return 0.0
    return plain
