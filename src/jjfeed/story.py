"""Story-level similarity: do two different write-ups report the same news?

A duplicate (``dedup``) is the same text; a story is the same *event* told in
different words. What the write-ups of one event share is not their prose
but what they talk about: the content words of the headline, and the names
and numbers the body keeps repeating ("Klitschko", "Thompson", "58-3").
This module picks those terms and decides on them; it is pure (stdlib only),
so ``dedup`` can MinHash the same term sets for LSH candidates and the
pipeline can call :func:`story_similarity` and :func:`choose_story` for the
verdict.

Terms are plain strings, so a set of them is valid MinHash input:

- ``t:word``: the content words of the title (stop words of the title's
  language and headline filler removed, possessives and plural ``-s``
  stripped, number words as digits);
- ``word``, ``word#2`` ... ``word#5``: the body vector: the title words
  (each counted :data:`TITLE_BOOST` times) and the names and numbers of the
  body, the :data:`BODY_TERMS` most frequent, each with one copy per level
  of ``1 + log2(count)``. The copies make a set carry a term's weight:
  overlap on them is overlap of log-frequency vectors, and MinHash stays
  exact. An article without enough text (:data:`MIN_TEXT_WORDS`) has none.

Two articles with text are compared on their body vectors (a cosine over the
levels, :func:`text_similarity`); otherwise on their titles (Jaccard of the
``t:`` terms). Both come out on one scale, so one decision rule serves both:
an article joins the story with the best *average link* (the mean of its
similarities to the story's members in the window) when that mean reaches
:data:`STORY_LINK` and the similarities add up to :data:`STORY_EVIDENCE`
(:func:`choose_story`). Thresholds were chosen on half the labelled data,
split by story and by topic (``benchmarks/bench_stories.py``, figures in
``docs/benchmarks.md``).

The pipeline may sharpen the terms with what only it knows: the words a
source repeats in its own titles (:func:`recurring_terms`, :func:`name_terms`,
passed to :func:`story_terms` as ``ignore``), the document frequency of
terms in the window (:class:`TermWeights`, passed as ``weight``), and whether
two articles come from one source (:func:`member_similarity`).
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import NamedTuple

# -- thresholds (chosen on the dev halves; see docs/benchmarks.md, Stories) ------

STORY_LINK = 0.02
"""Mean similarity to a story's members at or above which an article joins it."""

STORY_EVIDENCE = 0.2
"""Sum of the similarities to a story's members needed to join it (one match of 0.2 will do)."""

TEXT_FLOOR = 0.35
"""Body cosine two articles of different events reach anyway (same topic, same kind of news).

Only what lies above it counts as story evidence: ``(cosine - TEXT_FLOOR) *
TEXT_SCALE``, at most 1. Two earthquake reports, or two rehab stays of two actresses,
share a cosine of 0.2-0.3 on words alone; write-ups of one event reach 0.3-0.7.
"""

TEXT_SCALE = 3.0
"""Scale of the body cosine above :data:`TEXT_FLOOR`, onto the title similarity's scale."""

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

WINDOW = timedelta(days=1)
"""Two articles further apart than this are not one story (when both dates are known).

The pipeline compares a new article with the members dated within the
window of *its own* date, so coverage day after day keeps joining a story,
and a subject that went quiet for longer comes back as a new one.
``dedup.story_window_days`` in feeds.yaml sets it.
"""

TITLE_PREFIX = "t:"
LEVEL_MARK = "#"

TERMS_VERSION = "terms2"
"""Bump when :func:`story_terms` changes, so stored term sets are rebuilt."""

# -- vocabulary -------------------------------------------------------------------

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
    one's it's that's here's what's who's i'm i've i'll i'd you're we're they're don't doesn't
    didn't isn't aren't wasn't can't won't
    says say said saying tells told report reports reported reportedly update updated updates
    new news video videos photo photos pic pics watch watching read more breaking exclusive
    today week just latest first look
    com www http https html
    """.split()
)
"""English function words, headline filler, and the pieces of a web address."""

STOPWORDS_BY_LANGUAGE: dict[str, frozenset[str]] = {
    "de": frozenset(
        """
        aber alle allem allen aller alles als also am an ans auch auf aus bei beim bin bis bist
        da dadurch daher darum das dass daß dein deine dem den denn der des dessen deshalb die
        dies diese diesem diesen dieser dieses doch dort du durch ein eine einem einen einer
        eines er es euer eure für fürs gegen hat hatte hatten hier hin hinter ich ihm ihn ihnen
        ihr ihre ihrem ihren ihrer im in ins ist ja jede jedem jeden jeder jedes jetzt kann
        kein keine keinem keinen keiner können könnte man mehr mein meine mich mir mit muss
        müssen nach nicht nichts noch nun nur ob oder ohne sehr sein seine seinem seinen seiner
        sich sie sind so soll sollen sollte sondern über um und uns unser unsere unter vom von
        vor wann war waren warum was weil welche welchem welchen welcher welches wenn wer wie
        wieder wir wird wo wurde wurden zu zum zur zwischen neu neue neuen neuer neues jetzt
        heute gibt geht
        """.split()
    ),
    "fr": frozenset(
        """
        à au aux avec ce ces cet cette dans de des du elle elles en est et été être eux il ils
        je la le les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ont ou où
        par pas pour qu que qui sa sans se ses son sont sur ta te tes toi ton tu un une vos
        votre vous y c d j l m n s t a fait plus comme tout tous toute toutes aussi après avant
        chez entre sous très peut doit sera selon depuis contre nouveau nouvelle
        """.split()
    ),
    "nl": frozenset(
        """
        aan al alles als bij daar dan dat de der deze die dit doch door dus een en er ge geen
        had heb hebben heeft het hier hij hoe hun iets ik in is ja je kan kon maar me meer men
        met mij mijn na naar niet niets nog nu of om omdat ook op over te tegen toch toen tot u
        uit uw van veel voor want was wat we wel werd wie wij wil worden wordt zal ze zelf zich
        zij zijn zo zonder zou nieuwe nieuw
        """.split()
    ),
    "es": frozenset(
        """
        a al algo algunos ante antes como con contra cual cuando de del desde donde durante e
        el ella ellas ellos en entre era es esa esas ese eso esos esta estas este esto estos
        fue fueron ha han hasta hay la las le les lo los más me mi mis muy nada ni no nos o
        otra otro para pero por porque que quien se ser si sin sobre su sus también tan te
        tiene todo todos tu un una uno unos y ya nuevo nueva según
        """.split()
    ),
    "it": frozenset(
        """
        a ad al alla alle agli ai anche che chi ci come con contro cui da dal dalla dei del
        della delle dello di e è ed gli ha hanno i il in la le lo ma mi ne nei nel nella non
        o per più poi quando questa questo se si sono su sua sue suo sul sulla tra un una uno
        dopo senza nuovo nuova ancora essere stato
        """.split()
    ),
    "pt": frozenset(
        """
        a ao aos as à às com como da das de do dos e é em entre era essa esse esta este eu foi
        há isso já mais mas me muito na nas não no nos o os ou para pela pelo por que se sem
        ser seu seus sua suas também tem um uma umas uns novo nova após sobre
        """.split()
    ),
}
"""Function words of the other languages jjfeed meets most in feeds.

Only the detected language's list is used (:func:`language`): German "die",
"war" and "man", or French "son", are content words in an English headline
("Three die in bank riot").
"""

_ALSO_ENGLISH = frozenset(
    """
    a al also am an ante bin chi come con da dan de del den di die do door dos e ed er era eu
    ge had han hat hay hin hoe hun i il in is kan la lo ma man me men met mi mis mon na nada
    nas ne no non nos nova nu nun o of om on op os over par para per plus poi pour sa sans se
    sem si sin so son sono sue tan te to tot tu u um un uno van want war was wat we will wo ze
    """.split()
)
"""Other languages' function words that are English words or abbreviations too ("die", "war")."""

_UNMISTAKABLE = frozenset().union(*STOPWORDS_BY_LANGUAGE.values()) - _ALSO_ENGLISH
"""Function words of the other languages that no English text uses as a word."""

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
_SENTENCE_END = re.compile(r"""[.!?:;]["'”’)\]]*\s+|\n""")
_ORDINAL = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ELISIONS = frozenset("l d j m n s t c qu jusqu lorsqu puisqu dell all nell sull dall un".split())
"""French and Italian elided articles: "l'État" is "État", "dell'anno" is "anno"."""

_LANGUAGE_SAMPLE = 400
"""Words read to guess an article's language."""


def language(text: str) -> str:
    """The language of ``text`` by its function words: "en", "de", "fr", "nl", "es", "it", "pt".

    English unless another language's function words are at least two and
    strictly more frequent: a tie ("Three die in bank riot": "die" and "in"
    are German too) and a lone "war" stay English.
    """
    words = [w.casefold().replace("’", "'") for w in _WORD.findall(text)[:_LANGUAGE_SAMPLE]]
    best, best_hits = "en", max(1, sum(w in STOPWORDS for w in words))
    for lang, stops in STOPWORDS_BY_LANGUAGE.items():
        hits = sum(w in stops for w in words)
        if lang in ("fr", "it"):  # "l'État", "dell'anno"
            hits += sum("'" in w and w.split("'", 1)[0] in _ELISIONS for w in words)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best


def stopwords_for(lang: str) -> frozenset[str]:
    """The stop words of an article in ``lang``.

    English's, those of ``lang``, and the other languages' function words
    that are no English word ("im", "und", "les", "het"): a German label in
    an English-looking title ("Xbox One X im 4K-Test") is still no term.
    """
    return STOPWORDS | _UNMISTAKABLE | STOPWORDS_BY_LANGUAGE.get(lang, frozenset())


def normalise(word: str) -> str:
    """One word as a story term: case, possessive, plural ``-s``, number words.

    Deliberately light (no stemmer): "launches" -> "launch", "prices" ->
    "price", "Ritter's" -> "ritter", "two" -> "2", "3rd" -> "3".
    """
    w = word.casefold().replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    head, apostrophe, tail = w.partition("'")
    if apostrophe and head in _ELISIONS and tail:
        w = tail
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


def _content_tokens(text: str, stopwords: frozenset[str]) -> list[tuple[str, bool]]:
    """``(term, salient)`` for each content word.

    Salient: a name (capitalised inside a sentence) or a number. These are
    what tell one event from another of its kind ("Thompson" or "Rahman",
    "58-3" or "52-3"); the common words of the body are shared by every
    story on the subject, and without the window's document frequencies
    nothing would tell them from the words that matter.
    """
    out = []
    for sentence in _SENTENCE_END.split(text):
        for k, token in enumerate(_WORD.findall(sentence)):
            if token.casefold().replace("’", "'") in stopwords:
                continue
            w = normalise(token)
            if w and w not in stopwords and not (len(w) == 1 and w.isalpha()):
                out.append((w, (k > 0 and token[0].isupper()) or w[0].isdigit()))
    return out


def content_words(text: str, stopwords: frozenset[str] | None = None) -> list[str]:
    """Normalised words of ``text`` without stop words or lone letters, in order.

    ``stopwords`` defaults to those of the language :func:`language` finds.
    """
    stops = stopwords if stopwords is not None else stopwords_for(language(text))
    return [w for w, _ in _content_tokens(text, stops)]


def title_terms(title: str) -> frozenset[str]:
    """The content words of a headline (without the ``t:`` prefix)."""
    return frozenset(content_words(title))


def name_terms(name: str) -> frozenset[str]:
    """The words of a source's name ("RSS.com Blog" -> rss, blog): they identify the source.

    Pass them, with :func:`recurring_terms`, as ``ignore`` to :func:`story_terms`.
    """
    return frozenset(content_words(name, stopwords_for(language(name))))


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


def story_terms(title: str, text: str = "", *, ignore: Collection[str] = ()) -> frozenset[str]:
    """What identifies the news an article reports, as a set of strings.

    ``t:``-prefixed title words, and (when the text has at least
    :data:`MIN_TEXT_WORDS` content words) the body vector: title words
    counted :data:`TITLE_BOOST` times, the body's names and numbers once per
    mention, the most frequent with a copy per level (``word``, ``word#2``,
    ...). ``ignore``: words that
    identify the source rather than the news (:func:`recurring_terms`,
    :func:`name_terms`), dropped everywhere.
    """
    stops = stopwords_for(language(f"{title}\n{text[:3000]}"))
    if ignore:
        stops = stops | frozenset(ignore)
    title_words = [w for w, _ in _content_tokens(title, stops)]
    terms = {TITLE_PREFIX + w for w in title_words}
    body = _content_tokens(text, stops) if text else []
    if len(body) < MIN_TEXT_WORDS:
        return frozenset(terms)
    counts: Counter[str] = Counter()
    first: dict[str, int] = {}
    for w in title_words:
        counts[w] += TITLE_BOOST
        first.setdefault(w, -1)
    for position, (w, salient) in enumerate(body):
        if salient:
            counts[w] += 1
            first.setdefault(w, position)
    ranked = sorted(counts, key=lambda w: (-counts[w], first[w]))[:BODY_TERMS]
    for w in ranked:
        terms.add(w)
        terms.update(f"{w}{LEVEL_MARK}{n}" for n in range(2, _level(counts[w]) + 1))
    return frozenset(terms)


def base_term(term: str) -> str:
    """The word a story term stands for: ``t:word`` and ``word#3`` are ``word``."""
    if term.startswith(TITLE_PREFIX):
        return term[len(TITLE_PREFIX) :]
    return term.split(LEVEL_MARK, 1)[0]


def min_shared_keys(terms: Collection[str]) -> int:
    """Story keys a candidate must share with an article of these terms to be scored."""
    return MIN_SHARED_KEYS_TEXT if has_text(terms) else MIN_SHARED_KEYS


def has_text(terms: Collection[str]) -> bool:
    """True when the terms come from an article with enough text to compare bodies."""
    if isinstance(terms, frozenset):
        return _cached_profile(terms).text
    return any(LEVEL_MARK in t for t in terms)


# -- similarity ---------------------------------------------------------------------

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


class _Profile(NamedTuple):
    """A term set read once: body levels, their unweighted norm, the title terms.

    ``text``: the set has a body vector (some word counted more than once).
    """

    levels: dict[str, int]
    norm: float
    title: frozenset[str]
    text: bool


def _read_profile(terms: Iterable[str]) -> _Profile:
    levels: dict[str, int] = {}
    title = []
    for t in terms:
        if t.startswith(TITLE_PREFIX):
            title.append(t)
            continue
        word, mark, n = t.partition(LEVEL_MARK)
        level = int(n) if mark and n.isdigit() else 1
        if level > levels.get(word, 0):
            levels[word] = level
    norm = math.sqrt(sum(n * n for n in levels.values()))
    return _Profile(levels, norm, frozenset(title), any(n > 1 for n in levels.values()))


@functools.lru_cache(maxsize=8192)
def _cached_profile(terms: frozenset[str]) -> _Profile:
    # One article is compared with dozens of candidates, and each candidate
    # with many articles: read each set once. Callers never mutate the result.
    return _read_profile(terms)


def _profile(terms: Collection[str]) -> _Profile:
    if isinstance(terms, frozenset):
        return _cached_profile(terms)
    return _read_profile(terms)


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


def member_similarity(similarity: float, same_source: bool) -> float:
    """A similarity as story evidence: two posts of one source need strong evidence.

    A source's posts share its vocabulary, its section labels and its
    subjects, so they look alike without telling one story; below
    :data:`SAME_SOURCE_LINK` their similarity counts as 0. Apply it to each
    candidate member before :func:`choose_story`.
    """
    if same_source and similarity < SAME_SOURCE_LINK:
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
    if len({base_term(t) for t in a} & {base_term(t) for t in b}) < MIN_SHARED:
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
    threshold: float = STORY_LINK,
    evidence: float = STORY_EVIDENCE,
) -> str | None:
    """The story an article joins: the best average link among those it may join.

    ``similarities`` maps each candidate story to the article's similarities
    with its proposed members; ``sizes`` gives each story's size inside the
    window. Ties go to the smaller story id, so the verdict is deterministic.
    """
    best: tuple[float, str] | None = None
    for sid in sorted(similarities):
        values, size = similarities[sid], sizes.get(sid, 0)
        if not joins_story(values, size, threshold, evidence):
            continue
        link = story_link(values, size)
        if best is None or link > best[0]:
            best = (link, sid)
    return best[1] if best else None
