"""Story-level similarity: do two different write-ups report the same news?

A duplicate (``dedup.py``) is the same text; a story is the same *event* told
in different words. What the write-ups of one event share is not their prose
but a handful of identifying terms: the content words of the headline (names,
the thing that happened, numbers) and the names the body keeps repeating
("Jessica Jones", "Krysten Ritter", "New York Police Department"). This
module picks those terms and decides on them; it is pure (stdlib only), so
``dedup.py`` can MinHash the same term sets for LSH candidates and then call
:func:`same_story` / :func:`joins_story` for the exact verdict.

Terms are plain strings so a set of them is valid MinHash input:

- title terms: case-folded content words of the title, stopwords and
  headline filler ("says", "new", "video") removed, possessives and plural
  ``-s`` stripped, number words written as digits (``two`` -> ``2``);
- entity terms, prefixed ``e:``: capitalised multi-word sequences of the body
  (and all-caps acronyms), the most frequent :data:`MAX_ENTITIES` of them.

Two levels of decision, measured on real headlines
(``benchmarks/bench_stories.py``, figures in ``docs/benchmarks.md``):

- :func:`same_story`: one pair is close enough to be the same story
  (Jaccard of the term sets >= :data:`SAME_STORY`, with at least
  :data:`MIN_SHARED` shared terms, inside the time window);
- :func:`joins_story`: an article joins an existing story when its *mean*
  similarity to the story's members is >= :data:`STORY_LINK` (average link)
  and its similarities add up to :data:`STORY_EVIDENCE`.
  Single-link chaining over pairwise matches merges neighbouring stories
  ("stocks fall on China data" chains into "oil falls on China data"); the
  average over all members is what keeps precision.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

# -- thresholds (chosen on the dev half of uci-headlines-dev; see docs/benchmarks.md)

SAME_STORY = 0.35
"""Pairwise Jaccard of term sets at or above which two articles are one story."""

MIN_SHARED = 2
"""Shared terms needed for any pairwise match: one common word is never a story."""

STORY_LINK = 0.02
"""Mean similarity to a story's members at or above which an article joins it."""

STORY_EVIDENCE = 0.2
"""Sum of the similarities to a story's members needed to join it (one match of 0.2 will do)."""

MIN_TERMS = 2
"""An article with fewer story terms ("Going Through Channels") decides nothing."""

MIN_SHARED_KEYS = 2
"""Story keys (of 32 one-row bands: agreeing min-hashes of the term sets) a candidate shares."""

MAX_ENTITIES = 12
"""Entity terms kept from the body: the most frequent names, not every proper noun."""

WINDOW = timedelta(days=1)
"""Two articles further apart than this are not one story (when both dates are known).

A story stays open while it is covered: each new write-up is compared with
those of the day before and after, so coverage day after day keeps joining,
while a subject that went quiet for a day and comes back is a new story (the
same game's launch covered two days apart, with headlines nothing else tells
apart). Chosen on the UCI dev half: see docs/benchmarks.md, Stories.
"""

ENTITY_PREFIX = "e:"

TERMS_VERSION = "terms1"
"""Bump when :func:`story_terms` changes, so stored term sets are rebuilt."""

# -- vocabulary ---------------------------------------------------------------

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself yourselves
    s t d ll m re ve amp via vs v may might must shall us get gets got go goes going let lets
    one's it's that's here's what's who's
    says say said saying tells told report reports reported reportedly update updated updates
    new news video videos photo photos pic pics watch watching read more breaking exclusive
    today week just latest first look
    """.split()
)
"""Function words and headline filler: present in stories of every kind."""

NUMBER_WORDS = {
    "zero": "0",
    "one": "1",
    "two": "2",
    "three": "3",
    "four": "4",
    "five": "5",
    "six": "6",
    "seven": "7",
    "eight": "8",
    "nine": "9",
    "ten": "10",
    "eleven": "11",
    "twelve": "12",
    "twenty": "20",
    "hundred": "100",
    "thousand": "1000",
    "million": "mln",
    "mln": "mln",
    "billion": "bln",
    "bln": "bln",
    "bn": "bln",
    "second": "2",
    "third": "3",
    "fourth": "4",
    "fifth": "5",
}
"""Spelled-out numbers as digits, so "Season Two" and "Season 2" agree.

"first" is deliberately absent: "first look", "first time" are filler.
"""

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_NAME_WORD = r"(?:[A-Z][\w'’]*(?:-[A-Z][\w'’]*)*|[A-Z]\.)"
_NAME = re.compile(
    rf"\b{_NAME_WORD}(?:[ \t]+(?:(?:of|de|van|von|du|da|del|la|le)[ \t]+)?{_NAME_WORD})+"
)
_ACRONYM = re.compile(r"\b[A-Z]{2,6}\b")
_NAME_CONNECTORS = frozenset({"of", "de", "van", "von", "du", "da", "del", "la", "le"})
_LEADING_FUNCTION_WORDS = frozenset(
    """a an the this that these those in on at by for from with of to as and or but so if when
    while after before then now also however it he she they we i you his her their our my its
    there here what who why how""".split()
)


def normalise(word: str) -> str:
    """One word as a story term: case, possessive, plural ``-s``, number words.

    Deliberately light (no stemmer): "launches" -> "launch", "prices" ->
    "price", "Ritter's" -> "ritter", "two" -> "2", "3rd" -> "3".
    """
    w = word.casefold().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    w = w.replace("'", "")
    if w in NUMBER_WORDS:
        return NUMBER_WORDS[w]
    ordinal = _ORDINAL.match(w)
    if ordinal:
        return ordinal.group(1)
    if len(w) > 3 and w.isalpha():
        if w.endswith("ies") and len(w) > 4:
            return w[:-3] + "y"
        if w.endswith(("sses", "shes", "ches", "xes", "zes")):
            return w[:-2]
        if w.endswith("s") and not w.endswith(("ss", "us", "is")):
            return w[:-1]
    return w


def content_words(text: str) -> list[str]:
    """Normalised words of ``text`` without stopwords or lone letters, in order."""
    out = []
    for token in _WORD.findall(text):
        if token.casefold().replace("’", "'") in STOPWORDS:
            continue
        w = normalise(token)
        if w and w not in STOPWORDS and not (len(w) == 1 and w.isalpha()):
            out.append(w)
    return out


def title_terms(title: str) -> frozenset[str]:
    """The content words of a headline."""
    return frozenset(content_words(title))


def _name_word(word: str) -> str:
    """A word of a name: case and possessive only ("Jones" must not become "jone")."""
    w = word.casefold().replace("’", "'")
    return w[:-2] if w.endswith("'s") else w


def entities(text: str, limit: int = MAX_ENTITIES) -> list[str]:
    """The names a body keeps using, most frequent first.

    A name is a run of two or more capitalised words ("Krysten Ritter", "New
    York Police Department", "Bank of England") or an all-caps acronym
    ("ECB", "NASA"). A leading stopword is dropped, so "The Defenders" at the
    start of a sentence counts as "defenders" (and is dropped), and a run that is only one
    word after that is not a name. Ties keep the order of first appearance.
    """
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for match in _NAME.finditer(text):
        parts = match.group(0).split()
        while parts and parts[0].casefold() in _LEADING_FUNCTION_WORDS:
            parts = parts[1:]
        while parts and parts[-1] in _NAME_CONNECTORS:
            parts = parts[:-1]
        if len(parts) < 2:
            continue
        name = " ".join(_name_word(p) for p in parts)
        counts[name] += 1
        first.setdefault(name, match.start())
    for match in _ACRONYM.finditer(text):
        name = match.group(0).casefold()
        if name in STOPWORDS:
            continue
        counts[name] += 1
        first.setdefault(name, match.start())
    ranked = sorted(counts, key=lambda n: (-counts[n], first[n]))
    return ranked[:limit]


def story_terms(title: str, text: str = "") -> frozenset[str]:
    """What identifies the news an article reports, as a set of strings.

    Title content words, plus ``e:``-prefixed names from the body. The set is
    the MinHash input for story candidates and the input of
    :func:`story_similarity`.
    """
    terms = set(title_terms(title))
    if text:
        terms.update(ENTITY_PREFIX + e for e in entities(text))
    return frozenset(terms)


# -- similarity ---------------------------------------------------------------

Weight = Callable[[str], float]


class TermWeights:
    """Inverse document frequency of story terms over a set of articles.

    Optional: with it, :func:`story_similarity` is a weighted Jaccard in which
    a term every third headline carries ("stock", "china") counts less than a
    name. The store can build one from the story terms inside the window.
    Unseen terms weigh as if seen once.
    """

    def __init__(self, term_sets: Iterable[Iterable[str]]) -> None:
        self.doc_freq: Counter[str] = Counter()
        self.docs = 0
        for terms in term_sets:
            self.docs += 1
            self.doc_freq.update(set(terms))

    def __call__(self, term: str) -> float:
        return math.log((self.docs + 1) / (self.doc_freq.get(term, 0) + 1)) + 1.0


def story_similarity(
    a: frozenset[str] | set[str], b: frozenset[str] | set[str], weight: Weight | None = None
) -> float:
    """Jaccard of two term sets (weighted by ``weight`` when given); 0.0 if either is empty."""
    if not a or not b:
        return 0.0
    common = a & b
    if not common:
        return 0.0
    if weight is None:
        return len(common) / len(a | b)
    union = sum(weight(t) for t in a | b)
    return sum(weight(t) for t in common) / union if union else 0.0


def within_window(
    a_time: datetime | None, b_time: datetime | None, window: timedelta = WINDOW
) -> bool:
    """True unless both dates are known and further apart than ``window``."""
    if a_time is None or b_time is None:
        return True
    return abs(a_time - b_time) <= window


def same_story(
    a: frozenset[str] | set[str],
    b: frozenset[str] | set[str],
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
    if len(a & b) < MIN_SHARED:
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


def choose_story(similarities: dict[str, list[float]], sizes: dict[str, int]) -> str | None:
    """The story an article joins: the best average link among those it may join.

    ``similarities`` maps each candidate story to the article's similarities
    with its proposed members; ``sizes`` gives each story's size inside the
    window. Ties go to the smaller story id, so the verdict is deterministic.
    """
    best: tuple[float, str] | None = None
    for sid in sorted(similarities):
        values, size = similarities[sid], sizes.get(sid, 0)
        if not joins_story(values, size):
            continue
        link = story_link(values, size)
        if best is None or link > best[0]:
            best = (link, sid)
    return best[1] if best else None
