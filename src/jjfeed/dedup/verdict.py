"""The verdict: which stored articles a new one copies, and what that makes of clusters.

Pure: values in, values out. Evidence (:class:`Match`) comes from the exact
keys and the measured similarity of shingle sets (:func:`similarity`); the
source-aware rules (:func:`admissible`) weigh who published what; :func:`decide`
turns the evidence into a :class:`Verdict`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np

from ..model import UPDATE_WORDS, StoredArticle

# URL identity lives in urls.py (parse needs it too); callers keep using dedup.canonical_url.
from .minhash import (
    CLUSTER_NAMESPACE,
    CONTAINMENT_DUPLICATE,
    JACCARD_DUPLICATE,
    MIN_CONTAINMENT_SHINGLES,
    MIN_WORDS,
    Features,
    hash_of,
    shingle_hashes,
    words,
)

# -- the verdict ------------------------------------------------------------


# The rules that can make an article a duplicate, strongest first. Exact keys
# say "the same item" outright; the two measured rules say "the same text".
RULES = ("guid", "url", "content-hash", "jaccard", "containment")
_EXACT_RANK = {"guid": 0, "url": 1, "content-hash": 2}


@dataclass(frozen=True)
class Match:
    """One piece of evidence that a new article copies a stored one.

    ``article`` is the stored article's id (None when the index cannot name
    it, as the shared Redis index cannot: the copy may live in another
    worker's store); ``score`` is 1.0 for an exact key, else the measured
    Jaccard or containment.
    """

    cluster: str
    rule: str
    score: float
    article: int | None = None

    @property
    def strength(self) -> tuple[int, float, int]:
        """Sort key, strongest first: exact keys by rule, then the higher similarity."""
        return (_EXACT_RANK.get(self.rule, len(_EXACT_RANK)), -self.score, self.article or 0)


@dataclass(frozen=True)
class Verdict:
    """What a duplicate index decided for one new article.

    ``cluster`` is the cluster it joins (a new one when ``status`` is
    "new"); ``merged`` are clusters it showed to be copies of ``cluster``,
    which the store folds into it. ``rule``, ``similarity`` and ``matched``
    say why (the strongest evidence for ``cluster``), for `jjfeed dupes`;
    they are left out of equality, which is about the decision.
    """

    status: Literal["new", "duplicate"]
    cluster: str
    merged: frozenset[str] = frozenset()
    rule: str | None = field(default=None, compare=False)
    similarity: float | None = field(default=None, compare=False)
    matched: int | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Similarity:
    jaccard: float
    containment: float

    @property
    def duplicate(self) -> bool:
        return self.jaccard >= JACCARD_DUPLICATE or self.containment >= CONTAINMENT_DUPLICATE

    @property
    def rule(self) -> str | None:
        """Which measured rule calls the pair duplicates: Jaccard when both do, else containment."""
        if self.jaccard >= JACCARD_DUPLICATE:
            return "jaccard"
        if self.containment >= CONTAINMENT_DUPLICATE:
            return "containment"
        return None

    @property
    def score(self) -> float:
        """The value of the deciding rule (Jaccard when neither decides)."""
        return self.containment if self.rule == "containment" else self.jaccard


def similarity(a: str | np.ndarray, b: str | np.ndarray) -> Similarity:
    """Exact Jaccard of the shingle sets and containment of the smaller in the larger.

    Takes texts or their :func:`shingle_hashes`. Containment only counts when
    the smaller text has enough shingles to be an article (a summary-only
    entry inside its full text), not a stock phrase.
    """
    sa = shingle_hashes(a) if isinstance(a, str) else a
    sb = shingle_hashes(b) if isinstance(b, str) else b
    if not len(sa) or not len(sb):
        return Similarity(0.0, 0.0)
    inter = len(np.intersect1d(sa, sb, assume_unique=True))
    jaccard = inter / (len(sa) + len(sb) - inter)
    small = min(len(sa), len(sb))
    containment = inter / small if small >= MIN_CONTAINMENT_SHINGLES else 0.0
    return Similarity(jaccard, containment)


def similar_among(
    text: str | np.ndarray, candidates: Mapping[int, str | np.ndarray]
) -> list[tuple[int, Similarity]]:
    """Every candidate the exact check finds a duplicate of ``text``, with its similarity.

    Texts or their :func:`shingle_hashes`, on either side.
    """
    if not candidates:
        return []
    mine = shingle_hashes(text) if isinstance(text, str) else text
    found = []
    for i, other in sorted(candidates.items()):
        sim = similarity(mine, other)
        if sim.duplicate:
            found.append((i, sim))
    return found


def same_title(a: str, b: str) -> bool:
    """Titles equal once case, punctuation and spacing are set aside."""
    return words(a) == words(b)


def related_titles(a: str, b: str) -> bool:
    """One title says no more than the other, update markers aside.

    "UPDATE – 11 SEO Strategies" updates "11 SEO Strategies"; a teaser and
    its article share their headline. "Polypolyhedra in Origami" and
    "Polypolyhedra in Dowels", or "9.0-rc1 tagged" and "9.0-rc2 tagged",
    are two posts: each title has a word the other lacks.
    """
    wa, wb = set(words(a)) - UPDATE_WORDS, set(words(b)) - UPDATE_WORDS
    return bool(wa and wb) and (wa <= wb or wb <= wa)


def admissible(
    match: Match,
    *,
    same_source: bool,
    titles_match: bool,
    short: bool,
    headline: bool = True,
    titles_related: bool | None = None,
) -> bool:
    """Whether one piece of evidence may call a new article a copy of a stored one.

    Across sources every rule counts (copies across sources are what jjfeed
    exists to find), except that a short text (under MIN_WORDS words) is a
    copy only when it has a headline of its own (see :func:`has_headline`)
    and that headline is the same too: "Video", "Photo gallery" or the
    weekend's weather, word for word on many sites, are not one article.
    Within one source, entries with different GUIDs are different posts
    (a feed's posts share templates, footers and show notes) unless one
    link names both (a re-issued GUID), or the texts are copies under
    related titles (:func:`related_titles`): a repost, an update under a
    new URL, a teaser and its article. A video's description inside its
    channel's long footer, or two posts of one list, have titles apart.
    """
    if same_source:
        if match.rule == "url":
            return True
        return titles_match if titles_related is None else titles_related
    if short and match.rule == "content-hash":
        return titles_match and headline
    return True


def has_headline(title: str, text: str, min_words: int = 3) -> bool:
    """A title of a few words that is not just the start of the text.

    A link post ("Four Things in Those Two Sentences", then a quote) is named
    by its headline; a stock entry's title merely repeats its text
    ("Corrections" over "Corrections and clarifications ...").
    """
    head, body = words(title), words(text)
    return len(head) >= min_words and body[: len(head)] != head


def short_text_key(text: str) -> str | None:
    """The exact key of a text under MIN_WORDS words (``hash_key`` gives none): its content hash.

    Used only together with :func:`admissible`, which wants the title to match as well.
    """
    tokens = words(text)
    return hash_of(tokens) if 0 < len(tokens) < MIN_WORDS else None


_NO_WORDS = hash_of([])


def short_key_of(features: Features) -> str | None:
    """:func:`short_text_key` of the text ``features`` were made of, read from them."""
    if features.hash_key is None and features.content_hash != _NO_WORDS:
        return features.content_hash
    return None


def decide(
    matches: Sequence[Match],
    created: dict[str, datetime],
    apart: Iterable[frozenset[str]] = (),
) -> Verdict:
    """The verdict for an article with these matches (at least one).

    Without ``apart`` every matched cluster is one: the oldest survives and
    the others merge into it. ``apart`` holds pairs of clusters a person
    said are different (``jjfeed dupes split``): the strongest match picks
    the cluster the article joins, and a matched cluster is merged in only
    when it is not kept apart from any cluster already taken.
    """
    if not matches:
        raise ValueError("decide needs at least one match")
    ordered = sorted(matches, key=lambda m: m.strength)
    best_of: dict[str, Match] = {}
    for m in ordered:
        best_of.setdefault(m.cluster, m)
    pairs = [p for p in apart if len(p) == 2 and p <= best_of.keys()]
    taken: list[str] = []
    for cluster in best_of:  # strongest evidence first
        if not any(frozenset((cluster, t)) in pairs for t in taken):
            taken.append(cluster)
    chosen = survivor({c: created[c] for c in taken})
    best = best_of[taken[0]]
    return Verdict(
        "duplicate",
        chosen,
        frozenset(taken) - {chosen},
        rule=best.rule,
        similarity=best.score,
        matched=best.article,
    )


def split_cluster_id(source: str, guid: str) -> str:
    """The cluster id an article gets when a person splits it off: fixed, like every cluster id.

    Derived from the article alone, so splitting the same article again
    (after undoing a split) gives the same id, and a feed entry id with it.
    """
    return str(uuid.uuid5(CLUSTER_NAMESPACE, f"split\x00{source}\x00{guid}"))


def survivor(created: dict[str, datetime]) -> str:
    """When clusters turn out to be one, the oldest keeps its id (ties: the smallest id)."""
    return min(created, key=lambda c: (created[c], c))


def representative(members: Sequence[StoredArticle]) -> StoredArticle:
    """The copy that stands for its cluster in the feed.

    Source priority from feeds.yaml first, then a copy with a link (a reader
    wants somewhere to go: a page saved to a file or piped in has none, and
    its title may be only the file's name), then the fullest clean text, then
    the earliest (published, else first seen), then the lowest id for a
    stable tie-break.
    """

    def key(m: StoredArticle) -> tuple[int, bool, int, float, int]:
        when = m.article.published or m.fetched_at
        return (-m.priority, not m.article.url, -len(m.article.text), when.timestamp(), m.id)

    return min(members, key=key)
