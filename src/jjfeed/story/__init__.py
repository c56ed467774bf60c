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

Four modules, in the order a term set is made and used: :mod:`.vocabulary`
(stop words, languages, normalised words), :mod:`.terms` (the term sets),
:mod:`.similarity` (scores between two sets), :mod:`.decision` (the
thresholds and which story an article joins). Their names are all here.
"""

from __future__ import annotations

from .decision import (
    MIN_SHARED,
    MIN_SHARED_KEYS,
    MIN_SHARED_KEYS_TEXT,
    MIN_TERMS,
    SAME_SOURCE_LINK,
    SAME_STORY,
    STORY_EVIDENCE,
    STORY_LINK,
    TEXT_STORY_LINK,
    WINDOW,
    choose_story,
    joins_story,
    link_threshold,
    member_similarity,
    min_shared_keys,
    numbered_apart,
    same_story,
    story_link,
    within_window,
)
from .similarity import (
    IDF_POWER,
    MIN_WINDOW_DOCS,
    TEXT_FLOOR,
    TEXT_SCALE,
    WEIGHTED_FLOOR,
    WEIGHTED_SCALE,
    TermWeights,
    Weight,
    source_similarity,
    story_similarities,
    story_similarity,
    text_similarity,
    weighted_similarity,
    window_similarity,
)
from .terms import (
    BODY_TERMS,
    COUNT_BASE,
    COUNT_MARK,
    LEAD_BOOST,
    LEAD_WORDS,
    LEVEL_MARK,
    MAX_COUNT,
    MAX_LEVEL,
    MIN_TEXT_WORDS,
    RECURRING_MIN_TITLES,
    RECURRING_SHARE,
    TERMS_VERSION,
    TITLE_BOOST,
    TITLE_PREFIX,
    VECTORS_VERSION,
    base_term,
    count_vector,
    counted_terms,
    has_body,
    has_text,
    key_terms,
    plain_terms,
    recurring_terms,
    story_terms,
    term_count,
    term_words,
    vector_parts,
    vector_term,
)
from .vectors import CountVector, headline_vector, pack, packed_vector, packed_vectors, word_ids
from .vocabulary import (
    NUMBER_WORDS,
    STOPWORDS,
    STOPWORDS_BY_LANGUAGE,
    content_words,
    language,
    name_terms,
    normalise,
    stopwords_for,
    title_terms,
)
from .window import CANDIDATES, COMMON_SHARE, NORM_REFRESH, StoryWindow

__all__ = [
    "CANDIDATES",
    "COMMON_SHARE",
    "COUNT_MARK",
    "IDF_POWER",
    "LEAD_BOOST",
    "LEAD_WORDS",
    "MAX_COUNT",
    "MIN_WINDOW_DOCS",
    "NORM_REFRESH",
    "COUNT_BASE",
    "CountVector",
    "VECTORS_VERSION",
    "term_count",
    "term_words",
    "vector_parts",
    "vector_term",
    "StoryWindow",
    "count_vector",
    "counted_terms",
    "headline_vector",
    "pack",
    "packed_vector",
    "packed_vectors",
    "word_ids",
    "TEXT_STORY_LINK",
    "WEIGHTED_FLOOR",
    "WEIGHTED_SCALE",
    "has_body",
    "source_similarity",
    "key_terms",
    "plain_terms",
    "link_threshold",
    "weighted_similarity",
    "window_similarity",
    "BODY_TERMS",
    "LEVEL_MARK",
    "MAX_LEVEL",
    "MIN_SHARED",
    "MIN_SHARED_KEYS",
    "MIN_SHARED_KEYS_TEXT",
    "MIN_TERMS",
    "MIN_TEXT_WORDS",
    "NUMBER_WORDS",
    "RECURRING_MIN_TITLES",
    "RECURRING_SHARE",
    "SAME_SOURCE_LINK",
    "SAME_STORY",
    "STOPWORDS",
    "STOPWORDS_BY_LANGUAGE",
    "STORY_EVIDENCE",
    "STORY_LINK",
    "TERMS_VERSION",
    "TEXT_FLOOR",
    "TEXT_SCALE",
    "TITLE_BOOST",
    "TITLE_PREFIX",
    "TermWeights",
    "WINDOW",
    "Weight",
    "base_term",
    "choose_story",
    "content_words",
    "has_text",
    "joins_story",
    "language",
    "member_similarity",
    "min_shared_keys",
    "name_terms",
    "normalise",
    "numbered_apart",
    "recurring_terms",
    "same_story",
    "stopwords_for",
    "story_link",
    "story_similarities",
    "story_similarity",
    "story_terms",
    "text_similarity",
    "title_terms",
    "within_window",
]
