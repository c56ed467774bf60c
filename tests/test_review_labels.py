"""The real-feeds review, labelled by hand (tests/data/real_merges.json), as a gate.

jjfeed runs over ../shared/data/feeds-review (needs the project's shared
data); every labelled copy must be one entry, every entry of a source
labelled 'apart' its own entry. Story links are a ratchet: the labelled
false links still made may only go down, the true ones kept only up
(issue 17 asks for none of the first; the story work is under way).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import REPO, SHARED
from jjfeed import pipeline
from jjfeed.config import Config
from jjfeed.model import FeedInfo

LABELS = REPO / "tests" / "data" / "real_merges.json"
REVIEW = SHARED / "data" / "feeds-review"
REAL = SHARED / "data" / "feeds-real" / "rss-parser"
# Measured at a1d74f8: 19 false, 13 true of 32 labelled links. Body-vector story terms: 12
# false, 11-12 true. Two posts of one source counting only at story.SAME_SOURCE_LINK: 2 false
# (one cross-source, one same-source pair at 0.65), 8-9 true: one true link is a tie broken
# by cluster ids, which hash the page files' paths, so it moves with where ../shared lies.
# Copies of one article (a site's Atom and JSON feeds) counting as one story member, not two
# (session 13): the cross-source false link goes, 1 false (the same-source pair), 9 true.
MAX_FALSE_STORY_LINKS = 1
MIN_TRUE_STORY_LINKS = 8
# With `dedup.story_vectors` (the story window: weighted cosine of count vectors across
# sources; two posts of one source on the plain rule only when the weighted one is above 0
# too; the default since session 17): 0 false, 8 true.
MAX_FALSE_STORY_LINKS_VECTORS = 0
# feeds-real/rss-parser, labelled pair by pair in session 14 ('stories_real'): at 7e2fa38 10
# false (a podcast's "Day One" .. "Day Two" episodes, a daily show by date, releases by
# version, craigslist listings of one area), 6 true. Installments of one series of one source
# are never evidence (story.numbered_apart): 3 false (the craigslist listings), 6 true.
MAX_FALSE_REAL_STORY_LINKS = 3
MIN_TRUE_REAL_STORY_LINKS = 6


def _filed(
    tmp: Path, story_vectors: bool, folders: list[Path] | None = None
) -> list[dict[str, object]]:
    config = Config(
        database=tmp / "j.db",
        output=tmp / "out",
        processes=1,
        feed=FeedInfo(limit=10),
        story_vectors=story_vectors,
    )
    if folders is None:
        folders = [p for p in sorted(REVIEW.iterdir()) if p.is_dir()]
    pipeline.ingest_inputs(config, [str(p) for p in folders])
    return list(pipeline.export(config))


@pytest.fixture(scope="module")
def filed(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    return _filed(tmp_path_factory.mktemp("review"), story_vectors=False)


@pytest.fixture(scope="module")
def filed_vectors(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, object]]:
    return _filed(tmp_path_factory.mktemp("review-vectors"), story_vectors=True)


def _where(rows: list[dict[str, object]]) -> dict[tuple[str, str], dict[str, object]]:
    # A page ingested from a file has the file's URI as its GUID; the labels write the
    # shared folder as {shared}, so they hold wherever ../shared lies.
    shared = SHARED.resolve().as_uri()
    return {(str(r["source"]), str(r["guid"]).replace(shared, "{shared}")): r for r in rows}


@pytest.mark.needs_shared(REVIEW)
def test_every_labelled_copy_is_one_entry(filed: list[dict[str, object]]) -> None:
    labels = json.loads(LABELS.read_text())
    where = _where(filed)
    missed = []
    for group in labels["copies"]:
        keys = [(m["source"], m["guid"]) for m in group]
        clusters = {where[k]["cluster"] if k in where else None for k in keys}
        if len(clusters) != 1 or None in clusters:
            missed.append([m["title"] for m in group])
    assert len(labels["copies"]) >= 70
    assert missed == []


@pytest.mark.needs_shared(REVIEW)
def test_every_post_of_a_source_labelled_apart_is_its_own_entry(
    filed: list[dict[str, object]],
) -> None:
    labels = json.loads(LABELS.read_text())
    for label in labels["apart"]:
        rows = [r for r in filed if r["source"] == label["source"]]
        assert len(rows) >= 10, label["source"]
        assert len({r["cluster"] for r in rows}) == len(rows), label


def _story_links(filed: list[dict[str, object]], key: str = "stories") -> dict[bool, int]:
    """Labelled story links made: how many of the false ones, how many of the true."""
    labels = json.loads(LABELS.read_text())
    where = _where(filed)
    linked = {True: 0, False: 0}
    for label in labels[key]:
        stories = {
            where[(m["source"], m["guid"])]["story"]
            for m in label["members"]
            if (m["source"], m["guid"]) in where
        }
        if len(stories) == 1:
            linked[label["same"]] += 1
    return linked


@pytest.mark.needs_shared(REVIEW)
def test_story_links_only_get_better(filed: list[dict[str, object]]) -> None:
    linked = _story_links(filed)
    assert linked[False] <= MAX_FALSE_STORY_LINKS, linked
    assert linked[True] >= MIN_TRUE_STORY_LINKS, linked


@pytest.mark.needs_shared(REVIEW)
def test_story_links_with_story_vectors(filed_vectors: list[dict[str, object]]) -> None:
    linked = _story_links(filed_vectors)
    assert linked[False] <= MAX_FALSE_STORY_LINKS_VECTORS, linked
    assert linked[True] >= MIN_TRUE_STORY_LINKS, linked


@pytest.mark.needs_shared(REAL)
@pytest.mark.parametrize("story_vectors", [False, True], ids=["plain", "vectors"])
def test_story_links_of_feeds_real_only_get_better(tmp_path: Path, story_vectors: bool) -> None:
    filed = _filed(tmp_path, story_vectors=story_vectors, folders=[REAL])
    labels = json.loads(LABELS.read_text())["stories_real"]
    where = _where(filed)
    assert all((m["source"], m["guid"]) in where for label in labels for m in label["members"])
    linked = _story_links(filed, "stories_real")
    assert linked[False] <= MAX_FALSE_REAL_STORY_LINKS, linked
    assert linked[True] >= MIN_TRUE_REAL_STORY_LINKS, linked
