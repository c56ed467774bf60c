"""A snapshot of the band index answers as the index built from the rows would.

The snapshot is a cache (see :mod:`jjfeed.store.snapshots`): what it holds
and every row written since must give the same candidates as a fresh
build, through rewrites, new rows, a table emptied, and a snapshot that
is not one this code wrote.
"""

from __future__ import annotations

import logging
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from conftest import html_body, prose, rss
from jjfeed.model import Article
from jjfeed.store import Store, snapshots
from jjfeed.store.postings import KeyIndex, pack, segment_of

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WINDOW = timedelta(days=30)


def _scan(
    rows: dict[int, tuple[int, list[int]]], keys: list[int], lo: int
) -> list[tuple[int, int]]:
    """``(key index, article)`` straight from the rows: the answer every index must give."""
    out = [(n, a) for n, k in enumerate(keys) for a, (d, ks) in rows.items() if k in ks and d >= lo]
    return sorted(out)


def _found(index: KeyIndex, keys: list[int], lo: int) -> list[tuple[int, int]]:
    which, _, ids = index.find(keys, lo, 2**62)
    return sorted(zip(which.tolist(), ids.tolist(), strict=True))


@pytest.mark.parametrize("later", [5, 900])  # a few rows since (the dictionary), or many
def test_a_restored_index_and_the_rows_since_answer_as_the_rows(later: int) -> None:
    rng = random.Random(later)
    rows = {
        a: (rng.randrange(0, 100), rng.sample(range(60), rng.randrange(0, 8)))
        for a in range(1, 700)
    }
    ordered = sorted((d, a) for a, (d, _) in rows.items())
    segment = segment_of((a, d, pack(rows[a][1])) for d, a in ordered)
    decoded = snapshots.decode(snapshots.encode(segment, 0, 699))
    assert decoded is not None
    info, restored = decoded
    assert info == snapshots.SnapshotInfo(rows=len(segment.ids), lo=0, seq=699)
    for mine, theirs in zip(restored.arrays, segment.arrays, strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    index = KeyIndex.restored(restored, 0, 2**62, info.seq)
    since = []
    for _ in range(later):  # rewrites of stored articles and new ones, in writing order
        article = rng.randrange(1, 700 + later)
        rows[article] = (rng.randrange(0, 120), rng.sample(range(60), rng.randrange(0, 8)))
        since.append((article, rows[article][0], pack(rows[article][1])))
    index.absorb(since)
    for _ in range(50):
        keys, lo = rng.sample(range(64), 6), rng.randrange(-5, 110)
        assert _found(index, keys, lo) == _scan(rows, keys, lo)


def test_what_is_not_a_snapshot_this_code_wrote_is_not_used() -> None:
    segment = segment_of([(1, 5, pack([3, 4])), (2, 6, pack([4]))])
    good = [bytes(part) for part in snapshots.encode(segment, 0, 2)]
    assert snapshots.decode(good) is not None
    assert snapshots.decode([]) is None
    assert snapshots.decode([b"not json", *good[1:]]) is None
    other = good[0].replace(f'"format": {snapshots.FORMAT}'.encode(), b'"format": 99')
    assert other != good[0] and snapshots.decode([other, *good[1:]]) is None
    assert snapshots.decode([good[0], good[1][:-8]]) is None  # a part cut short
    assert snapshots.decode([good[0], good[1] + b"\0" * 8]) is None  # bytes left over
    assert snapshots.decode([good[0].replace(b'"postings"', b'"other"'), *good[1:]]) is None


@pytest.mark.parametrize("keys", [1, 2, 3])
def test_restored_arrays_are_aligned_views_of_one_buffer(keys: int) -> None:
    """An odd count of 4-byte low bits must not leave the postings after them unaligned:
    a search over unaligned keys took 20 ms, not 0.14 (100,000 articles)."""
    segment = segment_of([(1, 5, pack(range(keys)))])
    assert segment.low.dtype.itemsize == 4
    decoded = snapshots.decode(bytes(part) for part in snapshots.encode(segment, 0, 1))
    assert decoded is not None
    for array in decoded[1].arrays:
        assert array.flags.aligned and not array.flags.owndata


def test_a_snapshot_is_due_when_there_is_none_or_it_went_stale() -> None:
    info = snapshots.SnapshotInfo(rows=80_000, lo=1_000, seq=500)
    span = 30 * 86_400
    assert not snapshots.due(19_999, None, 0, 1_000, span)  # a small window: built in a moment
    assert snapshots.due(20_000, None, 0, 1_000, span)
    assert not snapshots.due(80_000, info, 10_000, 1_000, span)
    assert snapshots.due(80_000, info, 10_001, 1_000, span)  # over an eighth written since
    assert not snapshots.due(80_000, info, 0, 1_000 + span // 8, span)
    assert snapshots.due(80_000, info, 0, 1_001 + span // 8, span)  # an eighth of it is too old


def _articles(store: Store, count: int, rng: random.Random, at: datetime) -> dict[int, list[int]]:
    keys: dict[int, list[int]] = {}
    with store.transaction():
        store.create_cluster(f"c{at.timestamp()}", at)
        for n in range(count):
            article = Article(
                source="s",
                guid=f"{at.timestamp()}-{n}",
                url=None,
                title="t",
                text="w",
                html="<p>w</p>",
            )
            when = at + timedelta(minutes=n)
            i = store.insert(
                article,
                canonical_url=None,
                content_hash=f"{at.timestamp()}-{n}",
                cluster=f"c{at.timestamp()}",
                priority=0,
                when=when,
            )
            keys[i] = rng.sample(range(200), 5)
            store.put_bands(i, keys[i], new=True, fetched=when)
    return keys


def _full_loads(store: Store) -> list[str]:
    """Watch for the query that reads every row of the dates a lookup asks for."""
    seen: list[str] = []
    store._db.set_trace_callback(
        lambda q: seen.append(q) if "ORDER BY fetched, article" in q else None
    )  # type: ignore[attr-defined]
    return seen


def test_a_reader_restores_the_snapshot_and_reads_only_the_rows_since(tmp_path: Path) -> None:
    db, rng = tmp_path / "j.db", random.Random(4)
    with Store(db) as writer:
        keys = _articles(writer, 300, rng, NOW - timedelta(days=2))
        assert writer.refresh_key_snapshot(NOW - WINDOW, NOW, min_rows=301) == 0  # too few
        assert writer.refresh_key_snapshot(NOW - WINDOW, NOW, min_rows=100) == 300
        assert writer.refresh_key_snapshot(NOW - WINDOW, NOW, min_rows=100) == 0  # fresh still
        keys.update(_articles(writer, 20, rng, NOW - timedelta(days=1)))  # since the snapshot
        with writer.transaction():
            for article in rng.sample(sorted(keys), 30):  # rewritten since
                keys[article] = rng.sample(range(200), 5)
                writer.put_bands(article, keys[article])
    with Store(db, reader=True) as reader, Store(db, reader=True) as plain:
        plain._db.execute("PRAGMA query_only = 0")  # type: ignore[attr-defined]
        loads = _full_loads(reader)
        for key in range(200):
            expected = sorted(a for a, ks in keys.items() if key in ks)
            assert reader.band_candidates([key], since=NOW - WINDOW) == expected, key
        assert loads == []  # the snapshot and the rows since were enough
    with Store(db) as store:
        with store.transaction():
            store.clear_bands()
        assert store._db.execute("SELECT count(*) FROM key_snapshots").fetchone()[0] == 0  # type: ignore[attr-defined]


def test_a_snapshot_left_from_before_the_table_was_emptied_is_not_used(tmp_path: Path) -> None:
    """Written by a jjfeed that did not drop it: the rows it holds are all gone."""
    db, rng = tmp_path / "j.db", random.Random(5)
    with Store(db) as store:
        keys = _articles(store, 50, rng, NOW - timedelta(days=1))
        assert store.refresh_key_snapshot(NOW - WINDOW, NOW, min_rows=1) == 50
        raw = store._db  # type: ignore[attr-defined]
        kept = raw.execute("SELECT name, part, data FROM key_snapshots").fetchall()
        with store.transaction():
            store.clear_bands()
            raw.executemany("INSERT INTO key_snapshots VALUES (?, ?, ?)", kept)
            for article in keys:  # filed again, under new keys
                keys[article] = rng.sample(range(200, 400), 5)
                store.put_bands(article, keys[article], new=True)
    with Store(db, reader=True) as reader:
        for key in range(400):
            expected = sorted(a for a, ks in keys.items() if key in ks)
            assert reader.band_candidates([key], since=NOW - WINDOW) == expected, key


def _feed(path: Path, site: str, count: int) -> Path:
    """An RSS file of ``count`` articles; another ``site`` carries them edited, under its links."""
    items = []
    for n in range(count):
        paragraphs = prose(100 + n).split("\n\n")
        paragraphs[0] += f" Readers of {site} wrote in about it."  # inside a paragraph: kept
        items.append(
            {
                "title": f"Story number {n} of the day",
                "link": f"https://{site}.example/{n}",
                "guid": f"{site}-{n}",
                "body": html_body("\n\n".join(paragraphs)),
            }
        )
    path.write_bytes(rss(site, f"https://{site}.example/", items))
    return path


def test_a_run_writes_a_snapshot_when_it_begins_and_files_with_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """End to end: a run writes it before it looks anything up, and finds copies through it."""
    from jjfeed.config import Config
    from jjfeed.pipeline import ingest_inputs

    monkeypatch.setattr(snapshots, "MIN_ROWS", 5)
    config = Config(database=tmp_path / "j.db", output=tmp_path / "out", processes=1)
    caplog.set_level(logging.INFO, logger="jjfeed")
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    first = ingest_inputs(config, [str(_feed(tmp_path / "one/a.rss", "one", 8))], now=NOW)
    assert sum(r.new for r in first.results) == 8
    assert "new snapshot" not in caplog.text  # the store was empty when the run began
    # The same articles from another site, edited: copies, found through the snapshot the
    # second run writes when it begins.
    copies = _feed(tmp_path / "two/b.rss", "two", 8)
    second = ingest_inputs(config, [str(copies)], now=NOW + timedelta(hours=1))
    assert "a new snapshot of 8 articles' band keys" in caplog.text
    assert sum(r.duplicates for r in second.results) == 8
    raw = sqlite3.connect(tmp_path / "j.db")
    parts = raw.execute("SELECT count(*) FROM key_snapshots WHERE name = 'band_keys'").fetchone()
    raw.close()
    assert parts[0] >= 2  # the header and the arrays
