"""The store's schema: every migration, in order, and how one is split into statements.

``PRAGMA user_version`` (in PostgreSQL, a ``meta`` row) records how far a
database has been migrated; the migrations it lacks run in one transaction
under the store's write lock (see :meth:`StoreBase._migrate`), so a database
is always at exactly one version and only one opener migrates it. Append,
never edit; from 15 on, write SQL both databases take (a PostgreSQL store
starts at :data:`.schema_postgres.BASELINE`).
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np


def _pack_index_keys(db: sqlite3.Connection) -> None:
    """Migration 13: one row per article for its band keys and one for its story keys.

    The keys are packed (big-endian int64s, sorted, see :mod:`.postings`)
    with the date a lookup bounds them by (the article's first fetch for
    band keys, its story date for story keys), in seconds since 1970. A
    lookup reads the rows of its dates into memory (:class:`.postings.KeyIndex`),
    so the key-to-article direction needs no table: ~105 rows written per
    article become 2. ``seq`` grows with every write, so a connection
    that read the rows catches up with what others wrote since. Every key
    of every article is carried over.
    """
    for statement in _statements(
        """
        CREATE TABLE band_keys (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            article INTEGER NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
            fetched INTEGER NOT NULL,
            keys BLOB NOT NULL
        );
        CREATE INDEX band_keys_fetched ON band_keys (fetched, article);
        ALTER TABLE story_keys RENAME TO story_keys_12;
        CREATE TABLE story_keys (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            article INTEGER NOT NULL UNIQUE REFERENCES articles (id) ON DELETE CASCADE,
            at INTEGER NOT NULL,
            keys BLOB NOT NULL
        );
        CREATE INDEX story_keys_at ON story_keys (at, article);
        """
    ):
        db.execute(statement)
    epoch = "coalesce(CAST(strftime('%s', {}) AS INTEGER), 0)"
    copies = (
        (
            "band_keys (article, fetched, keys)",
            f"SELECT l.article, {epoch.format('a.fetched_at')}, l.key"
            " FROM lsh l JOIN articles a ON a.id = l.article ORDER BY l.article, l.key",
        ),
        (
            "story_keys (article, at, keys)",
            f"SELECT article, {epoch.format('at')}, key FROM story_keys_12 ORDER BY article, key",
        ),
    )
    for table, query in copies:
        packed: list[tuple[int, int, bytes]] = []
        for article, group in itertools.groupby(db.execute(query), key=lambda row: int(row[0])):
            items = list(group)
            keys = np.unique(np.asarray([row[2] for row in items], np.int64))
            packed.append((article, max(row[1] for row in items), keys.astype(">i8").tobytes()))
            if len(packed) >= 10_000:
                db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", packed)
                packed.clear()
        db.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", packed)
    db.execute("DROP TABLE story_keys_12")
    db.execute("DROP TABLE lsh")


def _key_snapshots(db: Any) -> None:
    """Migration 17: a table for snapshots of the in-memory key index (see :mod:`.snapshots`).

    Part 0 of a snapshot is its header, the others its arrays' bytes in
    order. Written for both databases: a blob is ``BYTEA`` in PostgreSQL
    (whose shared stores do not keep snapshots, but share the schema).
    """
    blob = "BLOB" if isinstance(db, sqlite3.Connection) else "BYTEA"
    db.execute(
        f"""CREATE TABLE key_snapshots (
            name TEXT NOT NULL,
            part INTEGER NOT NULL,
            data {blob} NOT NULL,
            PRIMARY KEY (name, part)
        )"""
    )


MIGRATIONS: tuple[str | Callable[[sqlite3.Connection], None], ...] = (
    # 1: the foundation schema.
    """
    CREATE TABLE sources (
        name TEXT PRIMARY KEY,
        url TEXT,
        etag TEXT,
        last_modified TEXT,
        last_success TEXT,
        last_error TEXT,
        failures INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE clusters (
        id TEXT PRIMARY KEY,
        created TEXT NOT NULL,
        updated TEXT NOT NULL
    );
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        guid TEXT NOT NULL,
        url TEXT,
        canonical_url TEXT,
        title TEXT NOT NULL,
        author TEXT,
        published TEXT,
        updated TEXT,
        tags TEXT NOT NULL DEFAULT '[]',
        text TEXT NOT NULL,
        html TEXT NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        content_hash TEXT NOT NULL,
        cluster TEXT NOT NULL REFERENCES clusters(id),
        priority INTEGER NOT NULL DEFAULT 0,
        fetched_at TEXT NOT NULL,
        UNIQUE (source, guid)
    );
    CREATE INDEX articles_guid ON articles (guid);
    CREATE INDEX articles_canonical_url ON articles (canonical_url);
    CREATE INDEX articles_content_hash ON articles (content_hash);
    CREATE INDEX articles_cluster ON articles (cluster);
    CREATE INDEX articles_fetched_at ON articles (fetched_at);
    CREATE TABLE signatures (
        article INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        params TEXT NOT NULL,
        hashvalues BLOB NOT NULL
    );
    """,
    # 2: the persistent LSH index (one row per band of each signature) and a
    # key/value table for facts about the database, such as the parameters
    # the LSH rows were made with.
    """
    CREATE TABLE lsh (
        key INTEGER NOT NULL,
        article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        PRIMARY KEY (key, article)
    ) WITHOUT ROWID;
    CREATE INDEX lsh_article ON lsh (article);
    CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
    # 3: per-source furniture: in how many distinct articles of a source each
    # block fingerprint has appeared (the clean stage learns boilerplate from it).
    """
    CREATE TABLE furniture (
        source TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        articles INTEGER NOT NULL,
        words INTEGER NOT NULL,
        last_seen TEXT NOT NULL,
        PRIMARY KEY (source, fingerprint)
    ) WITHOUT ROWID;
    """,
    # 4: clusters found to be one are merged into the oldest; the others'
    # ids live on as aliases.
    """
    CREATE TABLE cluster_aliases (
        alias TEXT PRIMARY KEY,
        cluster TEXT NOT NULL REFERENCES clusters (id),
        merged TEXT NOT NULL
    );
    """,
    # 5: stories. Each cluster belongs to one story (a story's id is the id
    # of the cluster that founded it). Each article keeps its story terms,
    # the date they count from, and its story MinHash band keys.
    """
    ALTER TABLE clusters ADD COLUMN story TEXT;
    UPDATE clusters SET story = id;
    CREATE INDEX clusters_story ON clusters (story);
    CREATE TABLE story_terms (
        article INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        terms TEXT NOT NULL
    );
    CREATE INDEX story_terms_at ON story_terms (at);
    CREATE TABLE story_lsh (
        key INTEGER NOT NULL,
        article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        PRIMARY KEY (key, article)
    ) WITHOUT ROWID;
    CREATE INDEX story_lsh_article ON story_lsh (article);
    """,
    # 6: each source's schedule and standing: when it was last tried,
    # how it failed, when it is due again, whether it is disabled (410), and
    # where a permanent redirect moved it.
    """
    ALTER TABLE sources ADD COLUMN last_attempt TEXT;
    ALTER TABLE sources ADD COLUMN last_status INTEGER;
    ALTER TABLE sources ADD COLUMN error_kind TEXT;
    ALTER TABLE sources ADD COLUMN next_attempt TEXT;
    ALTER TABLE sources ADD COLUMN disabled TEXT;
    ALTER TABLE sources ADD COLUMN moved_to TEXT;
    ALTER TABLE sources ADD COLUMN redirect_to TEXT;
    ALTER TABLE sources ADD COLUMN redirect_runs INTEGER NOT NULL DEFAULT 0;
    """,
    # 7: lookups bounded by what a run needs, not by the archive. A story key's
    # rows carry the article's story date, so the candidates of a window are
    # one range of the primary key (story_lsh had to visit every article
    # under a key to read its date). The rows are copied in key order: random
    # inserts into a big key table are what makes such a copy slow. Clusters
    # are found by `updated` for publishing, and aliases by the cluster they
    # point to when clusters merge.
    """
    CREATE TABLE story_keys (
        key INTEGER NOT NULL,
        at TEXT NOT NULL,
        article INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
        PRIMARY KEY (key, at, article)
    ) WITHOUT ROWID;
    INSERT INTO story_keys (key, at, article)
        SELECT l.key, t.at, l.article FROM story_lsh l JOIN story_terms t ON t.article = l.article
        ORDER BY l.key, t.at, l.article;
    DROP TABLE story_lsh;
    CREATE INDEX story_keys_article ON story_keys (article);
    CREATE INDEX clusters_updated ON clusters (updated DESC, id);
    CREATE INDEX cluster_aliases_cluster ON cluster_aliases (cluster);
    """,
    # 8: an article's cluster without reading the article. `cluster` sits
    # after the text and HTML in the row, on its last overflow page, so
    # looking it up through the table reads the whole article; this index
    # answers it from one small entry (story candidates, clusters_of).
    """
    CREATE INDEX articles_cluster_by_id ON articles (id, cluster);
    """,
    # 9: why each duplicate joined its cluster and each cluster its story (for
    # `jjfeed dupes`), and the splits and merges a person asked for, which
    # later runs respect. ``detail`` is JSON: what an override moved, so
    # removing it can put things back.
    """
    CREATE TABLE dedup_reasons (
        article INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        rule TEXT NOT NULL,
        score REAL,
        matched INTEGER,
        at TEXT NOT NULL
    );
    CREATE TABLE story_reasons (
        cluster TEXT PRIMARY KEY,
        story TEXT NOT NULL,
        article INTEGER,
        link REAL NOT NULL,
        links INTEGER NOT NULL,
        best_article INTEGER,
        best REAL,
        at TEXT NOT NULL
    );
    CREATE TABLE overrides (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        article INTEGER,
        a TEXT NOT NULL,
        b TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}',
        created TEXT NOT NULL
    );
    """,
    # 10: the same for `fetched_at` as 8 did for `cluster`, the last column of the row, which the
    # duplicate lookup reads for every article sharing a band key to keep
    # those of the dedup window: one index answers both.
    """
    DROP INDEX IF EXISTS articles_cluster_by_id;
    CREATE INDEX IF NOT EXISTS articles_by_id ON articles (id, cluster, fetched_at);
    """,
    # 11: a cluster's date, as its sources dated its members (published, else
    # updated, else when jjfeed first saw it), so the published feed holds
    # the newest entries by their own dates, not the ones filed last. A
    # trigger keeps it on every path that inserts or moves an article
    # (filing, merges, splits); the section a byline names is kept too.
    """
    ALTER TABLE clusters ADD COLUMN dated TEXT;
    UPDATE clusters SET dated = coalesce(
        (SELECT max(coalesce(a.published, a.updated, a.fetched_at))
           FROM articles a WHERE a.cluster = clusters.id),
        updated);
    CREATE INDEX clusters_dated ON clusters (dated DESC, id);
    CREATE TRIGGER articles_date_cluster_insert AFTER INSERT ON articles BEGIN
        UPDATE clusters
           SET dated = max(coalesce(dated, ''), coalesce(NEW.published, NEW.updated, NEW.fetched_at))
         WHERE id = NEW.cluster;
    END;
    CREATE TRIGGER articles_date_cluster_update
        AFTER UPDATE OF cluster, published, updated ON articles BEGIN
        UPDATE clusters
           SET dated = max(coalesce(dated, ''), coalesce(NEW.published, NEW.updated, NEW.fetched_at))
         WHERE id = NEW.cluster;
    END;
    ALTER TABLE articles ADD COLUMN section TEXT;
    """,
    # 12: furniture by share (issue 18 item 4): how many articles of each source the
    # furniture counts have seen, and per block how many had been seen before it first
    # appeared; a block is furniture when most articles since then carried it.
    """
    CREATE TABLE furniture_sources (
        source TEXT PRIMARY KEY,
        articles INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO furniture_sources (source, articles)
        SELECT source, max(articles) FROM furniture GROUP BY source;
    ALTER TABLE furniture ADD COLUMN since INTEGER NOT NULL DEFAULT 0;
    """,
    # 13: packed index keys, one row per article (issue 19 item 2; see the function).
    _pack_index_keys,
    # 14: what each article was last stored from (a digest of the parsed entry and of
    # what shaped its cleaning), so a run that reads the same entry again skips it
    # before cleaning (issue 19 item 3). Apart from `articles`, whose rows hold the
    # text: a worker asks for it by (source, guid) without reading a row.
    """
    CREATE TABLE raw_keys (
        article INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
        key TEXT NOT NULL
    );
    """,
    # 15: sources claimed by the workers sharing one store (issue 20): a worker runs a
    # source while it holds the claim (``until``, then anyone may take it: a dead
    # worker's sources are picked up); ``done`` is when the last claim was let go,
    # so a worker that started before it does not run the source again. The first
    # migration written for both databases.
    """
    CREATE TABLE source_claims (
        source TEXT PRIMARY KEY,
        worker TEXT,
        until TEXT,
        done TEXT
    );
    """,
    # 16: what a link post links to (JSON Feed's external_url), published with the entry.
    "ALTER TABLE articles ADD COLUMN external_url TEXT;",
    # 17: snapshots of the in-memory band index (issue 19 item 2, see the function).
    _key_snapshots,
)

SCHEMA_VERSION = len(MIGRATIONS)


def _statements(script: str) -> list[str]:
    """A migration's statements, split where SQLite says one is complete (a trigger's body holds ``;``)."""
    statements, current = [], ""
    for piece in script.split(";"):
        current += piece + ";"
        if sqlite3.complete_statement(current):
            if current.strip(" \n;"):
                statements.append(current.strip())
            current = ""
    if current.strip(" \n;"):
        statements.append(current.strip())
    return statements
