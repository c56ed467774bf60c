"""Turning the story window on or off: only the window's story terms are made again.

The story keys and the plain terms do not depend on ``dedup.story_vectors``;
only the count vectors do, and only the window's articles are weighed with
them. So turning it on makes the window's count vectors and turning it off
rebuilds nothing: a million-article store changes in seconds, not hours.
"""

import logging
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import prose
from jjfeed import pipeline, story
from jjfeed.model import Article
from jjfeed.store import Store

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def _file(path: Path, vectors: bool, now: datetime, articles: list[Article]) -> None:
    with Store(path) as store:
        deduper = pipeline._Deduper(store, now, story_vectors=vectors)
        deduper.prepare()
        with store.transaction():
            for article in articles:
                deduper.file(article, 0)


def _article(k: int, published: datetime) -> Article:
    return Article(
        source=f"site{k}",
        guid=f"g{k}",
        title=f"Report number {k} on the harbour works",
        url=None,
        published=published,
        text=prose(100 + k, 120),
    )


def _rows(path: Path) -> dict[str, tuple[str, bytes]]:
    db = sqlite3.connect(path)
    try:
        terms = dict(
            db.execute(
                "SELECT a.guid, t.terms FROM story_terms t JOIN articles a ON a.id = t.article"
            ).fetchall()
        )
        keys = dict(
            db.execute(
                "SELECT a.guid, k.keys FROM story_keys k JOIN articles a ON a.id = k.article"
            ).fetchall()
        )
        return {g: (terms[g], keys.get(g, b"")) for g in terms}
    finally:
        db.close()


def _has_vector(terms: str) -> bool:
    return story.has_body(frozenset(terms.split("\n")))


def test_turning_the_window_on_makes_count_vectors_for_the_window_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "j.db"
    old = [_article(k, NOW - timedelta(days=20)) for k in range(3)]
    recent = [_article(k, NOW) for k in range(3, 6)]
    _file(path, False, NOW, old + recent)
    before = _rows(path)
    assert not any(_has_vector(t) for t, _ in before.values())
    with caplog.at_level(logging.INFO, logger="jjfeed.pipeline"):
        _file(path, True, NOW + timedelta(hours=1), [])
    after = _rows(path)
    assert "story index rebuilt" not in caplog.text
    assert "story terms of the window made" in caplog.text
    assert {g for g, (t, _) in after.items() if _has_vector(t)} == {a.guid for a in recent}
    # The keys and the plain terms are untouched.
    for guid, (terms, keys) in before.items():
        assert after[guid][1] == keys
        assert story.key_terms(after[guid][0].split("\n")) == terms.split("\n")


def test_turning_the_window_off_rebuilds_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "j.db"
    _file(path, True, NOW, [_article(k, NOW) for k in range(3)])
    before = _rows(path)
    with caplog.at_level(logging.INFO, logger="jjfeed.pipeline"):
        _file(path, False, NOW + timedelta(hours=1), [_article(9, NOW)])
    assert "rebuilt" not in caplog.text
    after = _rows(path)
    assert {g: after[g] for g in before} == before
    assert not _has_vector(after["g9"][0])
    with Store(path) as store:
        assert store.get_meta("story_params") == pipeline.STORY_PARAMS


def test_loading_the_window_remembers_its_articles_stories(tmp_path: Path) -> None:
    path = tmp_path / "j.db"
    _file(path, True, NOW, [_article(k, NOW) for k in range(4)])
    with Store(path) as store:
        expected = store.stories_of_articles([1, 2, 3, 4])
    with Store(path) as store:
        ids = [i for i, _, _, _ in store.story_terms_between(NOW - timedelta(days=1), NOW)]
        assert sorted(ids) == [1, 2, 3, 4]
        statements: list[str] = []
        store._db.set_trace_callback(statements.append)
        assert store.stories_of_articles(ids) == expected
        store._db.set_trace_callback(None)
    assert statements == []  # remembered on the way: no query


def test_the_window_is_read_once_and_only_by_a_run_that_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cron run that finds every entry stored never reads it; one that files reads it once."""
    from conftest import html_body, rss
    from jjfeed.config import Config

    reads: list[datetime] = []
    between = Store.story_terms_between

    def counted(self: Store, start: datetime, end: datetime):  # type: ignore[no-untyped-def]
        reads.append(start)
        return between(self, start, end)

    monkeypatch.setattr(Store, "story_terms_between", counted)
    items = [
        {"title": f"Harbour works, day {k}", "link": f"https://a.example/{k}", "guid": f"g{k}"}
        for k in range(4)
    ]
    feed = tmp_path / "a.rss"
    feed.write_bytes(
        rss(
            "A",
            "https://a.example/",
            [dict(i, body=html_body(prose(k))) for k, i in enumerate(items)],
        )
    )
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)
    first = pipeline.ingest_inputs(config, [str(feed)], now=NOW)
    assert [r.new for r in first.results] == [4] and len(reads) == 1
    again = pipeline.ingest_inputs(config, [str(feed)], now=NOW + timedelta(hours=1))
    assert [r.new for r in again.results] == [0] and len(reads) == 1  # nothing filed: not read
