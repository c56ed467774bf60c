"""Archive lookups in the workers: the same clusters and stories as lookups made while filing."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import html_body, prose, rss
from jjfeed import dedup, pipeline, story
from jjfeed import workers as workers_module
from jjfeed.config import Config
from jjfeed.pipeline import archive
from jjfeed.store import Store

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
FIRST, LAST = (
    ["Ada", "Tomas", "Mirela", "Jonas", "Keiko", "Femi"],
    ["Lindqvist", "Brenner", "Okafor"],
)
FOOTER = "<p>Read more stories from site {} every morning in our newsletter.</p>"
PLACES = ["Harbour Bridge", "Central Library", "North Quay", "Riverside Market", "Old Tunnel"]
EVENTS = ["closed after storm", "reopens for winter", "vote delayed again", "funding approved"]


def _story_item(n: int, story: int, feed: int) -> dict[str, str]:
    """An article of story ``story``: its place and event in the title, its people in the body."""
    rng = random.Random(story)
    people = [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(2)]
    place = PLACES[story % len(PLACES)]
    names = f"{people[0]} said the {place} matters. {people[1]} met {people[0]} at the {place}."
    return {
        "title": f"{place} {EVENTS[story % len(EVENTS)]} ({feed})",
        "link": f"https://site{feed}.example/{n}",
        "guid": f"f{feed}-{n}",
        # Each site's footer: furniture its feed teaches, dropped after the worker's lookup.
        "body": html_body(names + " " + prose(1000 + n, 260) + " " + names) + FOOTER.format(feed),
    }


def _feed_items(feed: int, count: int, copies_of: list[dict[str, str]]) -> list[dict[str, str]]:
    items = [_story_item(feed * 100 + i, (feed * 7 + i) % 9, feed) for i in range(count)]
    for j, original in enumerate(copies_of):  # copies from other feeds, lightly edited
        items.append(
            {
                "title": original["title"] + " (update)",
                "link": f"https://site{feed}.example/copy-{j}",
                "guid": f"f{feed}-copy-{j}",
                "body": original["body"] + f"<p>{prose(5000 + feed * 10 + j, 12)}</p>",
            }
        )
    return items


def _write(folder: Path, name: str, feed: int, items: list[dict[str, str]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(rss(f"Site {feed}", f"https://site{feed}.example/", items))
    return path


def _inputs(tmp_path: Path) -> tuple[Path, list[Path]]:
    """An archive feed, then five feeds with copies of it and of each other, and one edit."""
    archived = _feed_items(0, 12, [])
    first = _write(tmp_path / "archive", "feed-0.rss", 0, archived)
    later: list[Path] = []
    earlier: list[dict[str, str]] = archived
    for feed in range(1, 6):
        items = _feed_items(feed, 10, [earlier[feed], earlier[-2]])  # the last feed too
        if feed == 1:  # one article holding two archived ones: their clusters (and stories) merge
            both = archived[6]["body"] + archived[10]["body"]
            items.insert(
                0, dict(archived[6], guid="f1-both", link="https://x.example/b", body=both)
            )
        later.append(_write(tmp_path / "later", f"feed-{feed}.rss", feed, items))
        earlier = earlier + items
    edited = dict(archived[2], body=archived[2]["body"] + "<p>Correction: the date was wrong.</p>")
    # The same source as the archive feed (named after its folder): an edit and a repeat.
    later.append(_write(tmp_path / "again" / "archive", "feed-0.rss", 0, [edited, archived[3]]))
    return first, later


def _snapshot(db: Path) -> tuple[list[list[str]], list[list[str]], list[tuple[str, str]]]:
    with Store(db) as store:
        stored = list(store.articles())
        by_cluster: dict[str, list[str]] = {}
        for s in stored:
            by_cluster.setdefault(s.cluster, []).append(s.article.guid)
        story_of = store.cluster_stories()
        by_story: dict[str, list[str]] = {}
        for s in stored:
            by_story.setdefault(story_of.get(s.cluster, s.cluster), []).append(s.article.guid)
        texts = sorted((s.article.guid, s.article.text) for s in stored)
    groups = sorted(sorted(g) for g in by_cluster.values())
    stories = sorted(sorted(g) for g in by_story.values())
    return groups, stories, texts


@pytest.mark.parametrize("processes", [1, 2])
def test_lookups_in_workers_file_what_lookups_while_filing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, processes: int
) -> None:
    first, later = _inputs(tmp_path)
    monkeypatch.setattr(workers_module, "WARM_BYTES", 0)  # the workers start at the first file
    found_used: list[bool] = []
    original_file = pipeline._Deduper.file

    def file(self, article, priority, features=None, found=None):  # type: ignore[no-untyped-def]
        found_used.append(found is not None)
        return original_file(self, article, priority, features, found)

    monkeypatch.setattr(pipeline._Deduper, "file", file)
    snapshots, reports = [], []
    for ahead in (True, False):
        if not ahead:
            monkeypatch.setattr(pipeline._Deduper, "query", property(lambda self: None))
        db = tmp_path / f"{ahead}.db"
        config = Config(database=db, output=tmp_path / f"out-{ahead}", processes=processes)
        pipeline.ingest_inputs(config, [str(first)], now=NOW - timedelta(hours=5))
        found_used.clear()
        reports.append(pipeline.ingest_inputs(config, [str(p) for p in later], now=NOW))
        # Every article was looked up ahead, those that lost their footer after the lookup too.
        assert found_used and all(found_used) == ahead and any(found_used) == ahead
        snapshots.append(_snapshot(db))
    groups, stories, _ = snapshots[0]
    assert any(len(g) > 1 for g in groups), "the corpus has no copies: the test tests nothing"
    assert any(len(s) > 1 and s not in groups for s in stories), "no story joins two clusters"
    assert snapshots[0] == snapshots[1]
    summary = [[(r.new, r.duplicates, r.updated) for r in rep.results] for rep in reports]
    assert summary[0] == summary[1]
    assert summary[0][-1] == (0, 0, 1)  # the edited archive article
    merged = next(g for g in groups if "f1-both" in g)
    assert {"f0-6", "f0-10"} <= set(merged)


def _features(text: str) -> dedup.Features:
    return dedup.features(text)


def test_run_index_answers_past_the_snapshot_and_for_changed_articles() -> None:
    run = archive.RunIndex()
    text = prose(5, 300)
    run.file(7, "a", NOW, _features(text))
    run.file(9, "b", NOW, _features(text))
    since = NOW - timedelta(days=1)
    mine = _features(text + " And one more sentence here.")
    assert [i for i, _ in run.copies(6, mine, since)] == [7, 9]
    assert [i for i, _ in run.copies(7, mine, since)] == [9]  # 7 was in the snapshot
    assert [i for i, _ in run.copies(6, mine, since, frozenset({"a"}))] == [9]
    assert run.copies(6, mine, NOW + timedelta(seconds=1)) == []  # outside the window
    run.file(3, "c", NOW - timedelta(days=3), _features(text), changed=True)
    assert run.answers_for(3) and not run.answers_for(7)
    assert [i for i, _ in run.copies(9, mine, NOW - timedelta(days=5))] == [3]


def test_run_index_forgets_a_failed_unit() -> None:
    run = archive.RunIndex()
    terms = frozenset({"harbour", "bridge", "e:ada lindqvist"})
    keys = dedup.story_keys(terms)
    run.file(1, "a", NOW, _features(prose(1, 300)))
    run.file_story(1, NOW, terms, keys)
    run.begin()
    run.file(2, "a", NOW, _features(prose(2, 300)))
    run.file_story(2, NOW, terms, keys)
    run.file(1, "a", NOW, _features(prose(3, 300)), changed=True)  # an edit in the failed unit
    run.file_story(1, NOW, frozenset({"other", "words"}), dedup.story_keys({"other", "words"}))
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    assert [i for i, _ in run.cousins(0, terms, keys, *window)] == [2]
    run.rollback()
    assert [i for i, _ in run.cousins(0, terms, keys, *window)] == [1]
    assert not run.answers_for(1)
    assert [i for i, _ in run.copies(0, _features(prose(1, 300)), window[0])] == [1]


def test_run_index_renames_stories_a_merge_folded() -> None:
    run = archive.RunIndex()
    run.rename_story("s1", "s2")
    run.begin()
    run.rename_story("s2", "s3")
    run.rename_story("s1", "s9")
    assert run.story("s1") == "s9" and run.story("s2") == "s3"
    run.rollback()
    assert run.story("s2") == "s2" and run.story("s1") == "s2" and run.story("s4") == "s4"


def test_a_headline_reaches_further_back_under_its_keys_than_a_body() -> None:
    # A headline's 32 story keys are its few words: on a busy day (UCI's "Apple",
    # "Fed") the 50 latest under each are hours of one story, and the members before
    # them were never candidates. A headline now reads STORY_PER_KEY_TITLE per key.
    run = archive.RunIndex()
    terms = story.story_terms("Fed official says weak data caused by weather", "")
    assert not story.has_text(terms)
    keys = dedup.story_keys(terms)
    for n in range(1, 81):
        run.file(n, f"site{n}", NOW, _features(prose(n, 120)))
        run.file_story(n, NOW + timedelta(minutes=n), terms, keys)
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    found = [i for i, _ in run.cousins(0, terms, keys, *window)]
    assert found == list(range(1, 81))
    assert archive.story_per_key(terms) == archive.STORY_PER_KEY_TITLE > archive.STORY_PER_KEY
    body = story.story_terms("Fed official says weak data caused by weather", prose(7, 400))
    assert story.has_text(body) and archive.story_per_key(body) == archive.STORY_PER_KEY


def test_two_headlines_sharing_one_term_are_always_candidates() -> None:
    # A headline's story keys are MinHash bands of its few terms *and* the terms
    # themselves: two headlines sharing one term of twenty (J = 0.05) would share no
    # band about one pair in five, and which pairs moved with the hash draw.
    from jjfeed.pipeline.prepare import _story_keys

    rng = random.Random(17)
    consonants, vowels = "bdfgklmnprstvz", "aeiou"
    vocabulary = [
        f"{a}{b}{c}{d}n" for a in consonants for b in vowels for c in consonants for d in vowels
    ]
    rng.shuffle(vocabulary)
    words = iter(vocabulary)
    run = archive.RunIndex()
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    missed = []
    for pair in range(40):
        shared = next(words).capitalize()
        first = " ".join([shared, *(next(words) for _ in range(9))])
        second = " ".join([*(next(words) for _ in range(9)), shared])
        first_terms = story.story_terms(first, "")
        second_terms = story.story_terms(second, "")
        assert not story.has_text(second_terms)
        article = 2 * pair + 1
        run.file(article, "one-site", NOW, _features(prose(article, 120)))
        run.file_story(article, NOW, first_terms, _story_keys(first_terms))
        keys = _story_keys(second_terms)
        found = {i for i, _ in run.cousins(0, second_terms, keys, *window)}
        if article not in found:
            missed.append((first, second))
    assert missed == []


def test_a_headline_still_meets_bodies_and_headlines_keyed_by_bands_alone() -> None:
    # A body's story keys are MinHash bands only, and so are those of a headline
    # filed before headlines were keyed by their terms: a headline's bands must stay
    # among its keys, or it finds neither (ECB+'s short articles lost their
    # body-text cousins that way: held-out recall .695 -> .634).
    from jjfeed.pipeline.prepare import _story_keys

    title = "Harbour council approves forty metre extension of the old quay wall"
    body = story.story_terms(title, prose(11, 400))
    older = story.story_terms("Council approves quay wall extension for the old harbour", "")
    assert story.has_text(body) and not story.has_text(older)
    run = archive.RunIndex()
    run.file(1, "gazette", NOW, _features(prose(11, 400)))
    run.file_story(1, NOW, story.plain_terms(body), _story_keys(body))
    run.file(2, "ledger", NOW, _features(prose(12, 120)))
    run.file_story(2, NOW, older, dedup.story_keys(story.key_terms(older)))
    headline = story.story_terms(title, "")
    window = (NOW - timedelta(days=1), NOW + timedelta(days=1))
    found = {i for i, _ in run.cousins(0, headline, _story_keys(headline), *window)}
    assert found == {1, 2}
