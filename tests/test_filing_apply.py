"""Filing's apply step: the reasons a unit filed are written at its end, an entry's own undone."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import html_body, prose, rss
from jjfeed import pipeline
from jjfeed.config import Config
from jjfeed.model import Article
from jjfeed.store import Store

NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def _feed(path: Path) -> Path:
    items = [
        {"title": "Rates rise again", "link": "https://a.example/1", "guid": "g1"},
        {"title": "Rates rise again", "link": "https://a.example/2", "guid": "g2"},
        {"title": "Harbour bridge reopens", "link": "https://a.example/3", "guid": "g3"},
    ]
    bodies = [prose(1), prose(1), prose(2)]
    path.write_bytes(
        rss(
            "A",
            "https://a.example/",
            [dict(i, body=html_body(b)) for i, b in zip(items, bodies, strict=True)],
        )
    )
    return path


def _reasons(db: Path) -> dict[str, str]:
    with Store(db) as store:
        stored = {s.id: s.article.guid for s in store.articles()}
        return {stored[i]: str(r["rule"]) for i, r in store.dedup_reasons(stored).items()}


def test_a_unit_writes_the_reasons_of_its_copies(tmp_path: Path) -> None:
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)
    (result,) = pipeline.ingest_inputs(config, [str(_feed(tmp_path / "a.rss"))], now=NOW).results
    assert (result.new, result.duplicates) == (2, 1)
    assert _reasons(tmp_path / "j.db") == {"g2": "content-hash"}


def test_an_entry_that_fails_leaves_no_reason_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """g2's reason waits for the unit's end; g2 fails after it was decided, and its
    reason goes with its rows (g3 may be given g2's id)."""
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)
    put = pipeline._Deduper._put_story_terms

    def fail_for_g2(self: pipeline._Deduper, article_id: int, article: Article, *a, **k):  # type: ignore[no-untyped-def]
        if article.guid == "g2":
            raise ValueError("no terms today")
        return put(self, article_id, article, *a, **k)

    monkeypatch.setattr(pipeline._Deduper, "_put_story_terms", fail_for_g2)
    (result,) = pipeline.ingest_inputs(config, [str(_feed(tmp_path / "a.rss"))], now=NOW).results
    assert (result.new, result.duplicates, result.failed) == (2, 0, 1)
    assert _reasons(tmp_path / "j.db") == {}


def test_filing_outside_a_unit_writes_the_reason_at_once(tmp_path: Path) -> None:
    text = prose(3)
    with Store(tmp_path / "j.db") as store:
        deduper = pipeline._Deduper(store, NOW)
        first = Article(source="a", guid="g1", url=None, title="Rates rise", text=text)
        assert deduper.file(first, 0) == "new"
        assert deduper.file(Article(source="b", guid="g9", url=None, title="x", text=text), 0) == (
            "duplicate"
        )
        (reason,) = store.dedup_reasons([a.id for a in store.articles()]).values()
        assert reason["rule"] == "content-hash"
