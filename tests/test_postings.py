"""The packed index keys and their in-memory index answer as the old key tables did."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jjfeed.model import Article
from jjfeed.store import MIGRATIONS, SCHEMA_VERSION, Store
from jjfeed.store.postings import KeyIndex, pack, unpack

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _article(guid: str) -> Article:
    return Article(source="s", guid=guid, url=None, title=guid, text="w", html="<p>w</p>")


def _reference(
    rows: dict[int, tuple[int, list[int]]], keys: list[int], lo: int, hi: int, per_key: int | None
) -> list[tuple[int, int]]:
    """``(key index, article)`` as the old SQL gave them: per key the latest ``per_key``."""
    out = []
    for n, key in enumerate(keys):
        under = sorted((d, a) for a, (d, ks) in rows.items() if key in ks and lo <= d <= hi)
        if per_key is not None:
            under = under[-per_key:]
        out += [(n, a) for _, a in under]
    return sorted(out)


@pytest.mark.parametrize("fold", [7, 4096])
def test_key_index_matches_a_plain_scan_through_segments_rewrites_and_collisions(fold: int) -> None:
    """Small keys share prefixes (their low bits hold positions): the full key still decides.

    A small ``fold`` makes many segments out of the rewrites, merged as they pile up.
    """
    rng = random.Random(fold)
    rows: dict[int, tuple[int, list[int]]] = {}
    for article in range(1, 400):
        rows[article] = (rng.randrange(0, 50), rng.sample(range(40), rng.randrange(0, 6)))
    index = KeyIndex(fold)
    for lo, hi in ((10, 30), (0, 10), (30, 60)):  # three segments, loaded in date order
        chosen = sorted((d, a) for a, (d, _) in rows.items() if lo <= d < hi)
        index.load(lo, hi, [(a, d, pack(rows[a][1])) for d, a in chosen])
    assert index.missing(0, 60) == [] and index.missing(-5, 70) == [(-5, 0), (60, 70)]
    for step in range(6000):  # rewrites: dead rows in segments, the dictionary, folds
        article = rng.randrange(1, 500)
        rows[article] = (rng.randrange(0, 50), rng.sample(range(40), rng.randrange(0, 6)))
        index.put(article, rows[article][0], pack(rows[article][1]))
        if step % 500 == 0:
            if fold < 100:
                drop = rng.randrange(1, 500)
                rows.pop(drop, None)
                index.drop(drop)
            for per_key in (None, 1, 3, 50):
                keys = rng.sample(range(45), 8)
                lo, hi = sorted(rng.sample(range(-2, 52), 2))
                which, _, ids = index.find(keys, lo, hi, per_key)
                got = sorted(zip(which.tolist(), ids.tolist(), strict=True))
                assert got == _reference(rows, keys, lo, hi, per_key), (step, per_key)


def test_packed_keys_round_trip_sorted_and_distinct() -> None:
    assert unpack(pack([5, -3, 5, 2**63 - 1, -(2**63)])) == [-(2**63), -3, 5, 2**63 - 1]
    assert unpack(pack([])) == [] and unpack(None) == []


def test_a_reader_catches_up_with_what_the_writer_commits(tmp_path: Path) -> None:
    """Its index is built once, then reads only the rows written since (and rewritten ones)."""
    db = tmp_path / "j.db"
    with Store(db) as writer, Store(db, reader=True) as reader:
        with writer.transaction():
            writer.create_cluster("c", NOW)
            ids = [
                writer.insert(
                    _article(f"g{n}"),
                    canonical_url=None,
                    content_hash=f"h{n}",
                    cluster="c",
                    priority=0,
                    when=NOW + timedelta(hours=n),
                )
                for n in range(3)
            ]
            writer.put_bands(ids[0], [1, 2])
            writer.put_bands(ids[1], [2, 3])
            writer.put_story_terms(ids[0], NOW, {"a"}, [7])
        assert reader.band_candidates([2]) == [ids[0], ids[1]]
        assert reader.story_candidate_terms([7], NOW, NOW) == [(ids[0], frozenset({"a"}))]
        with writer.transaction():
            writer.put_bands(ids[0], [9])  # rewritten: no longer under 2
            writer.put_bands(ids[2], [2])
            writer.put_story_terms(ids[1], NOW, {"b"}, [7])
        with reader.snapshot():
            assert reader.band_candidates([2]) == [ids[1], ids[2]]
            assert reader.band_candidates([9], since=NOW + timedelta(minutes=1)) == []
            assert reader.band_candidates([9], since=NOW) == [ids[0]]
            found = reader.story_candidate_terms([7], NOW, NOW, per_key=1)
            assert found == [(ids[1], frozenset({"b"}))]
        assert writer.band_candidates([2]) == [ids[1], ids[2]]
        with writer.transaction():
            writer.clear_bands()
        assert writer.band_candidates([2]) == []


def test_a_rolled_back_entry_leaves_nothing_in_the_index(tmp_path: Path) -> None:
    with Store(tmp_path / "j.db") as store, store.transaction():
        store.create_cluster("c", NOW)
        first = store.insert(
            _article("g1"), canonical_url=None, content_hash="h1", cluster="c", priority=0, when=NOW
        )
        store.put_bands(first, [4])
        assert store.band_candidates([4]) == [first]
        try:
            with store.savepoint():
                store.put_bands(first, [5])
                assert store.band_candidates([4, 5]) == [first]
                assert store.band_keys(first) == [5]
                raise RuntimeError
        except RuntimeError:
            pass
        assert store.band_keys(first) == [4]
        assert store.band_candidates([5]) == [] and store.band_candidates([4]) == [first]


def test_version_12_key_rows_are_packed_with_their_dates(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    raw = sqlite3.connect(db)
    for number, script in enumerate(MIGRATIONS[:12]):
        assert isinstance(script, str)
        raw.executescript(script)
        raw.execute(f"PRAGMA user_version = {number + 1}")
    raw.execute("INSERT INTO clusters (id, created, updated, story) VALUES ('c', 't', 't', 'c')")
    stamps = ["2026-11-01T12:00:00+00:00", "2026-11-05T12:00:00+00:00"]
    for n, stamp in enumerate(stamps):
        raw.execute(
            "INSERT INTO articles (source, guid, title, text, html, content_hash, cluster,"
            f" fetched_at) VALUES ('s', 'g{n}', 't', 'x', '', 'h', 'c', '{stamp}')"
        )
        raw.execute(f"INSERT INTO story_terms VALUES ({n + 1}, '{stamp}', 'a\nb')")
    raw.executemany("INSERT INTO lsh VALUES (?, ?)", [(-5, 1), (2**62, 1), (-5, 2)])
    raw.executemany(
        "INSERT INTO story_keys VALUES (?, ?, ?)",
        [(10, stamps[0], 1), (11, stamps[0], 1), (10, stamps[1], 2)],
    )
    raw.commit()
    raw.close()
    with Store(db) as store:
        assert store.version == SCHEMA_VERSION >= 13
        assert store.band_keys(1) == [-5, 2**62] and store.band_keys(2) == [-5]
        assert store.story_keys_of(1) == [10, 11] and store.story_keys_of(2) == [10]
        assert store.band_candidates([-5], since=datetime(2026, 11, 2, tzinfo=UTC)) == [2]
        late = datetime(2026, 11, 5, 12, tzinfo=UTC)
        assert store.story_candidate_terms([10, 11], late, late) == [(2, frozenset({"a", "b"}))]
    tables = {r[0] for r in sqlite3.connect(db).execute("SELECT name FROM sqlite_master")}
    assert "lsh" not in tables and "story_keys_12" not in tables


def _run_latest(
    state: dict[int, tuple[datetime, list[int], bool]],
    key: int,
    upto: int,
    start: datetime,
    end: datetime,
    limit: int,
) -> list[int]:
    """The run index's story candidates under one key, as it found them one key at a time."""
    under = {i: at for i, (at, keys, changed) in state.items() if key in keys and not changed}
    past = sorted(i for i in under if i > upto)
    if len(past) <= limit:
        found = [(under[i], i) for i in past if start <= under[i] <= end]
    else:
        dated = sorted((at, i) for i, at in under.items() if start <= at <= end)[-limit:]
        found = [(at, i) for at, i in dated if i > upto]
    found += [
        (at, i)
        for i, (at, keys, changed) in state.items()
        if changed and key in keys and start <= at <= end
    ]
    return [i for _, i in sorted(found, reverse=True)[:limit]]


def test_the_run_index_story_postings_answer_as_one_key_at_a_time() -> None:
    from collections import Counter

    from jjfeed.pipeline.archive import _DatedPostings

    rng = random.Random(11)
    postings = _DatedPostings()
    state: dict[int, tuple[datetime, list[int], bool]] = {}
    for step in range(3000):
        article = rng.randrange(1, 400)
        if article in state:
            at, keys, changed = state.pop(article)
            postings.remove(keys, article, at)
        if rng.random() < 0.9:
            at = NOW + timedelta(minutes=rng.randrange(0, 600), microseconds=rng.randrange(3))
            keys = rng.sample(range(30), rng.randrange(0, 5))
            changed = rng.random() < 0.05
            postings.add(keys, article, at, changed)
            state[article] = (at, keys, changed)
        if step % 100 == 0:
            keys = rng.sample(range(32), 10)
            upto = rng.choice([0, 100, 200, 300, 500])
            start = NOW + timedelta(minutes=rng.randrange(0, 300))
            end = start + timedelta(minutes=rng.randrange(0, 400))
            for limit in (2, 5, 50):
                expected: Counter[int] = Counter()
                for key in keys:
                    expected.update(_run_latest(state, key, upto, start, end, limit))
                found: Counter[int] = Counter()
                for key in set(keys):
                    found.update(postings.latest(key, upto, start, end, limit))
                assert found == expected, (step, limit)
