"""The packed story scorer gives exactly story_similarity's figures (story/packed.py)."""

from __future__ import annotations

import random

from jjfeed import story
from jjfeed.story.packed import LevelVocabulary, text_similarities

WORDS = [f"Name{i}" for i in range(300)] + ["Thompson", "Rahman", "Reuters", "58-3", "said", "the"]


def _article(rng: random.Random, body: bool = True) -> frozenset[str]:
    title = " ".join(rng.sample(WORDS, 6))
    if not body:
        return story.story_terms(title, "")
    sentences = [
        " ".join(rng.choice(WORDS[:40] if rng.random() < 0.7 else WORDS) for _ in range(12))
        for _ in range(rng.randint(3, 30))
    ]
    return story.story_terms(title, ". ".join(sentences) + ".")


def test_packed_scores_equal_story_similarity_bit_for_bit() -> None:
    rng = random.Random(13)
    filed = [_article(rng) for _ in range(200)]
    vocabulary = LevelVocabulary()
    rows = [vocabulary.pack(t) for t in filed]
    assert all(r is not None for r in rows)
    compared = 0
    for _ in range(40):
        query_terms = _article(rng)  # words the vocabulary may not have: left out, norm kept
        query = vocabulary.query(query_terms)
        assert query is not None
        picked = rng.sample(range(len(filed)), 60)
        got = text_similarities(query, [rows[k] for k in picked])  # type: ignore[misc]
        want = [story.story_similarity(query_terms, filed[k]) for k in picked]
        assert got == want  # the same floats, not nearly
        compared += sum(1 for w in want if w > 0)
    assert compared > 100  # the draw has real story evidence in it, not only zeros


def test_an_article_without_body_text_is_not_packed() -> None:
    rng = random.Random(5)
    vocabulary = LevelVocabulary()
    assert vocabulary.pack(_article(rng, body=False)) is None
    assert vocabulary.query(_article(rng, body=False)) is None
    assert vocabulary.pack(frozenset()) is None


def test_a_query_sharing_no_word_scores_zero() -> None:
    vocabulary = LevelVocabulary()
    row = vocabulary.pack(story.story_terms("alpha beta", ". ".join(["alpha beta gamma"] * 30)))
    query = vocabulary.query(story.story_terms("delta", ". ".join(["delta epsilon zeta"] * 30)))
    assert row is not None and query is not None
    assert text_similarities(query, [row]) == [0.0]
    assert text_similarities(query, []) == []
