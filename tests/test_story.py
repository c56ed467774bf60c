import json
from datetime import UTC, datetime, timedelta

import pytest

from conftest import SEEDS
from jjfeed import story

# -- term selection --------------------------------------------------------------


def test_title_terms_drop_stopwords_and_filler() -> None:
    terms = story.title_terms("The CEO says the new deal is off, video")
    assert terms == {"ceo", "deal"}


@pytest.mark.parametrize(
    ("word", "term"),
    [
        ("Ritter's", "ritter"),
        ("Ritter’s", "ritter"),
        ("prices", "price"),
        ("launches", "launch"),
        ("stories", "story"),
        ("Two", "2"),
        ("3rd", "3"),
        ("business", "business"),
        ("virus", "virus"),
        ("l'État", "état"),
        ("dell'anno", "anno"),
    ],
)
def test_normalise(word: str, term: str) -> None:
    assert story.normalise(word) == term


def test_number_words_and_digits_agree() -> None:
    assert story.title_terms("Season Two photos") == story.title_terms("season 2 photo")


def test_title_only_article_has_prefixed_title_terms() -> None:
    terms = story.story_terms("Chiquita, Fyffes merger creates banana giant")
    assert terms == {"t:chiquita", "t:fyffe", "t:merger", "t:create", "t:banana", "t:giant"}
    assert not story.has_text(terms)


def test_a_teaser_is_a_title() -> None:
    """Too little text to compare bodies: the article counts as its title."""
    terms = story.story_terms("Harbour Bridge closed", "Read more about the bridge on our site.")
    assert terms == {"t:harbour", "t:bridge", "t:closed"}
    assert not story.has_text(terms) and not story.has_body(terms)
    # Asked for, its few words still make a count vector, for the window's weighted cosine.
    counted = story.story_terms(
        "Harbour Bridge closed", "Read more about the bridge on our site.", counts=True
    )
    assert set(story.key_terms(counted)) == terms
    assert story.has_body(counted)
    assert {"bridge": 5, "harbour": 3, "site": 2}.items() <= story.counted_terms(
        "Harbour Bridge closed", "Read more about the bridge on our site."
    )[1].items()


BODY = (
    "Wladimir Klitschko stopped Tony Thompson in the sixth round on Saturday. "
    "The champion, 58-3 with 51 knockouts, floored Thompson with a right hand. "
    "Thompson never recovered, and Klitschko kept his WBA, IBF and WBO titles in Bern. "
    "It was a fight that was never really close, said the promoter of the evening. "
) * 2


def test_body_vector_is_title_words_names_and_numbers_with_levels() -> None:
    terms = story.story_terms("Klitschko retains his heavyweight titles", BODY)
    assert story.has_text(terms)
    assert {"t:klitschko", "t:retain", "t:heavyweight", "t:title"} <= terms
    # Names and numbers of the body, one copy per level of 1 + log2(count).
    assert {"thompson", "thompson#2", "thompson#3"} <= terms
    assert {"klitschko#3", "58", "wba", "bern"} <= terms
    # Common words of the body are not story terms, nor are sentence-initial capitals.
    assert not {"fight", "champion", "round", "evening", "promoter"} & terms
    assert all(not t.startswith("the") for t in terms)


def test_a_body_vector_needs_two_shared_story_keys_a_title_one() -> None:
    # A body vector's 60 terms share one key of 32 with most articles of a week;
    # a headline's few terms share few keys even with its own story's headlines.
    body = story.story_terms("Klitschko retains his heavyweight titles", BODY)
    title = story.story_terms("Chiquita, Fyffes merger creates banana giant")
    assert story.min_shared_keys(body) == 2
    assert story.min_shared_keys(title) == 1


def test_body_vector_is_capped() -> None:
    text = " ".join(f"Then Person{i} Surname{i} spoke." for i in range(80))
    terms = story.story_terms("Many people spoke", text, counts=True)
    keyed = story.key_terms(terms)
    body = {story.base_term(t) for t in keyed if not t.startswith(story.TITLE_PREFIX)}
    assert len(body) == story.BODY_TERMS
    # The count vector is not capped: every content word of title and body.
    assert story.term_count(terms) - len(keyed) == 3 + 2 * 80


def test_base_term() -> None:
    assert story.base_term("t:klitschko") == "klitschko"
    assert story.base_term("klitschko#3") == "klitschko"
    assert story.base_term("klitschko") == "klitschko"


def test_empty_inputs() -> None:
    assert story.story_terms("", "") == frozenset()
    assert story.story_terms("the and of", "") == frozenset()
    assert story.story_similarity(frozenset(), frozenset({"a"})) == 0.0
    assert not story.same_story(frozenset(), frozenset())
    assert story.story_link([], 0) == 0.0
    assert not story.joins_story([], 0)


# -- decisions ----------------------------------------------------------------------


def test_title_similarity_is_jaccard_and_weighted_jaccard() -> None:
    a = frozenset({"t:x", "t:y", "t:z"})
    b = frozenset({"t:y", "t:z", "t:w"})
    assert story.story_similarity(a, b) == pytest.approx(0.5)
    weights = story.TermWeights([{"y"}, {"y"}, {"y", "z"}, {"x"}, {"w"}])
    weighted = story.story_similarity(a, b, weights)
    assert 0.0 < weighted < 0.5  # "y" is common, so sharing it counts for less


def test_text_similarity_is_a_cosine_over_levels() -> None:
    a = frozenset({"x", "x#2", "y"})  # x at level 2, y at 1
    assert story.text_similarity(a, a) == pytest.approx(1.0)
    b = frozenset({"x", "x#2", "z"})
    assert story.text_similarity(a, b) == pytest.approx(4 / 5)
    assert story.text_similarity(a, frozenset({"z"})) == 0.0


def test_with_text_on_both_sides_only_the_cosine_above_the_floor_counts() -> None:
    a = frozenset({"t:q", "x", "x#2", "y"})
    b = frozenset({"t:r", "x", "x#2", "z"})  # cosine 0.8, no title word shared
    assert story.story_similarity(a, b) == pytest.approx(
        min(1.0, (0.8 - story.TEXT_FLOOR) * story.TEXT_SCALE)
    )
    assert story.story_similarity(a, b, floor=0.8) == 0.0
    assert story.story_similarity(a, a) == 1.0  # never above 1


def test_with_text_on_one_side_the_titles_decide() -> None:
    with_text = frozenset({"t:bridge", "t:closed", "bridge", "bridge#2", "ada", "storm"})
    title_only = frozenset({"t:bridge", "t:closed", "t:storm"})
    assert story.story_similarity(with_text, title_only) == pytest.approx(2 / 3)


def test_same_story_on_headlines() -> None:
    a = story.story_terms("Chiquita, Fyffes to create world's largest banana company")
    b = story.story_terms("Chiquita, Fyffes merger creates world's largest banana supplier")
    c = story.story_terms("Titanfall review roundup: what the critics say")
    assert story.same_story(a, b)
    assert not story.same_story(a, c)


def test_one_shared_word_is_not_a_story() -> None:
    a, b = frozenset({"t:google", "t:x"}), frozenset({"t:google", "t:y"})
    assert story.story_similarity(a, b) < 1.0
    assert not story.same_story(a, b, threshold=0.0)


def test_time_window() -> None:
    a = b = story.story_terms("Chiquita Fyffes banana merger")
    t0 = datetime(2014, 3, 10, tzinfo=UTC)
    assert story.same_story(a, b, a_time=t0, b_time=t0 + timedelta(hours=20))
    assert not story.same_story(a, b, a_time=t0, b_time=t0 + timedelta(days=2))
    assert story.same_story(a, b, a_time=t0, b_time=None)  # unknown dates never block
    assert story.same_story(
        a, b, a_time=t0, b_time=t0 + timedelta(days=4), window=timedelta(days=7)
    )
    assert story.within_window(None, None)


def test_joins_story_is_average_link() -> None:
    assert story.story_link([0.4, 0.2], 4) == pytest.approx(0.15)
    assert story.joins_story([0.4], 1)
    assert not story.joins_story([0.4], 100)  # one close member of a big story is not enough


def test_choose_story_takes_the_best_average_link_and_breaks_ties_by_id() -> None:
    sims = {"b": [0.5], "a": [0.5], "c": [0.9, 0.1]}
    sizes = {"a": 1, "b": 1, "c": 4}
    assert story.choose_story(sims, sizes) == "a"  # 0.5 each; c's link is 0.25
    assert story.choose_story({"a": [0.1]}, {"a": 1}) is None  # too little evidence
    assert story.choose_story(sims, sizes, threshold=0.6) is None
    # A bar per story: "a" held to a higher one, "c" to the default (missing from the map).
    assert story.choose_story(sims, sizes, threshold={"a": 0.6, "b": 0.6}) == "c"


# -- the seeds ------------------------------------------------------------------------


def _seed_terms() -> dict[str, frozenset[str]]:
    labels = json.loads((SEEDS / "labels.json").read_text(encoding="utf-8"))["files"]
    terms = {}
    for name, label in labels.items():
        lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
        title = lines[label["title"] - 1]
        text = "\n".join(lines[i - 1] for i in label["content"])
        terms[name[:3]] = story.story_terms(title, text)
    return terms


@pytest.mark.needs_shared(SEEDS / "labels.json")
def test_seed_000_is_closest_to_001() -> None:
    terms = _seed_terms()
    sims = {k: story.story_similarity(terms["000"], v) for k, v in terms.items() if k != "000"}
    assert max(sims, key=sims.__getitem__) == "001"


@pytest.mark.needs_shared(SEEDS / "labels.json")
def test_seed_pair_joins_as_a_two_member_story() -> None:
    """Average link: 000 founds a story, 001 joins it (the pipeline's rule)."""
    terms = _seed_terms()
    assert story.joins_story([story.story_similarity(terms["000"], terms["001"])], 1)
