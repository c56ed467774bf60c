"""A run that reads stored entries again does not clean them again (issue 19 item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import html_body, prose
from jjfeed import pipeline
from jjfeed.config import Config
from jjfeed.pipeline import prepare
from jjfeed.store import Store


def _rss(title: str, bodies: dict[str, str]) -> str:
    items = "".join(
        f"<item><title>Post {guid}</title><link>https://blog.example/{guid}</link>"
        f"<guid>{guid}</guid><description>{html_body(body).replace('<', '&lt;')}</description></item>"
        for guid, body in bodies.items()
    )
    return f"<rss version='2.0'><channel><title>{title}</title><link>https://blog.example/</link>{items}</channel></rss>"


@pytest.fixture
def cleanings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The titles of the articles cleaned in this process (the run is given one process)."""
    seen: list[str] = []
    real = prepare._clean_body

    def counting(article):  # type: ignore[no-untyped-def]
        seen.append(article.title)
        return real(article)

    monkeypatch.setattr(prepare, "_clean_body", counting)
    return seen


def _config(tmp_path: Path) -> Config:
    return Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)


def test_entries_read_again_unchanged_are_not_cleaned_again(
    tmp_path: Path, cleanings: list[str]
) -> None:
    bodies = {g: prose(n, 120) for n, g in enumerate(("a", "b", "c"))}
    feed = tmp_path / "blog.rss"
    feed.write_text(_rss("Blog", bodies))
    config = _config(tmp_path)

    first = pipeline.ingest_inputs(config, [str(feed)]).results[0]
    assert (first.new, sorted(cleanings)) == (3, ["Post a", "Post b", "Post c"])

    cleanings.clear()
    again = pipeline.ingest_inputs(config, [str(feed)]).results[0]
    assert (again.new, again.updated, again.failed, cleanings) == (0, 0, 0, [])

    # One entry edited: that one alone is cleaned, and stored anew.
    bodies["b"] = prose(7, 120)
    feed.write_text(_rss("Blog", bodies))
    edited = pipeline.ingest_inputs(config, [str(feed)]).results[0]
    assert (edited.new, edited.updated, cleanings) == (0, 1, ["Post b"])
    with Store(config.database) as store:
        stored = store.get("Blog", "b")
        assert stored is not None and prose(7, 120).split(".")[0] in stored.article.text


def test_a_source_renamed_after_reading_is_checked_against_its_own_articles(
    tmp_path: Path, cleanings: list[str]
) -> None:
    """Two feed files with one title: the second is "Blog (b.rss)" only once filed.

    The worker looks the second file's entries up under "Blog", where the
    first file's entries of the same GUIDs are stored; the run must not call
    them unchanged for that.
    """
    folder = tmp_path / "feeds"
    folder.mkdir()
    (folder / "a.rss").write_text(_rss("Blog", {"x": prose(1, 120)}))
    (folder / "b.rss").write_text(_rss("Blog", {"x": prose(2, 120)}))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(folder)])
    (folder / "b.rss").write_text(_rss("Blog", {"x": prose(1, 120)}))  # now a's text

    cleanings.clear()
    report = pipeline.ingest_inputs(config, [str(folder)])

    assert sum(r.updated for r in report.results) == 1
    assert cleanings == ["Post x"]  # b's entry, whose key under "Blog" matched a's
    with Store(config.database) as store:
        a, b = store.get("Blog", "x"), store.get("Blog (b.rss)", "x")
        assert a is not None and b is not None
        assert a.article.text == b.article.text


def test_a_change_to_the_cleaning_code_cleans_stored_entries_again(
    tmp_path: Path, cleanings: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    feed = tmp_path / "blog.rss"
    feed.write_text(_rss("Blog", {"a": prose(1, 120), "b": prose(2, 120)}))
    config = _config(tmp_path)
    pipeline.ingest_inputs(config, [str(feed)])
    cleanings.clear()

    # What a new release (or an edited rule) changes: the digest of the cleaning code.
    monkeypatch.setattr(prepare, "preparing_code", lambda: "another version of clean/")
    again = pipeline.ingest_inputs(config, [str(feed)]).results[0]

    assert sorted(cleanings) == ["Post a", "Post b"]
    assert (again.new, again.updated) == (0, 0)  # the same text came out
    cleanings.clear()
    pipeline.ingest_inputs(config, [str(feed)])
    assert cleanings == []  # and their keys were brought up to date
