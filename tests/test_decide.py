"""Filing's decisions with plain values: no store, no index (see jjfeed.pipeline.decide)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from jjfeed import dedup, story
from jjfeed.model import Article, StoredArticle
from jjfeed.pipeline import decide

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
LONG = " ".join(f"word{i}" for i in range(120))


def article(
    source: str = "a", guid: str = "g1", title: str = "Rates rise again", text: str = LONG
) -> Article:
    return Article(source=source, guid=guid, url=None, title=title, text=text)


def stored(content_hash: str = "h1", title: str = "Rates rise again") -> StoredArticle:
    return StoredArticle(
        id=7,
        article=article(title=title),
        canonical_url=None,
        content_hash=content_hash,
        cluster="c7",
        fetched_at=NOW - timedelta(days=2),
    )


# -- the article's keys ------------------------------------------------------------------


def test_a_global_guid_and_an_identifying_link_are_keys() -> None:
    new = replace(
        article(guid="https://example.org/p/1"), url="https://Example.org/p/1?utm_source=x"
    )
    assert decide.keys(new) == decide.Keys(
        "https://example.org/p/1", dedup.canonical_url("https://Example.org/p/1?utm_source=x")
    )


def test_a_local_guid_or_a_shared_link_is_no_key() -> None:
    assert decide.keys(article(guid="1559047086976")).guid is None
    shared = replace(article(guid="tag:x,2026:1"), url="https://example.org/", link_is_id=False)
    assert decide.keys(shared) == decide.Keys("tag:x,2026:1", None)
    assert decide.keys(replace(shared, guid_is_id=False)).guid is None


# -- an entry stored before -----------------------------------------------------------


def test_an_entry_read_again_as_it_was_is_unchanged() -> None:
    assert decide.refile(stored(), "h1", "Rates rise again") == decide.Unchanged()
    assert decide.refile(stored(), "h1", "Rates rise again").status == "unchanged"


@pytest.mark.parametrize(("content_hash", "title"), [("h2", "Rates rise again"), ("h1", "New")])
def test_a_new_text_or_title_updates_the_stored_article(content_hash: str, title: str) -> None:
    intent = decide.refile(stored(), content_hash, title)
    assert intent == decide.Updated(7, "c7", NOW - timedelta(days=2))
    assert intent.status == "updated"


# -- the cluster ------------------------------------------------------------------------


def test_a_dedup_false_article_founds_its_own_cluster() -> None:
    intent = decide.alone("a", "g1")
    assert intent == decide.NewCluster(dedup.new_cluster_id("a", "g1"), alone=True)
    assert intent.status == "new"


def test_no_admissible_match_is_a_new_cluster() -> None:
    verdict = decide.verdict(article(), [], {})
    assert verdict == dedup.Verdict("new", dedup.new_cluster_id("a", "g1"))
    assert decide.cluster(verdict) == decide.NewCluster(dedup.new_cluster_id("a", "g1"))


def test_a_copy_joins_its_cluster_with_the_reason_unchanged() -> None:
    match = dedup.Match("c1", "jaccard", 0.83, 11)
    verdict = decide.verdict(article(), [match], {"c1": NOW})
    intent = decide.cluster(verdict)
    assert intent == decide.JoinCluster("c1", decide.Reason("jaccard", 0.83, 11))
    assert intent.status == "duplicate"
    assert intent.merged == frozenset()


def test_a_copy_of_two_clusters_merges_the_younger_into_the_older() -> None:
    matches = [dedup.Match("young", "guid", 1.0, 3), dedup.Match("old", "jaccard", 0.9, 5)]
    created = {"young": NOW, "old": NOW - timedelta(days=1)}
    intent = decide.cluster(decide.verdict(article(), matches, created))
    # The oldest survives; the reason is the strongest evidence (the GUID), as before.
    assert intent == decide.JoinCluster(
        "old", decide.Reason("guid", 1.0, 3), merged=frozenset({"young"})
    )


def test_clusters_a_person_split_apart_are_not_merged() -> None:
    matches = [dedup.Match("young", "guid", 1.0, 3), dedup.Match("old", "jaccard", 0.9, 5)]
    created = {"young": NOW, "old": NOW - timedelta(days=1)}
    intent = decide.cluster(
        decide.verdict(article(), matches, created, [frozenset({"young", "old"})])
    )
    assert intent == decide.JoinCluster("young", decide.Reason("guid", 1.0, 3))


def test_a_verdict_without_a_rule_joins_without_a_reason() -> None:
    verdict = dedup.Verdict("duplicate", "c1", frozenset({"c2"}))
    assert decide.cluster(verdict) == decide.JoinCluster("c1", None, frozenset({"c2"}))


def test_posts_of_one_source_with_titles_apart_are_not_copies() -> None:
    match = dedup.Match("c1", "jaccard", 0.9, 11)
    same_source = {11: ("a", "Polypolyhedra in Dowels")}
    other_source = {11: ("b", "Polypolyhedra in Dowels")}
    new = article(title="Polypolyhedra in Origami")
    assert decide.admissible(new, [match], same_source, short=False) == []
    assert decide.admissible(new, [match], other_source, short=False) == [match]


def test_a_short_text_is_a_copy_only_under_the_same_headline() -> None:
    match = dedup.Match("c1", "content-hash", 1.0, 11)
    new = article(title="Weekend weather for the coast", text="Sunny, then rain.")
    assert decide.admissible(new, [match], {11: ("b", "Video")}, short=True) == []
    same = {11: ("b", "Weekend weather for the coast")}
    assert decide.admissible(new, [match], same, short=True) == [match]


def test_a_match_the_index_cannot_name_is_weighed_without_facts() -> None:
    match = dedup.Match("c1", "url", 1.0, None)  # the shared Redis index names no article
    assert decide.admissible(article(), [match], {}, short=False) == [match]


# -- the story ------------------------------------------------------------------------------


def test_a_story_with_enough_evidence_is_joined_with_its_evidence() -> None:
    cousins = [(1, "s1", 0.3), (2, "s1", 0.25), (3, "s2", 0.1)]
    sources = {1: ("b", ""), 2: ("c", ""), 3: ("d", "")}
    evidence = decide.story_evidence("a", cousins, sources)
    assert evidence.similarities == {"s1": [0.3, 0.25]}  # s2's 0.1 is too little evidence
    assert evidence.best["s1"] == (0.3, 1)
    joined = decide.join_story(evidence, {"s1": 4})
    assert joined == decide.JoinStory("s1", story.story_link([0.3, 0.25], 4), 2, 1, 0.3)


def test_copies_of_one_article_are_one_member_of_a_story() -> None:
    # A site's Atom and JSON feeds carry the same post: one cluster, two articles. A
    # headline sharing one word with it ("Bike video from two years ago" and "Four
    # Things in Those Two Sentences") must not find twice the evidence in the copies.
    one_word = story.STORY_EVIDENCE * 0.7
    cousins = [(1, "s1", one_word), (2, "s1", one_word)]
    sources = {1: ("Daring Fireball", ""), 2: ("Daring Fireball (json)", "")}
    copies = decide.story_evidence("Scripting News", cousins, sources, {1: "c1", 2: "c1"})
    assert copies.similarities == {}
    assert decide.join_story(copies, {"s1": 1}) is None
    two_articles = decide.story_evidence("Scripting News", cousins, sources, {1: "c1", 2: "c2"})
    assert two_articles.similarities == {"s1": [one_word, one_word]}
    # Of one cluster's copies the closest counts.
    best = decide.story_evidence("x", [(1, "s1", 0.3), (2, "s1", 0.6)], sources, {1: "c", 2: "c"})
    assert best.similarities == {"s1": [0.6]} and best.best["s1"] == (0.6, 2)


def test_a_weak_link_to_a_post_of_the_same_source_is_no_evidence() -> None:
    weak = story.SAME_SOURCE_LINK / 2
    evidence = decide.story_evidence("a", [(1, "s1", weak)], {1: ("a", "")})
    assert evidence.similarities == {}
    assert decide.join_story(evidence, {}) is None
    other = decide.story_evidence("a", [(1, "s1", weak)], {1: ("b", "")})
    assert other.similarities == {"s1": [weak]}


def test_a_big_story_touched_by_one_member_is_not_joined() -> None:
    evidence = decide.story_evidence("a", [(1, "s1", 0.5)], {1: ("b", "")})
    assert decide.join_story(evidence, {"s1": 10}) is not None
    assert decide.join_story(evidence, {"s1": 1000}) is None


def test_installments_of_one_series_of_one_source_are_no_evidence() -> None:
    # Giant Bombcast's "Day One" .. "Day Five": alike by design, each its own episode.
    day_two, day_one = "GOTY 2017: Day Two Deliberations", "GOTY 2017: Day One Deliberations"
    cousins = [(1, "s1", 0.78)]
    own = decide.story_evidence("Bombcast", cousins, {1: ("Bombcast", day_one)}, title=day_two)
    assert own.similarities == {} and decide.join_story(own, {"s1": 1}) is None
    # Another source's headline of the same words is evidence; so is the source's own
    # post whose title is not a renumbering of this one.
    other = decide.story_evidence("Bombcast", cousins, {1: ("Polygon", day_one)}, title=day_two)
    assert other.similarities == {"s1": [0.78]}
    recap = decide.story_evidence(
        "Bombcast", cousins, {1: ("Bombcast", "GOTY 2017: The Winners")}, title=day_two
    )
    assert recap.similarities == {"s1": [0.78]}
