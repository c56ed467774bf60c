"""The story window: count vectors, the weighted cosine, candidates by rare words."""

from datetime import UTC, datetime, timedelta

import pytest

from jjfeed import story
from jjfeed.pipeline.prepare import _story_keys

AT = datetime(2024, 5, 1, tzinfo=UTC)


def _terms(title: str, text: str = "") -> frozenset[str]:
    # The story terms with the count vector, as a run with `dedup.story_vectors` makes them.
    return story.story_terms(title, text, counts=True)


def _filler(k: int) -> frozenset[str]:
    # One report of the kind the window is full of: common words, and a name of its own.
    return _terms(
        f"City council meets on budget {k}",
        f"The city council met on Monday. Member{k} spoke about the city budget and the council.",
    )


def _window(n: int) -> story.StoryWindow:
    window = story.StoryWindow()
    for k in range(n):
        window.add(k, AT, _filler(k), f"source{k}")
    return window


def _weights(n: int) -> story.TermWeights:
    # The reference weights (pure Python) of the window _window(n) keeps in numpy.
    return story.TermWeights((_filler(k) for k in range(n)), power=story.IDF_POWER)


def _counts(terms: frozenset[str]) -> dict[str, int]:
    # The count vector's term read back: {word: count}.
    parts = story.vector_parts(terms)
    assert parts is not None
    counts, words = parts
    return {w: ord(c) - story.COUNT_BASE for w, c in zip(words.split(" "), counts, strict=True)}


def test_count_vector_counts_every_word_title_and_lead_more() -> None:
    terms = _terms("Storm closes bridge", "The storm hit the harbour bridge at night.")
    counts = _counts(terms)
    # Title words count TITLE_BOOST, and again LEAD_BOOST per mention in the lead.
    assert counts["storm"] == 5 and counts["bridge"] == 5 and counts["close"] == 3
    # Common words are in the count vector, not in the key terms.
    assert {"harbour": 2, "night": 2, "hit": 2}.items() <= counts.items()
    assert all(story.COUNT_MARK not in t for t in story.key_terms(terms))
    # One term carries it, in word order; each of its words counts as a term.
    assert sum(story.COUNT_MARK in t for t in terms) == 1
    assert list(counts) == sorted(counts)
    assert story.term_count(terms) == len(story.key_terms(terms)) + len(counts)
    assert {"harbour", "storm"} <= story.term_words(terms)


def test_the_packed_vector_is_the_count_vector() -> None:
    """What the workers carry (ids and counts) is the vector the terms hold, word by word."""
    title, text = "Storm closes bridge", "The storm hit the harbour bridge at night. Storm! Über."
    terms, counted = story.counted_terms(title, text)
    assert terms == _terms(title, text)
    packed, read = story.pack(counted.items()), story.packed_vector(terms)
    assert packed.ids.tolist() == read.ids.tolist() == story.word_ids(list(counted)).tolist()
    assert packed.counts.tolist() == read.counts.tolist() == list(counted.values())
    by_word = story.count_vector(terms)
    assert list(by_word) == list(counted) and read.tf.tolist() == list(by_word.values())
    headline = _terms("Storm closes bridge")
    assert story.packed_vector(headline).tf.tolist() == list(story.count_vector(headline).values())
    # Stable across processes and runs: a hash of the bytes, not Python's.
    assert story.word_ids(["storm"]).tolist() == story.word_ids(["x", "storm"]).tolist()[1:]
    words = sorted({w for k in range(300) for w in _counts(_filler(k))})
    assert len(set(story.word_ids(words).tolist())) == len(words)


def test_the_window_reads_the_packed_vector_as_the_terms() -> None:
    packed, read = _window(80), _window(80)
    title, text = "Klitschko beats Thompson", "Klitschko beat Thompson in Bern. The council met."
    terms, counted = story.counted_terms(title, text)
    packed.add(100, AT, terms, "wire", story.pack(counted.items()))
    read.add(100, AT, terms, "wire")
    later, counted = story.counted_terms("Klitschko retains", "Klitschko kept titles in Bern.")
    span = (AT - timedelta(days=1), AT + timedelta(days=1))
    found = packed.candidates(later, *span, "courier", vector=story.pack(counted.items()))
    assert found == read.candidates(later, *span, "courier") and found


def test_story_keys_are_made_of_the_key_terms_only() -> None:
    terms = _terms("Storm closes bridge", "The storm hit the harbour bridge at night.")
    assert _story_keys(terms) == _story_keys(frozenset(story.key_terms(terms)))


def test_weighted_cosine_weighs_rare_words_over_common_ones() -> None:
    weights = _weights(60)
    a = _terms("Klitschko wins", "Klitschko won in Bern. The city council met.")
    b = _terms("Klitschko defends", "Klitschko won the fight. The budget was set.")
    c = _terms("Council budget", "The city council met. The budget was set.")
    # b shares the rare name with a, c the window's common words.
    rare = story.weighted_similarity(a, b, weights)
    common = story.weighted_similarity(a, c, weights)
    assert rare > common
    assert common > 0  # the common words still count, for little


def test_window_similarity_is_the_plain_rule_in_a_small_window_or_for_two_headlines() -> None:
    a = _terms("Klitschko wins in Bern", "Klitschko won in Bern on Saturday night.")
    b = _terms("Klitschko wins again", "Klitschko won again in Bern, Thompson lost.")
    small = _weights(story.MIN_WINDOW_DOCS - 1)
    assert story.window_similarity(a, b, small) == story.story_similarity(a, b)
    big = _weights(story.MIN_WINDOW_DOCS)
    weighted = story.weighted_similarity(a, b, big)
    expected = min(1.0, max(0.0, weighted - story.WEIGHTED_FLOOR) * story.WEIGHTED_SCALE)
    assert story.window_similarity(a, b, big) == pytest.approx(expected)
    x, y = _terms("Klitschko wins in Bern"), _terms("Klitschko wins")
    assert story.window_similarity(x, y, big) == story.story_similarity(x, y)


def test_link_threshold_is_the_weighted_one_only_when_weighed() -> None:
    body = _terms("Klitschko wins", "Klitschko won in Bern on Saturday.")
    title = _terms("Klitschko wins in Bern")
    assert story.link_threshold(body, story.MIN_WINDOW_DOCS) == story.TEXT_STORY_LINK
    assert story.link_threshold(body, story.MIN_WINDOW_DOCS - 1) == story.STORY_LINK
    assert story.link_threshold(title, story.MIN_WINDOW_DOCS) == story.STORY_LINK
    # A headline weighed against a story's bodies is judged on the bodies' scale.
    assert story.link_threshold(title, story.MIN_WINDOW_DOCS, True) == story.TEXT_STORY_LINK
    assert story.link_threshold(title, story.MIN_WINDOW_DOCS - 1, True) == story.STORY_LINK


def test_the_window_says_which_articles_it_holds_with_a_body() -> None:
    window = _window(3)
    window.add(10, AT, _terms("Klitschko wins in Bern"), "wire")
    assert window.bodied([0, 2, 10, 99]) == {0, 2}


def test_candidates_come_by_rare_words_inside_the_dates() -> None:
    window = _window(80)
    report = _terms(
        "Klitschko beats Thompson", "Klitschko beat Thompson in Bern. The city council watched."
    )
    later = _terms(
        "Klitschko retains titles", "Klitschko kept his titles against Thompson in Bern."
    )
    window.add(100, AT, report, "wire")
    window.add(101, AT + timedelta(days=5), report, "gazette")
    found = dict(
        window.candidates(later, AT - timedelta(days=1), AT + timedelta(days=1), "courier")
    )
    assert 100 in found and found[100] > 0
    assert 101 not in found  # outside the dates
    assert not set(found) & set(range(80))  # the common words propose nobody
    assert len(window.candidates(later, AT, AT, "courier", limit=0)) == 0
    # Articles found another way (story keys) are scored with the proposals, as score() would.
    window.add(102, AT, _terms("Thompson in Bern", "Thompson trained in Bern this week."), "x")
    extra = dict(window.candidates(later, AT, AT, "courier", limit=0, also=[102, 100, 999]))
    assert extra == {i: v for i, v in window.score(later, [100, 102], "courier").items() if v > 0}
    assert 102 in extra


def test_two_posts_of_one_source_are_compared_by_the_plain_rule() -> None:
    window = _window(80)
    post = _terms("StickaBlock", "A block of wood with a sticker, from our shop. Buy now.")
    other = _terms("BondiBlock", "A block of wood in blue, from our shop. Buy now.")
    window.add(200, AT, post, "shop")
    same = window.score(other, [200], "shop")[200]
    weights = _weights(80)
    weights.add(post)
    assert same == story.source_similarity(other, post, weights)
    across = window.score(other, [200], "elsewhere")[200]
    assert across == pytest.approx(story.window_similarity(other, post, weights))
    assert across > same


def test_the_window_scores_as_the_reference_weights_do() -> None:
    """The numpy window gives :func:`story.window_similarity` over :class:`story.TermWeights`.

    Exactly for a norm worked out now; a cached norm may lag by
    :data:`story.NORM_REFRESH` of the window's growth.
    """
    window, weights = _window(60), _weights(60)
    report = _terms(
        "Klitschko beats Thompson", "Klitschko beat Thompson in Bern. The city council watched."
    )
    headline = _terms("Klitschko beats Thompson in Bern")
    for k, terms in enumerate([report, headline]):
        window.add(100 + k, AT, terms, "wire")
        weights.add(terms)
    later = _terms(
        "Klitschko retains titles", "Klitschko kept his titles against Thompson in Bern."
    )
    others = [100, 101, 3, 7]
    found = window.score(later, others, "courier")
    every = [_filler(k) for k in range(60)] + [report, headline]
    for i in others:
        expected = story.window_similarity(later, every[i if i < 100 else 60 + i - 100], weights)
        assert found[i] == pytest.approx(expected, rel=1e-9)
    assert found[100] > 0
    # Headline against headline: the plain rule.
    title = _terms("Klitschko retains titles in Bern")
    assert window.score(title, [101])[101] == story.story_similarity(title, headline)
    # Many articles later the cached norms are worked out again.
    for k in range(60, 90):
        window.add(k, AT, _filler(k), f"source{k}")
        weights.add(_filler(k))
    again = window.score(later, [100])[100]
    assert again == pytest.approx(story.window_similarity(later, report, weights), rel=1e-9)


def test_a_loaded_window_is_the_window_added_one_by_one() -> None:
    rows = [(k, AT + timedelta(minutes=k), _filler(k), f"source{k % 7}") for k in range(70)]
    rows += [
        (100, AT, _terms("Klitschko beats Thompson", "Klitschko beat Thompson in Bern."), "wire"),
        (101, AT, _terms("Klitschko wins in Bern"), "gazette"),  # a headline alone
        (102, AT, frozenset(), "blank"),
        (100, AT, _terms("Something else entirely", "Nothing alike at all here."), "again"),
    ]
    one, bulk = story.StoryWindow(), story.StoryWindow()
    for row in rows:
        one.add(*row)
    bulk.load(iter(rows))
    assert bulk.docs == one.docs == 73 and len(bulk) == len(one)
    for name in ("_cols", "_tf", "_entry_row", "_start", "_end", "_dates", "_ids", "_df"):
        assert getattr(bulk, name).view().tolist() == getattr(one, name).view().tolist(), name
    for name in ("_log_df", "_sources", "_bodies", "_blank"):
        assert getattr(bulk, name).view().tolist() == getattr(one, name).view().tolist(), name
    assert [p.tolist() for p in bulk._postings] == [p.tolist() for p in one._postings]
    assert bulk._terms == one._terms and bulk._row == one._row
    query = _terms("Klitschko retains titles", "Klitschko kept his titles against Thompson.")
    span = (AT - timedelta(days=1), AT + timedelta(days=1))
    assert bulk.candidates(query, *span, "courier") == one.candidates(query, *span, "courier")
    assert bulk.score(query, range(110), "wire") == one.score(query, range(110), "wire")
    blank = story.StoryWindow()
    blank.load([(1, AT, frozenset(), "s")])  # nothing to count
    assert blank.docs == 1 and blank._cols.view().tolist() == []
    # A window that is not empty takes rows one by one.
    more = [(200, AT, _filler(200), "late")]
    bulk.load(more)
    one.add(*more[0])
    assert bulk._cols.view().tolist() == one._cols.view().tolist() and bulk.docs == 74


def test_count_vectors_packed_together_are_those_packed_one_by_one() -> None:
    sets = [
        _filler(1),
        _terms("Klitschko wins in Bern"),  # a headline alone
        frozenset({"t:bridge", "@12 bridge bridge"}),  # one word twice: kept once, first count
        frozenset(),
        _terms("Klitschko beats Thompson", "Klitschko beat Thompson in Bern on Friday."),
    ]
    together = story.packed_vectors(sets)
    alone = [story.packed_vector(s) for s in sets]
    assert len(together) == len(alone)
    for a, b in zip(together, alone, strict=True):
        assert a.ids.tolist() == b.ids.tolist() and a.counts.tolist() == b.counts.tolist()
    assert together[2].counts.tolist() == [1]
