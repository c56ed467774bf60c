import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from jjfeed.errors import RecordError, StoreError
from jjfeed.model import Article, Signature, Validators
from jjfeed.store import MIGRATIONS, SCHEMA_VERSION, Database, Filed, Store

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _article(guid: str, text: str = "some words here") -> Article:
    return Article(
        source="s",
        guid=guid,
        url=f"https://x.example/{guid}",
        title=guid,
        text=text,
        html=f"<p>{text}</p>",
        tags=("a", "b"),
        published=NOW,
    )


def test_new_database_is_migrated_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = tmp_path / "sub" / "j.db"
    with Store(db) as store:
        assert store.version == SCHEMA_VERSION
    raw = sqlite3.connect(db)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    raw = sqlite3.connect(db)
    raw.execute("PRAGMA user_version = 999")
    raw.close()
    with pytest.raises(StoreError, match="newer than this jjfeed understands"):
        Store(db)


def test_unusable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot open database"):
        Store(blocker / "j.db")


def test_round_trip_and_exact_lookup(database: Database) -> None:
    with Store(database) as store, store.transaction():
        store.create_cluster("c1", NOW)
        aid = store.insert(
            _article("g1"),
            canonical_url="x.example/g1",
            content_hash="h1",
            cluster="c1",
            priority=3,
            when=NOW,
        )
        store.put_signature(aid, Signature("p", b"\x00\x01"))
    with Store(database) as store:
        got = store.get("s", "g1")
        assert got is not None
        assert got.article.tags == ("a", "b")
        assert got.article.published == NOW
        assert got.priority == 3
        assert store.exact_matches(None, "x.example/g1", None) == [("url", aid, "c1")]
        assert store.exact_matches(None, None, "h1") == [("content-hash", aid, "c1")]
        assert store.exact_matches("g1", None, None) == [("guid", aid, "c1")]
        assert store.exact_matches(None, "other", "h2") == []
        assert store.clusters_of([aid]) == {"c1"}
        assert list(store.signatures()) == [(aid, Signature("p", b"\x00\x01"))]


def test_failed_transaction_leaves_nothing(database: Database) -> None:
    with Store(database) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.create_cluster("c1", NOW)
            store.insert(
                _article("g1"),
                canonical_url=None,
                content_hash="h",
                cluster="c1",
                priority=0,
                when=NOW,
            )
            raise RuntimeError("boom")
        assert store.counts() == {"articles": 0, "clusters": 0, "signatures": 0}


def test_duplicate_source_guid_is_rejected(database: Database) -> None:
    with Store(database) as store, store.transaction():
        store.create_cluster("c1", NOW)
        store.insert(
            _article("g1"), canonical_url=None, content_hash="h", cluster="c1", priority=0, when=NOW
        )
        with pytest.raises(RecordError, match="(?i)unique"), store.savepoint():
            store.insert(
                _article("g1"),
                canonical_url=None,
                content_hash="h",
                cluster="c1",
                priority=0,
                when=NOW,
            )
    with Store(database) as store:  # the savepoint undid the failed row alone
        assert store.counts()["articles"] == 1


def test_source_state(database: Database) -> None:
    with Store(database) as store:
        store.record_failure("s", "https://x/", "HTTP 500")
        store.record_failure("s", "https://x/", "HTTP 502")
        known = store.get_source("s")
        assert known is not None and known.failures == 2 and known.last_error == "HTTP 502"
        store.put_source(
            replace(known, etag='"e1"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT", failures=0)
        )
        assert store.validators("s") == Validators('"e1"', "Sun, 01 Nov 2026 00:00:00 GMT")
        state = store.get_source("s")
        assert state is not None and state.failures == 0


def test_old_database_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    raw = sqlite3.connect(db)
    raw.executescript(MIGRATIONS[0])
    raw.execute("PRAGMA user_version = 1")
    raw.execute(
        "INSERT INTO clusters VALUES ('c1', '2026-11-01T00:00:00+00:00', '2026-11-01T00:00:00+00:00')"
    )
    raw.execute(
        "INSERT INTO articles (source, guid, title, text, html, content_hash, cluster, fetched_at) "
        "VALUES ('s', 'g', 't', 'x', '<p>x</p>', 'h', 'c1', '2026-11-01T00:00:00+00:00')"
    )
    raw.commit()
    raw.close()
    with Store(db) as store:
        assert store.version == SCHEMA_VERSION >= 4
        assert store.get("s", "g") is not None
        store.put_bands(1, [5, 6])
        assert store.band_candidates([6, 7]) == [1]
        assert store.get_meta("lsh_params") is None


def test_merge_clusters_moves_members_and_keeps_aliases(database: Database) -> None:
    later = datetime(2026, 11, 2, tzinfo=UTC)
    with Store(database) as store, store.transaction():
        for cluster, guid in (("c1", "a"), ("c2", "b"), ("c3", "c")):
            store.create_cluster(cluster, NOW)
            store.insert(
                _article(guid),
                canonical_url=None,
                content_hash=guid,
                cluster=cluster,
                priority=0,
                when=NOW,
            )
        store.merge_clusters("c2", ["c3"], later)
        store.merge_clusters("c1", ["c2"], later)
        assert {s.cluster for s in store.articles()} == {"c1"}
        assert store.counts()["clusters"] == 1
        assert store.cluster_created(["c1", "c2"]) == {"c1": NOW}


def test_insert_filed_writes_what_the_one_by_one_calls_write(tmp_path: Path) -> None:
    """Bulk loading and the pipeline's per-article calls leave the same rows."""
    later = datetime(2026, 11, 2, tzinfo=UTC)
    sig = Signature("p", b"\x01\x02")
    items = [
        Filed(
            _article("g1"),
            "x.example/g1",
            "h1",
            "c1",
            NOW,
            priority=2,
            signature=sig,
            bands=(5, 6),
            terms=frozenset({"b", "a"}),
            story_keys=(9, 8),
        ),
        Filed(_article("g2"), None, "h2", "c1", later, bands=(6,), story_at=later),
        Filed(_article("g3"), None, "h3", "c3", NOW, story="c1"),
    ]
    with Store(tmp_path / "bulk.db") as bulk, bulk.transaction():
        assert bulk.insert_filed(items) == [1, 2, 3]
        assert bulk.insert_filed([Filed(_article("g4"), None, "h4", "c4", NOW)]) == [4]
    with Store(tmp_path / "one.db") as one, one.transaction():
        one.create_cluster("c1", NOW)
        first = one.insert(
            items[0].article,
            canonical_url="x.example/g1",
            content_hash="h1",
            cluster="c1",
            priority=2,
            when=NOW,
        )
        one.put_signature(first, sig)
        one.put_bands(first, [5, 6])
        one.put_story_terms(first, NOW, {"a", "b"}, [9, 8])
        second = one.insert(
            items[1].article,
            canonical_url=None,
            content_hash="h2",
            cluster="c1",
            priority=0,
            when=later,
        )
        one.put_bands(second, [6])
        one.put_story_terms(second, later, set(), [])
        one.touch_cluster("c1", later)
        one.create_cluster("c3", NOW, story="c1")
        third = one.insert(
            items[2].article,
            canonical_url=None,
            content_hash="h3",
            cluster="c3",
            priority=0,
            when=NOW,
        )
        one.put_story_terms(third, NOW, set(), [])
    with Store(tmp_path / "bulk.db") as bulk, Store(tmp_path / "one.db") as one:
        for article_id in (1, 2, 3):
            assert bulk.get_by_id(article_id) == one.get_by_id(article_id)
            assert bulk.band_keys(article_id) == one.band_keys(article_id)
            assert bulk.story_keys_of(article_id) == one.story_keys_of(article_id)
        assert bulk.band_keys(1) == [5, 6] and bulk.story_keys_of(1) == [8, 9]
        assert list(bulk.signatures()) == list(one.signatures()) == [(1, sig)]
        assert bulk.cluster_times(["c1"]) == one.cluster_times(["c1"])
        assert bulk.cluster_times(["c1"])["c1"][1] == later
        assert bulk.story_of("c3") == one.story_of("c3") == "c1"
        assert bulk.story_candidates([9], NOW, later) == one.story_candidates([9], NOW, later)
        assert bulk.story_candidates([9], NOW, later) == [(1, "c1", frozenset({"a", "b"}))]
        assert bulk.counts()["articles"] == 4


def test_insert_filed_is_one_unit_with_its_transaction(database: Database) -> None:
    """A GUID already stored fails the whole batch; nothing of it lands."""
    with Store(database) as store:
        with store.transaction():
            store.insert_filed([Filed(_article("g1"), None, "h1", "c1", NOW)])
        with pytest.raises(RecordError), store.transaction():
            store.insert_filed(
                [
                    Filed(_article("g2"), None, "h2", "c2", NOW, bands=(1,)),
                    Filed(_article("g1"), None, "h1", "c1", NOW),
                ]
            )
        assert store.counts() == {"articles": 1, "clusters": 1, "signatures": 0}
        assert store.band_candidates([1]) == []


def _filed(guid: str, cluster: str, at: datetime, keys: tuple[int, ...], terms: str) -> Filed:
    return Filed(
        _article(guid),
        None,
        guid,
        cluster,
        at,
        story_at=at,
        terms=frozenset(terms.split()),
        story_keys=keys,
    )


def test_story_candidates_are_the_latest_dated_in_the_window_per_key(database: Database) -> None:
    days = [datetime(2026, 11, d, tzinfo=UTC) for d in range(1, 11)]
    with Store(database) as store, store.transaction():
        store.insert_filed(
            [_filed(f"g{d}", f"c{d}", at, (7,), "x y") for d, at in enumerate(days)]
            + [_filed("other", "c99", days[5], (8,), "z w")]
        )
        found = store.story_candidates([7, 7], days[2], days[6], per_key=3)
        # Days 2..6 are in the window; the three latest dated of them, oldest id first.
        assert [(a, s) for a, s, _ in found] == [(5, "c4"), (6, "c5"), (7, "c6")]
        assert {t for _, _, t in found} == {frozenset({"x", "y"})}
        both = store.story_candidates([8, 7], days[5], days[5])
        assert [(a, s) for a, s, _ in both] == [(6, "c5"), (11, "c99")]
        assert store.story_candidates([9], days[0], days[9]) == []


def test_story_candidates_see_every_change_to_terms_clusters_and_stories(
    database: Database,
) -> None:
    """What story_candidates remembers between calls never outlives a change."""
    with Store(database) as store:
        with store.transaction():
            store.insert_filed(
                [_filed("a", "ca", NOW, (1,), "p q"), _filed("b", "cb", NOW, (1,), "p r")]
            )
        assert store.story_candidates([1], NOW, NOW) == [
            (1, "ca", frozenset({"p", "q"})),
            (2, "cb", frozenset({"p", "r"})),
        ]
        with store.transaction():
            store.set_story("cb", "ca")
            store.put_story_terms(1, NOW, {"p", "s"}, [1])
        assert store.story_candidates([1], NOW, NOW) == [
            (1, "ca", frozenset({"p", "s"})),
            (2, "ca", frozenset({"p", "r"})),
        ]
        with store.transaction():
            store.create_cluster("cc", NOW)
            store.merge_clusters("cc", ["ca"], NOW)
        assert [(a, s) for a, s, _ in store.story_candidates([1], NOW, NOW)] == [
            (1, "cc"),
            (2, "cc"),
        ]
        with pytest.raises(RuntimeError), store.transaction():
            store.insert_filed([_filed("c", "cd", NOW, (1,), "p t")])
            assert store.story_candidates([1], NOW, NOW)[-1] == (3, "cd", frozenset({"p", "t"}))
            raise RuntimeError("rolled back")
        with store.transaction():
            (again,) = store.insert_filed([_filed("d", "ce", NOW, (1,), "p u")])
        assert store.story_candidates([1], NOW, NOW)[-1] == (again, "ce", frozenset({"p", "u"}))


def test_recent_stories_walk_gives_the_grouped_answer(database: Database) -> None:
    """Newest story first by its latest cluster's date; ties by story id; limits cut after ties."""
    at = [datetime(2026, 11, 1, h, tzinfo=UTC) for h in range(6)]
    with Store(database) as store, store.transaction():
        for cluster, story, when in (
            ("a1", "A", at[5]),
            ("b1", "B", at[4]),
            ("a2", "A", at[3]),
            ("d1", "D", at[3]),
            ("c1", "C", at[3]),
            ("e1", "E", at[1]),
            ("b2", "B", at[0]),
        ):
            store.create_cluster(cluster, when, story=story)
            store.insert(
                Article("src", cluster, None, cluster, published=when),
                canonical_url=None,
                content_hash=cluster,
                cluster=cluster,
                priority=0,
                when=at[5],
            )
        for limit in range(0, 7):
            grouped = [
                (s, datetime.fromisoformat(u))
                for s, u in store._db.execute(
                    """SELECT coalesce(story, id) AS s, max(dated) AS u FROM clusters
                       GROUP BY s ORDER BY u DESC, s LIMIT ?""",
                    (limit,),
                )
            ]
            assert store.recent_stories(limit) == grouped
        assert [s for s, _ in store.recent_stories(4)] == ["A", "B", "C", "D"]


def test_version_6_story_keys_are_carried_over_with_their_dates(tmp_path: Path) -> None:
    db = tmp_path / "j.db"
    raw = sqlite3.connect(db)
    for number, script in enumerate(MIGRATIONS[:6]):
        raw.executescript(script)
        raw.execute(f"PRAGMA user_version = {number + 1}")
    raw.execute("INSERT INTO clusters (id, created, updated, story) VALUES ('c', 't', 't', 'c')")
    for guid in ("g1", "g2"):
        raw.execute(
            "INSERT INTO articles (source, guid, title, text, html, content_hash, cluster, fetched_at) "
            f"VALUES ('s', '{guid}', 't', 'x', '', 'h', 'c', 't')"
        )
    raw.execute("INSERT INTO story_terms VALUES (1, '2026-11-01T12:00:00+00:00', 'a\nb')")
    raw.execute("INSERT INTO story_terms VALUES (2, '2026-11-05T12:00:00+00:00', 'a\nc')")
    raw.executemany("INSERT INTO story_lsh VALUES (?, ?)", [(10, 1), (11, 1), (10, 2)])
    raw.commit()
    raw.close()
    with Store(db) as store:
        assert store.version == SCHEMA_VERSION >= 10
        assert store.story_keys_of(1) == [10, 11] and store.story_keys_of(2) == [10]
        assert store.story_candidates([10], NOW, NOW) == [(1, "c", frozenset({"a", "b"}))]
        assert store.clusters_of([1, 2]) == {"c"}
    raw = sqlite3.connect(db)
    tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master")}
    assert "story_lsh" not in tables
    assert {"story_keys", "clusters_updated", "articles_by_id"} <= tables
    assert "articles_cluster_by_id" not in tables


def test_band_candidates_keep_the_dedup_window(database: Database) -> None:
    later = datetime(2026, 11, 20, tzinfo=UTC)
    with Store(database) as store, store.transaction():
        store.insert_filed(
            [
                Filed(_article("old"), None, "h1", "c1", NOW, bands=(5,)),
                Filed(_article("new"), None, "h2", "c2", later, bands=(5, 6)),
            ]
        )
        assert store.band_candidates([5]) == [1, 2]
        assert store.band_candidates([5, 6], since=later) == [2]
        assert store.band_candidates([6], since=NOW) == [2]
        assert store.band_candidates([7], since=NOW) == []


def test_no_raw_sqlite_error_leaves_the_store(tmp_path: Path) -> None:
    """The store's own faults are StoreError naming the file; a generator's too."""
    path = tmp_path / "j.db"
    with Store(path) as store, store.transaction():
        store.create_cluster("c1", NOW)
    with (
        Store(path, reader=True) as reader,
        pytest.raises(StoreError, match=r"j\.db: create cluster: OperationalError"),
    ):
        reader.create_cluster("c2", NOW)
    with Store(path) as store:
        store._db.execute("DROP TABLE signatures")
        with pytest.raises(StoreError, match="signatures: OperationalError: no such table"):
            list(store.signatures())
