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
    ],
)
def test_normalise(word: str, term: str) -> None:
    assert story.normalise(word) == term


def test_number_words_and_digits_agree() -> None:
    assert story.title_terms("Season Two photos") == story.title_terms("season 2 photo")


def test_entities_are_multiword_names_and_acronyms() -> None:
    text = (
        "The show stars Krysten Ritter. Krysten Ritter's co-star David Tennant returns. "
        "The New York Police Department is involved. The ECB said nothing. The Defenders."
    )
    names = story.entities(text)
    assert names[0] == "krysten ritter"
    assert {"david tennant", "new york police department", "ecb"} <= set(names)
    assert "the" not in " ".join(names).split()
    assert "defenders" not in names


def test_entity_names_keep_their_spelling() -> None:
    assert "jessica jones" in story.entities("Jessica Jones is back. Jessica Jones again.")


def test_entities_are_capped() -> None:
    text = " ".join(f"Person{i} Surname{i} spoke." for i in range(40))
    assert len(story.entities(text)) == story.MAX_ENTITIES


def test_story_terms_combine_title_and_prefixed_entities() -> None:
    terms = story.story_terms("Ritter returns", "Krysten Ritter returns as Jessica Jones.")
    assert {"ritter", "return", "e:krysten ritter", "e:jessica jones"} <= terms
    assert all(isinstance(t, str) for t in terms)


def test_empty_inputs() -> None:
    assert story.story_terms("", "") == frozenset()
    assert story.story_terms("the and of", "") == frozenset()
    assert story.story_similarity(frozenset(), frozenset({"a"})) == 0.0
    assert not story.same_story(frozenset(), frozenset())
    assert story.story_link([], 0) == 0.0
    assert not story.joins_story([], 0)


# -- decisions ----------------------------------------------------------------------


def test_similarity_is_jaccard_and_weighted_jaccard() -> None:
    a, b = frozenset({"x", "y", "z"}), frozenset({"y", "z", "w"})
    assert story.story_similarity(a, b) == pytest.approx(0.5)
    weights = story.TermWeights([{"y"}, {"y"}, {"y", "z"}, {"x"}, {"w"}])
    weighted = story.story_similarity(a, b, weights)
    assert 0.0 < weighted < 0.5  # "y" is common, so sharing it counts for less


def test_same_story_on_headlines() -> None:
    a = story.story_terms("Chiquita, Fyffes to create world's largest banana company")
    b = story.story_terms("Chiquita, Fyffes merger creates world's largest banana supplier")
    c = story.story_terms("Titanfall review roundup: what the critics say")
    assert story.same_story(a, b)
    assert not story.same_story(a, c)


def test_one_shared_word_is_not_a_story() -> None:
    a, b = frozenset({"google", "x"}), frozenset({"google", "y"})
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
