"""The story decision: which story an article joins, from its similarities to the members."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta

from ..model import UPDATE_WORDS
from .similarity import MIN_WINDOW_DOCS, Weight, story_similarity
from .terms import has_body, has_text, term_words

# -- thresholds (chosen on the dev halves; see docs/benchmarks.md, Stories) ------

STORY_LINK = 0.02
"""Mean similarity to a story's members at or above which an article joins it."""

TEXT_STORY_LINK = 0.2
"""The same for an article with a body vector, weighed against the window (ECB+ dev half).

A body's weighted similarity is sharper than a headline's Jaccard, and the
first article of a second, similar event must not join the first event's
story on a few members' evidence: it founds its own.
"""

STORY_EVIDENCE = 0.2
"""Sum of the similarities to a story's members needed to join it (one match of 0.2 will do)."""
SAME_SOURCE_LINK = 0.5
"""Similarity two posts of one source need before it counts (see :func:`member_similarity`)."""

SAME_STORY = 0.35
"""Pairwise similarity at or above which :func:`same_story` calls two articles one story."""

MIN_SHARED = 2
"""Shared terms :func:`same_story` needs: one common word is never a story."""

MIN_TERMS = 2
"""An article with fewer story terms ("Going Through Channels") decides nothing."""

MIN_SHARED_KEYS = 1
"""Story keys (of 32 one-row bands: agreeing min-hashes of the term sets) a candidate shares.

An article with a body vector needs :data:`MIN_SHARED_KEYS_TEXT` (see :func:`min_shared_keys`).
"""

MIN_SHARED_KEYS_TEXT = 2
"""Story keys a candidate shares with an article that has a body vector.

A body vector has some 60 terms: one agreeing key of 32 is what two unrelated
articles of one week share through common words (Jaccard 0.03 gives one with
probability 0.6), and each such candidate costs a cosine. On ECB+ two keys
change pairwise P/R from .840/.687 to .844/.673 (whole set, first draw; over
five draws .841/.680 to .851/.671); on titles alone (UCI) they cost a fifth of
the recall, so a title-only article keeps one (`benchmarks/bench_stories.py`).
"""
WINDOW = timedelta(days=1)
"""Two articles further apart than this are not one story (when both dates are known).

The pipeline compares a new article with the members dated within the
window of *its own* date, so coverage day after day keeps joining a story,
and a subject that went quiet for longer comes back as a new one.
``dedup.story_window_days`` in feeds.yaml sets it.
"""


def min_shared_keys(terms: Collection[str]) -> int:
    """Story keys a candidate must share with an article of these terms to be scored."""
    return MIN_SHARED_KEYS_TEXT if has_text(terms) else MIN_SHARED_KEYS


def link_threshold(
    terms: Collection[str], window_docs: int = 0, against_body: bool = False
) -> float:
    """The mean link to a story an article of these terms needs to join it.

    :data:`TEXT_STORY_LINK` when its similarities are weighted cosines (it
    has body text, or ``against_body``: the story's members it was compared
    with have, and the window has ``window_docs`` articles to weigh with,
    see :func:`window_similarity`), else :data:`STORY_LINK`. A link is
    judged on the scale it was measured on: a headline's weighted cosine
    with a body is not a headline Jaccard, and the lenient bar of two
    headlines let a one-sentence report join the twin event's story.
    """
    if (against_body or has_body(terms)) and window_docs >= MIN_WINDOW_DOCS:
        return TEXT_STORY_LINK
    return STORY_LINK


SERIES_NUMBERS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve first second third"
    " fourth fifth sixth seventh eighth ninth tenth ii iii iv vi vii viii ix xi xii".split()
)
"""Words that number an installment as digits do ("Day Two", "Part III")."""

_TITLE_WORD = re.compile(r"\w+")


SERIES_MIN_WORDS = 3
"""Words a title needs for another title that ends with them to be its series' (see
:func:`numbered_apart`)."""


def _numbering(word: str) -> bool:
    return word in SERIES_NUMBERS or any(c.isdigit() for c in word)


def numbered_apart(a: str, b: str) -> bool:
    """Two titles of one series: the same words, in order, but for the installment's number.

    "Game of the Year 2017: Day One Deliberations" and "... Day Two ...",
    "Giant Bombcast 10-07-2008" and "... 10-08-2008", "v3.8.3" and "v3.8.4",
    "CEO Sells $91750.00 in Stock" and "... $53170714.63 ...": one source's
    numbered posts, each its own. A headline that says it is an update ("--
    3rd Update") renumbers the same story, and is not apart. Words around
    the other title's (a show's name some of its posts carry: "Giant Bombcast
    Giant Bomb @ Nite ...: Nite 2" after "Giant Bomb @ Nite ...: Nite 1"; a
    word after: "Giant Bombcast Microcast 06-01-2009 AM" beside "Giant
    Bombcast MicroCast 06-02-2009") do not count, when the other has
    :data:`SERIES_MIN_WORDS` or more.
    """
    wa, wb = _TITLE_WORD.findall(a.casefold()), _TITLE_WORD.findall(b.casefold())
    if len(wa) > len(wb):
        wa, wb = wb, wa
    if UPDATE_WORDS.intersection(wa, wb):
        return False
    if len(wa) < SERIES_MIN_WORDS:
        return len(wa) == len(wb) and _installments(wa, wb)
    # The shorter title against each run of as many of the longer's words: a show's name
    # ahead, or a word after ("... 06-01-2009 AM"), does not count. Found whole, it is
    # the same installment.
    runs = [wb[i : i + len(wa)] for i in range(len(wb) - len(wa) + 1)]
    return wa not in runs and any(_installments(wa, run) for run in runs)


def _installments(wa: list[str], wb: list[str]) -> bool:
    """The same words, in order, but for at least one number."""
    pairs = zip(wa, wb, strict=True)
    return wa != wb and all(x == y or (_numbering(x) and _numbering(y)) for x, y in pairs)


def member_similarity(similarity: float, same_source: bool, series: bool = False) -> float:
    """A similarity as story evidence: two posts of one source need strong evidence.

    A source's posts share its vocabulary, its section labels and its
    subjects, so they look alike without telling one story; below
    :data:`SAME_SOURCE_LINK` their similarity counts as 0. ``series``: the
    two are installments of one of the source's series
    (:func:`numbered_apart`), whose titles are alike by design: never
    evidence. Apply it to each candidate member before :func:`choose_story`.
    """
    if same_source and (series or similarity < SAME_SOURCE_LINK):
        return 0.0
    return similarity


def within_window(
    a_time: datetime | None, b_time: datetime | None, window: timedelta = WINDOW
) -> bool:
    """True unless both dates are known and further apart than ``window``."""
    if a_time is None or b_time is None:
        return True
    return abs(a_time - b_time) <= window


def same_story(
    a: Collection[str],
    b: Collection[str],
    *,
    a_time: datetime | None = None,
    b_time: datetime | None = None,
    window: timedelta = WINDOW,
    weight: Weight | None = None,
    threshold: float = SAME_STORY,
) -> bool:
    """The pairwise verdict: close enough, enough in common, close enough in time."""
    if len(a) < MIN_TERMS or len(b) < MIN_TERMS:
        return False
    if len(term_words(a) & term_words(b)) < MIN_SHARED:
        return False
    if not within_window(a_time, b_time, window):
        return False
    return story_similarity(a, b, weight) >= threshold


def story_link(similarities: Iterable[float], story_size: int) -> float:
    """Average-link score of an article to a story of ``story_size`` members.

    ``similarities`` are the article's similarities to the members that LSH
    proposed (and that are inside the window); members not proposed count as
    0, which is why the size is needed.
    """
    if story_size <= 0:
        return 0.0
    return sum(similarities) / story_size


def joins_story(
    similarities: Iterable[float],
    story_size: int,
    threshold: float = STORY_LINK,
    evidence: float = STORY_EVIDENCE,
) -> bool:
    """True when the article is close to the story as a whole *and* to enough of it.

    Two conditions: the mean similarity over all the story's members reaches
    ``threshold`` (a big story does not swallow an article that touches one
    of its hundred members), and the similarities add up to ``evidence`` (a
    one-article story is not joined on one shared word).
    """
    values = list(similarities)
    return (
        story_size > 0 and sum(values) >= evidence and story_link(values, story_size) >= threshold
    )


def choose_story(
    similarities: Mapping[str, list[float]],
    sizes: Mapping[str, int],
    threshold: float | Mapping[str, float] = STORY_LINK,
    evidence: float = STORY_EVIDENCE,
) -> str | None:
    """The story an article joins: the best average link among those it may join.

    ``similarities`` maps each candidate story to the article's similarities
    with its proposed members; ``sizes`` gives each story's size inside the
    window; ``threshold`` the mean link needed, or per story (a story missing
    from it: :data:`STORY_LINK`). Ties go to the smaller story id, so the
    verdict is deterministic.
    """
    best: tuple[float, str] | None = None
    for sid in sorted(similarities):
        values, size = similarities[sid], sizes.get(sid, 0)
        bar = threshold.get(sid, STORY_LINK) if isinstance(threshold, Mapping) else threshold
        if not joins_story(values, size, bar, evidence):
            continue
        link = story_link(values, size)
        if best is None or link > best[0]:
            best = (link, sid)
    return best[1] if best else None
