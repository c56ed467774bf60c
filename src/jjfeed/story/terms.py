"""Story terms: what identifies the news an article reports, as a set of strings.

See :mod:`jjfeed.story` for the two kinds of terms (``t:`` title words and
the body vector's levelled names and numbers), and :func:`read_profile` for
a term set read back into levels.
"""

from __future__ import annotations

import functools
import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from typing import NamedTuple

from .vocabulary import _content_tokens, content_words, language, stopwords_for

BODY_TERMS = 60
"""Distinct terms in the body vector: the most frequent names, numbers and title words."""

MIN_TEXT_WORDS = 25
"""Content words a text needs before the body is compared at all (a teaser is a title)."""

MAX_LEVEL = 5
"""Copies of one term at most (a word said 16 times or more)."""

TITLE_BOOST = 3
"""Title words count as this many mentions in the body vector."""


RECURRING_SHARE = 0.2
"""A word in this share of a source's titles is the source's own (a name, a section label)."""

RECURRING_MIN_TITLES = 3
"""... and in at least this many of them."""
LEAD_WORDS = 40
"""Content words at the start of the body that count :data:`LEAD_BOOST` times in the count vector."""

LEAD_BOOST = 2
"""Mentions a lead word counts as (the lead says what the article is about)."""

MAX_COUNT = 64
"""A word's count in the count vector at most."""

TITLE_PREFIX = "t:"
LEVEL_MARK = "#"
COUNT_MARK = "@"
"""The count vector's term starts with it (no other term holds one)."""

COUNT_BASE = 0x30
"""A count ``n`` is the character ``chr(COUNT_BASE + n)`` in the count vector's term ('1' to 'p')."""

TERMS_VERSION = "terms2"
"""Bump when :func:`story_terms` changes, so stored term sets are rebuilt."""

VECTORS_VERSION = "vectors2"
"""Bump when the count vector's term changes (:func:`vector_term`): a run with
``story_vectors`` rebuilds the stored term sets (``vectors``: a term per word)."""


def recurring_terms(
    titles: Iterable[str],
    *,
    share: float = RECURRING_SHARE,
    min_titles: int = RECURRING_MIN_TITLES,
) -> frozenset[str]:
    """The words a source keeps putting in its own titles: its name, its section labels.

    A word in at least ``share`` of ``titles`` (and in ``min_titles`` of
    them) is the source's own: heise's "im Test", a podcast host's
    "RSS.com", "Episode". Give it the source's recent titles, those of the
    current fetch included, so it works from a feed's first fetch (a feed
    carries ten to fifty entries). The price: a subject one source covers
    in a fifth of its recent posts is taken for a label too, so pass a few
    dozen titles, not the last three.
    """
    seen = list(titles)
    counts: Counter[str] = Counter()
    for title in seen:
        counts.update(set(content_words(title)))
    floor = max(min_titles, math.ceil(share * len(seen)))
    return frozenset(w for w, n in counts.items() if n >= floor)


def _level(count: int) -> int:
    return min(MAX_LEVEL, 1 + int(math.log2(count)))


def _counted(title_words: list[str], body: list[tuple[str, bool]]) -> Counter[str]:
    words = [w for w, _ in body]
    counts = Counter(words)  # counted in C
    for _ in range(LEAD_BOOST - 1):
        counts.update(words[:LEAD_WORDS])
    for w in title_words:
        counts[w] += TITLE_BOOST
    return counts


def story_terms(
    title: str, text: str = "", *, ignore: Collection[str] = (), counts: bool = False
) -> frozenset[str]:
    """What identifies the news an article reports, as a set of strings.

    ``t:``-prefixed title words, and (when the text has at least
    :data:`MIN_TEXT_WORDS` content words) the body vector: title words
    counted :data:`TITLE_BOOST` times, the body's names and numbers once per
    mention, the most frequent with a copy per level (``word``, ``word#2``,
    ...). With ``counts`` and any body text, the count vector too: every content word of
    title and body with its count (title words counted
    :data:`TITLE_BOOST` times, the first :data:`LEAD_WORDS` of the body
    :data:`LEAD_BOOST` times), what the window's weighted cosine compares
    (:func:`jjfeed.story.window_similarity`), as one term (:func:`vector_term`:
    one string to store and carry, not a few hundred). ``ignore``: words that
    identify the source rather than the news (:func:`recurring_terms`,
    :func:`name_terms`), dropped everywhere.
    """
    return _terms_and_counts(title, text, ignore, counts)[0]


def counted_terms(
    title: str, text: str = "", *, ignore: Collection[str] = ()
) -> tuple[frozenset[str], dict[str, int]]:
    """:func:`story_terms` with ``counts``, and the count vector's ``{word: count}`` in word order.

    Without body text, the title words counted :data:`TITLE_BOOST` times (as
    :func:`count_vector` reads a headline): the words the window compares,
    made without reading the ``word@count`` strings back.
    """
    terms, counted, title_words = _terms_and_counts(title, text, ignore, True)
    if counted:
        return terms, counted
    return terms, {w: TITLE_BOOST for w in sorted(set(title_words))}


def vector_term(counted: Mapping[str, int]) -> str:
    """A count vector (``{word: count}`` in word order) as one term.

    :data:`COUNT_MARK`, one character per count (:data:`COUNT_BASE`), a
    space, and the words, space-separated: ``@53 bridge storm``.
    """
    counts = "".join(chr(COUNT_BASE + min(MAX_COUNT, n)) for n in counted.values())
    return f"{COUNT_MARK}{counts} {' '.join(counted)}"


def vector_parts(terms: Iterable[str]) -> tuple[str, str] | None:
    """The count vector's term of a set, split: its counts' characters and its words (None: no vector)."""
    for t in terms:
        if t.startswith(COUNT_MARK):
            counts, _, words = t[1:].partition(" ")
            return counts, words
    return None


def term_count(terms: Collection[str]) -> int:
    """How many terms a set has, each word of its count vector one."""
    parts = vector_parts(terms) if has_body(terms) else None
    return len(terms) if parts is None else len(terms) - 1 + len(parts[0])


def term_words(terms: Iterable[str]) -> set[str]:
    """The words a set's terms stand for (:func:`base_term`), its count vector's among them."""
    words: set[str] = set()
    for t in terms:
        if t.startswith(COUNT_MARK):
            words.update(t[1:].partition(" ")[2].split(" "))
        else:
            words.add(base_term(t))
    return words


def _terms_and_counts(
    title: str, text: str, ignore: Collection[str], counts: bool
) -> tuple[frozenset[str], dict[str, int] | None, list[str]]:
    """The story terms, the body's word counts (with ``counts`` and any body; capped, in word
    order) and the title words."""
    stops = stopwords_for(language(f"{title}\n{text[:3000]}"))
    if ignore:
        stops = stops | frozenset(ignore)
    title_words = [w for w, _ in _content_tokens(title, stops)]
    terms = {TITLE_PREFIX + w for w in title_words}
    body = _content_tokens(text, stops) if text else []
    counted = None
    if body and counts:
        counted = dict(
            sorted((w, min(MAX_COUNT, n)) for w, n in _counted(title_words, body).items())
        )
        terms.add(vector_term(counted))
    if len(body) < MIN_TEXT_WORDS:
        return frozenset(terms), counted, title_words
    mentions: Counter[str] = Counter()
    first: dict[str, int] = {}
    for w in title_words:
        mentions[w] += TITLE_BOOST
        first.setdefault(w, -1)
    for position, (w, salient) in enumerate(body):
        if salient:
            mentions[w] += 1
            first.setdefault(w, position)
    ranked = sorted(mentions, key=lambda w: (-mentions[w], first[w]))[:BODY_TERMS]
    for w in ranked:
        terms.add(w)
        terms.update(f"{w}{LEVEL_MARK}{n}" for n in range(2, _level(mentions[w]) + 1))
    return frozenset(terms), counted, title_words


def base_term(term: str) -> str:
    """The word a story term stands for: ``t:word`` and ``word#3`` are ``word``.

    The count vector's term stands for many (:func:`term_words`).
    """
    if term.startswith(TITLE_PREFIX):
        return term[len(TITLE_PREFIX) :]
    return term.split(COUNT_MARK, 1)[0].split(LEVEL_MARK, 1)[0]


def has_body(terms: Collection[str]) -> bool:
    """True when the terms carry a count vector (:func:`vector_term`): the article has body text.

    Not read through the profiles' cache: that would keep the whole set (a
    count vector of hundreds of words) alive for thousands of articles.
    """
    return any(COUNT_MARK in t for t in terms)


def key_terms(terms: Iterable[str]) -> list[str]:
    """The terms the story keys are made of: all but the count vector."""
    return [t for t in terms if COUNT_MARK not in t]


@functools.lru_cache(maxsize=256)
def plain_terms(terms: frozenset[str]) -> frozenset[str]:
    """:func:`key_terms` as a set: what the plain rule compares (:func:`story_similarity`).

    One set for one article's terms (cached for the few in use at once), so
    the places a run keeps an article's terms share it; the count vector
    stays out of them (a run holds thousands of sets).
    """
    return frozenset(key_terms(terms)) if has_body(terms) else terms


def has_text(terms: Collection[str]) -> bool:
    """True when the terms come from an article with enough text to compare bodies."""
    if isinstance(terms, frozenset):
        return _cached_profile(terms).text
    return any(LEVEL_MARK in t for t in terms)


class _Profile(NamedTuple):
    """A term set read once: body levels, their unweighted norm, the title terms.

    ``text``: the set has a body vector (some word counted more than once).
    The count vector is read by :func:`count_vector`, not kept here: this
    cache holds thousands of sets, and a count vector is several hundred words.
    """

    levels: dict[str, int]
    norm: float
    title: frozenset[str]
    text: bool


def _read_profile(terms: Iterable[str]) -> _Profile:
    levels: dict[str, int] = {}
    title = []
    for t in terms:
        if COUNT_MARK in t:  # the count vector
            continue
        if t.startswith(TITLE_PREFIX):
            title.append(t)
            continue
        word, mark, n = t.partition(LEVEL_MARK)
        level = int(n) if mark and n.isdigit() else 1
        if level > levels.get(word, 0):
            levels[word] = level
    norm = math.sqrt(sum(n * n for n in levels.values()))
    text = any(n > 1 for n in levels.values())
    return _Profile(levels, norm, frozenset(title), text)


_HEADLINE_TF = 1.0 + math.log(TITLE_BOOST)
_TF = [1.0] + [1.0 + math.log(n) for n in range(1, MAX_COUNT + 1)]


@functools.lru_cache(maxsize=256)
def count_vector(terms: frozenset[str]) -> dict[str, float]:
    """The count vector of a term set: each word's ``1 + ln(count)``, what the weighted cosine compares.

    A set without one (a headline alone) counts as its title words, counted
    :data:`TITLE_BOOST` times. By word, in word order (not the set's, which moves
    with the process's string hashing: the window's word ids, sums and ties then
    come out the same in every run). Cached for the few sets in use at once;
    callers never mutate the result. The window reads the packed form
    (:func:`jjfeed.story.packed_vector`).
    """
    parts = vector_parts(terms) if has_body(terms) else None
    if parts is None:
        title = (t[len(TITLE_PREFIX) :] for t in terms if t.startswith(TITLE_PREFIX))
        return {w: _HEADLINE_TF for w in sorted(title)}
    counts, words = parts
    tf = _TF
    return {w: tf[ord(c) - COUNT_BASE] for w, c in zip(words.split(" "), counts, strict=True)}


@functools.lru_cache(maxsize=8192)
def _cached_profile(terms: frozenset[str]) -> _Profile:
    # One article is compared with dozens of candidates, and each candidate
    # with many articles: read each set once. Callers never mutate the result.
    return _read_profile(terms)


def _profile(terms: Collection[str]) -> _Profile:
    if isinstance(terms, frozenset):
        return _cached_profile(terms)
    return _read_profile(terms)
