"""The SQLite store: schema, migrations and every read and write.

The only module that imports :mod:`sqlite3`. The schema lives in one place
(:data:`MIGRATIONS`); ``PRAGMA user_version`` records how far a database has
been migrated, and each migration runs in its own transaction, so a database
is always at exactly one version. WAL lets ``export`` read while a run writes.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .errors import StoreError
from .model import Article, Signature, SourceState, StoredArticle, Validators

MIGRATIONS: tuple[str, ...] = (
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
)

SCHEMA_VERSION = len(MIGRATIONS)

# meta key: the highest override number ever given (see Store.add_override).
OVERRIDES_LAST_ID = "overrides_last_id"

# SQLite's page cache per connection (its default is 2 MiB): a run touches a few
# thousand pages of the big indexes per source; 64 MiB keeps them between statements.
CACHE_MIB = 64
# Parsed story term sets remembered per connection (see Store.story_candidates).
TERMS_CACHE = 200_000


@dataclass(frozen=True)
class Filed:
    """One article with everything the dedup stage stores for it, for bulk loading.

    :meth:`Store.insert_filed` writes many of these in a few statements, the
    rows the pipeline would write one article at a time (archives imported
    in bulk, benchmark stores), so a large store can be built in minutes.
    """

    article: Article
    canonical_url: str | None
    content_hash: str
    cluster: str
    fetched_at: datetime
    priority: int = 0
    signature: Signature | None = None
    bands: tuple[int, ...] = ()
    story_at: datetime | None = None
    terms: frozenset[str] = frozenset()
    story_keys: tuple[int, ...] = ()
    story: str | None = None


EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def require_database(path: Path) -> None:
    """Raise :class:`StoreError` naming ``path`` unless a database file is there."""
    if str(path) == ":memory:" or path.is_file():
        return
    what = "not a database file" if path.exists() else "no database there"
    raise StoreError(
        f"{path}: {what} (check --db or JJFEED_DB; `jjfeed run` or `jjfeed ingest` creates it)"
    )


class Store:
    """A connection to one jjfeed database, migrated to the current schema on open."""

    def __init__(
        self,
        path: Path,
        *,
        cache_mib: int = CACHE_MIB,
        reader: bool = False,
        must_exist: bool = False,
    ) -> None:
        """Open (creating and migrating) the store at ``path``.

        ``reader=True`` opens a second connection that only reads an
        existing store, as a worker process does (see :mod:`jjfeed.archive`):
        no migration, and any write is refused. ``must_exist=True`` refuses
        to create a database (commands that only look, where a mistyped
        ``--db`` would otherwise leave an empty database behind).
        """
        if must_exist:
            require_database(path)
        self.path = path
        self._terms: dict[int, frozenset[str]] = {}
        self._cluster_of: dict[int, str] = {}
        self._story: dict[str, str] = {}
        try:
            if str(path) != ":memory:" and not reader:
                path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self._db.row_factory = sqlite3.Row
            self._db.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")
            if reader:
                self._db.execute("PRAGMA query_only = ON")
                return
            self._db.execute("PRAGMA foreign_keys = ON")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._migrate()
        except (sqlite3.Error, OSError) as e:
            raise StoreError(f"{path}: cannot open database: {e}") from e

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------

    def _migrate(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: database schema version {version} is newer than this "
                f"jjfeed understands ({SCHEMA_VERSION}); upgrade jjfeed"
            )
        for number in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in _statements(MIGRATIONS[number]):
                    self._db.execute(statement)
                self._db.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit of writes: all of it lands, or none of it does."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot start a transaction: {e}") from e
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            self._forget()  # ids of rolled-back articles are given out again
            raise
        else:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as e:
                raise StoreError(f"{self.path}: cannot commit: {e}") from e

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """A part of the open transaction that can fail alone (one entry's filing).

        On an exception its writes are undone and the exception goes on; the
        rest of the transaction stays. Outside a transaction it is a no-op.
        """
        if not self._db.in_transaction:
            yield
            return
        try:
            self._db.execute("SAVEPOINT entry")
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot start a savepoint: {e}") from e
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK TO entry")
            self._db.execute("RELEASE entry")
            self._forget()
            raise
        try:
            self._db.execute("RELEASE entry")
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot release a savepoint: {e}") from e

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        """Read from one moment of the store; yields the last article id it holds then.

        For a reader: whatever the writer commits meanwhile stays out of
        sight until the block ends (WAL keeps the old pages for it).
        """
        try:
            self._db.execute("BEGIN")
            try:
                row = self._db.execute("SELECT max(id) FROM articles").fetchone()
                yield int(row[0] or 0)
            finally:
                self._db.execute("COMMIT")
        except sqlite3.Error as e:
            raise StoreError(f"{self.path}: cannot read: {e}") from e

    # -- sources --------------------------------------------------------

    def validators(self, source: str) -> Validators:
        row = self._db.execute(
            "SELECT etag, last_modified FROM sources WHERE name = ?", (source,)
        ).fetchone()
        return Validators(row["etag"], row["last_modified"]) if row else Validators()

    def record_success(
        self, source: str, url: str | None, validators: Validators, when: datetime
    ) -> None:
        self._db.execute(
            """INSERT INTO sources (name, url, etag, last_modified, last_success, last_error, failures)
               VALUES (?, ?, ?, ?, ?, NULL, 0)
               ON CONFLICT (name) DO UPDATE SET url = excluded.url, etag = excluded.etag,
                   last_modified = excluded.last_modified, last_success = excluded.last_success,
                   last_error = NULL, failures = 0""",
            (source, url, validators.etag, validators.last_modified, _ts(when)),
        )

    def record_failure(self, source: str, url: str | None, error: str) -> None:
        self._db.execute(
            """INSERT INTO sources (name, url, last_error, failures) VALUES (?, ?, ?, 1)
               ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error,
                   failures = failures + 1""",
            (source, url, error),
        )

    def source_state(self, source: str) -> dict[str, object] | None:
        row = self._db.execute("SELECT * FROM sources WHERE name = ?", (source,)).fetchone()
        return dict(row) if row else None

    def get_source(self, source: str) -> SourceState | None:
        """The stored schedule and standing of one source, or None if never seen."""
        row = self._db.execute("SELECT * FROM sources WHERE name = ?", (source,)).fetchone()
        return _source_state(row) if row else None

    def sources(self) -> list[SourceState]:
        return [_source_state(r) for r in self._db.execute("SELECT * FROM sources ORDER BY name")]

    def put_source(self, state: SourceState) -> None:
        """Store a source's whole state (insert or replace every column)."""
        values = (
            state.url,
            state.etag,
            state.last_modified,
            _ts(state.last_attempt),
            _ts(state.last_success),
            state.last_status,
            state.error_kind,
            state.last_error,
            state.failures,
            _ts(state.next_attempt),
            state.disabled,
            state.moved_to,
            state.redirect_to,
            state.redirect_runs,
        )
        assignments = ", ".join(f"{c} = excluded.{c}" for c in _SOURCE_COLUMNS)
        self._db.execute(
            f"""INSERT INTO sources (name, {", ".join(_SOURCE_COLUMNS)})
                VALUES (?, {", ".join("?" * len(_SOURCE_COLUMNS))})
                ON CONFLICT (name) DO UPDATE SET {assignments}""",
            (state.name, *values),
        )

    # -- articles -------------------------------------------------------

    def has(self, source: str, guid: str) -> bool:
        """Whether an article of ``source`` with ``guid`` is stored (without reading it)."""
        row = self._db.execute(
            "SELECT 1 FROM articles WHERE source = ? AND guid = ?", (source, guid)
        ).fetchone()
        return row is not None

    def get(self, source: str, guid: str) -> StoredArticle | None:
        row = self._db.execute(
            "SELECT * FROM articles WHERE source = ? AND guid = ?", (source, guid)
        ).fetchone()
        return _stored(row) if row else None

    def get_by_id(self, article_id: int) -> StoredArticle:
        row = self._db.execute("SELECT * FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no article with id {article_id}")
        return _stored(row)

    def exact_clusters(
        self, guid: str | None, canonical_url: str | None, content_hash: str | None
    ) -> set[str]:
        """Clusters of stored articles sharing a GUID, canonical URL or content hash."""
        found: set[str] = set()
        for column, value in (
            ("guid", guid),
            ("canonical_url", canonical_url),
            ("content_hash", content_hash),
        ):
            if value:
                rows = self._db.execute(
                    f"SELECT DISTINCT cluster FROM articles WHERE {column} = ?", (value,)
                )
                found.update(str(r[0]) for r in rows)
        return found

    def clusters_of(self, article_ids: Iterable[int]) -> set[str]:
        ids = list(article_ids)
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"""SELECT DISTINCT cluster FROM articles INDEXED BY articles_by_id
                WHERE id IN ({marks})""",
            ids,
        )
        return {str(r[0]) for r in rows}

    def cluster_created(self, clusters: Iterable[str]) -> dict[str, datetime]:
        ids = list(clusters)
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT id, created FROM clusters WHERE id IN ({marks})", ids)
        return {str(r[0]): _dt(r[1]) or datetime.now(UTC) for r in rows}

    def merge_clusters(self, survivor: str, others: Iterable[str], when: datetime) -> None:
        """Move every member of ``others`` into ``survivor``; remember the old ids as aliases.

        Copies of one article are one story too: the stories of ``others``
        join the survivor's story.
        """
        story = self.story_of(survivor)
        for other in others:
            if other == survivor:
                continue
            self._forget()
            self._db.execute(
                "UPDATE clusters SET story = ? WHERE story = (SELECT story FROM clusters WHERE id = ?)",
                (story, other),
            )
            self._db.execute("UPDATE articles SET cluster = ? WHERE cluster = ?", (survivor, other))
            self._db.execute(
                "UPDATE cluster_aliases SET cluster = ? WHERE cluster = ?", (survivor, other)
            )
            self._db.execute(
                "INSERT OR REPLACE INTO cluster_aliases (alias, cluster, merged) VALUES (?, ?, ?)",
                (other, survivor, _ts(when)),
            )
            self._db.execute("DELETE FROM clusters WHERE id = ?", (other,))
        self.touch_cluster(survivor, when)

    def create_cluster(self, cluster: str, when: datetime, story: str | None = None) -> None:
        """A new cluster; it founds its own story unless ``story`` names one to join."""
        self._db.execute(
            "INSERT OR IGNORE INTO clusters (id, created, updated, story) VALUES (?, ?, ?, ?)",
            (cluster, _ts(when), _ts(when), story or cluster),
        )

    def set_story(self, cluster: str, story: str) -> None:
        self._story.pop(cluster, None)
        self._db.execute("UPDATE clusters SET story = ? WHERE id = ?", (story, cluster))

    def story_of(self, cluster: str) -> str:
        row = self._db.execute("SELECT story FROM clusters WHERE id = ?", (cluster,)).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no cluster {cluster}")
        return str(row[0] or cluster)

    def put_story_terms(
        self,
        article_id: int,
        at: datetime,
        terms: Iterable[str],
        keys: Iterable[int],
        *,
        new: bool = False,
    ) -> None:
        """Replace an article's story terms (dated ``at``) and story band keys.

        ``new``: the article has none yet, so there is nothing to delete.
        """
        self._terms.pop(article_id, None)
        stamp = _ts(at)
        self._db.execute(
            "INSERT OR REPLACE INTO story_terms (article, at, terms) VALUES (?, ?, ?)",
            (article_id, stamp, "\n".join(sorted(terms))),
        )
        if not new:
            self._db.execute("DELETE FROM story_keys WHERE article = ?", (article_id,))
        self._db.executemany(
            "INSERT OR IGNORE INTO story_keys (key, at, article) VALUES (?, ?, ?)",
            [(k, stamp, article_id) for k in keys],
        )

    def clear_story_terms(self) -> None:
        self._terms.clear()
        self._db.execute("DELETE FROM story_keys")
        self._db.execute("DELETE FROM story_terms")

    def story_candidates(
        self,
        keys: Sequence[int],
        start: datetime,
        end: datetime,
        per_key: int = 50,
        min_shared: int = 1,
    ) -> list[tuple[int, str, frozenset[str]]]:
        """``(article, story, terms)`` for articles dated in ``[start, end]`` sharing a story key.

        See :meth:`story_candidate_terms`; each candidate comes with its story.
        """
        found = self.story_candidate_terms(keys, start, end, per_key, min_shared)
        stories = self.stories_of_articles([i for i, _ in found])
        return [(i, stories[i], terms) for i, terms in found if i in stories]

    def story_candidate_terms(
        self,
        keys: Sequence[int],
        start: datetime,
        end: datetime,
        per_key: int = 50,
        min_shared: int = 1,
    ) -> list[tuple[int, frozenset[str]]]:
        """``(article, terms)`` for articles dated in ``[start, end]`` sharing a story key.

        At most ``per_key`` articles per key, the latest dated: a key shared by
        hundreds of articles in the window stands for a term as common as a
        stopword this week, and a story it belongs to has other keys. Each
        key is one range of ``story_keys``, so the cost is that of the
        window's rows under the key, never of the archive's. Only articles
        under at least ``min_shared`` of the keys are candidates.
        """
        unique = list(dict.fromkeys(keys))
        shared: Counter[int] = Counter()
        lo, hi = _ts(start), _ts(end)
        for chunk_start in range(0, len(unique), 64):
            chunk = unique[chunk_start : chunk_start + 64]
            one = """SELECT * FROM (SELECT article FROM story_keys
                     WHERE key = ? AND at BETWEEN ? AND ? ORDER BY at DESC, article DESC LIMIT ?)"""
            # Counted in SQL: a full window puts ~1,600 rows behind every new article.
            whole = len(unique) <= 64  # one statement sees every key: filter there too
            rows = self._db.execute(
                "SELECT article, count(*) FROM ("
                + " UNION ALL ".join([one] * len(chunk))
                + ") GROUP BY article"
                + (" HAVING count(*) >= ?" if whole else ""),
                [v for key in chunk for v in (key, lo, hi, per_key)]
                + ([min_shared] if whole else []),
            )
            for article, n in rows:
                shared[int(article)] += int(n)
        ids = sorted(i for i, n in shared.items() if n >= min_shared)
        self._load_terms(i for i in ids if i not in self._terms)
        return [(i, self._terms[i]) for i in ids if i in self._terms]

    def sources_and_titles(self, article_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """``{article: (source, title)}``: what the source-aware verdict weighs."""
        ids = list(dict.fromkeys(article_ids))
        out: dict[int, tuple[str, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id, source, title FROM articles WHERE id IN ({marks})", chunk
            )
            out.update({int(r[0]): (str(r[1]), str(r[2])) for r in rows})
        return out

    def clusters_of_articles(self, article_ids: Sequence[int]) -> dict[int, str]:
        """The cluster of each article, remembered until clusters merge or move."""
        missing = [i for i in article_ids if i not in self._cluster_of]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"""SELECT id, cluster FROM articles INDEXED BY articles_by_id
                    WHERE id IN ({marks})""",
                chunk,
            )
            self._cluster_of.update((int(r[0]), str(r[1])) for r in rows)
        return {i: self._cluster_of[i] for i in article_ids if i in self._cluster_of}

    def _load_terms(self, article_ids: Iterable[int]) -> None:
        """Parse and remember the story terms of these articles.

        The same recent articles come back as candidates for article after
        article of a run (the latest under each common key), so each term
        set is read and parsed once per connection, not once per candidacy.
        Only :meth:`put_story_terms` changes an article's terms, and it
        forgets them here.
        """
        ids = list(article_ids)
        if len(self._terms) + len(ids) > TERMS_CACHE:
            self._forget()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT article, terms FROM story_terms WHERE article IN ({marks})", chunk
            )
            self._terms.update((int(r[0]), frozenset(str(r[1]).split("\n"))) for r in rows)

    def stories_of_articles(self, article_ids: Sequence[int]) -> dict[int, str]:
        """The story of each article, through its cluster; both steps remembered.

        An article's cluster changes only when clusters merge, and a
        cluster's story only by :meth:`set_story` or a merge, which forget
        what they change; so a run looks up each candidate once.
        """
        clusters = set(self.clusters_of_articles(article_ids).values())
        unknown = sorted(c for c in clusters if c not in self._story)
        for start in range(0, len(unknown), 500):
            names = unknown[start : start + 500]
            marks = ",".join("?" * len(names))
            rows = self._db.execute(
                f"SELECT id, coalesce(story, id) FROM clusters WHERE id IN ({marks})", names
            )
            self._story.update((str(r[0]), str(r[1])) for r in rows)
        return {
            i: self._story[self._cluster_of[i]]
            for i in article_ids
            if i in self._cluster_of and self._cluster_of[i] in self._story
        }

    def _forget(self) -> None:
        """Drop every remembered term set, article cluster and cluster story."""
        self._terms.clear()
        self._cluster_of.clear()
        self._story.clear()

    def story_sizes(self, stories: Iterable[str], start: datetime, end: datetime) -> dict[str, int]:
        """Articles of each story dated in ``[start, end]``."""
        ids = list(stories)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"""SELECT c.story, count(*) FROM clusters c
                JOIN articles a ON a.cluster = c.id
                JOIN story_terms t ON t.article = a.id
                WHERE c.story IN ({marks}) AND t.at BETWEEN ? AND ?
                GROUP BY c.story""",
            [*ids, _ts(start), _ts(end)],
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def story_clusters(self, stories: Iterable[str]) -> dict[str, list[str]]:
        """The clusters of each story, oldest first."""
        ids = list(dict.fromkeys(stories))
        out: dict[str, list[str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT story, id FROM clusters WHERE story IN ({marks}) ORDER BY created, id",
                chunk,
            )
            for r in rows:
                out.setdefault(str(r[0]), []).append(str(r[1]))
        return out

    def cluster_stories(self) -> dict[str, str]:
        """``{cluster: story}`` for every cluster."""
        rows = self._db.execute("SELECT id, coalesce(story, id) FROM clusters")
        return {str(r[0]): str(r[1]) for r in rows}

    def cluster_members(self, cluster: str) -> list[StoredArticle]:
        return [
            _stored(m)
            for m in self._db.execute(
                "SELECT * FROM articles WHERE cluster = ? ORDER BY id", (cluster,)
            )
        ]

    def cluster_updated(self, cluster: str) -> datetime:
        row = self._db.execute("SELECT updated FROM clusters WHERE id = ?", (cluster,)).fetchone()
        return (_dt(row[0]) if row else None) or datetime.now(UTC)

    def touch_cluster(self, cluster: str, when: datetime) -> None:
        self._db.execute("UPDATE clusters SET updated = ? WHERE id = ?", (_ts(when), cluster))

    def insert(
        self,
        article: Article,
        *,
        canonical_url: str | None,
        content_hash: str,
        cluster: str,
        priority: int,
        when: datetime,
    ) -> int:
        cur = self._db.execute(
            f"""INSERT INTO articles (source, guid, {", ".join(_CONTENT_COLUMNS)}, cluster, fetched_at)
               VALUES (?, ?, {", ".join("?" * len(_CONTENT_COLUMNS))}, ?, ?)""",
            (
                article.source,
                article.guid,
                *_content_values(article, canonical_url, content_hash, priority),
                cluster,
                _ts(when),
            ),
        )
        assert cur.lastrowid is not None
        return cur.lastrowid

    def insert_filed(self, items: Sequence[Filed]) -> list[int]:
        """Insert many articles with their clusters, signatures, band keys and story terms.

        Each article gets the next free id, in order; its cluster is created
        (founding ``story``, or its own) unless it exists, and an existing
        cluster's ``updated`` moves to the article's ``fetched_at`` as when
        the pipeline files a duplicate. Call it inside :meth:`transaction`.
        """
        first = int(self._db.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0])
        ids = list(range(first, first + len(items)))
        for i in ids:
            self._terms.pop(i, None)
        self._db.executemany(
            """INSERT INTO clusters (id, created, updated, story) VALUES (?, ?, ?, ?)
               ON CONFLICT (id) DO UPDATE SET updated = max(updated, excluded.updated)""",
            [
                (f.cluster, _ts(f.fetched_at), _ts(f.fetched_at), f.story or f.cluster)
                for f in items
            ],
        )
        self._db.executemany(
            f"""INSERT INTO articles
                (id, source, guid, {", ".join(_CONTENT_COLUMNS)}, cluster, fetched_at)
                VALUES (?, ?, ?, {", ".join("?" * len(_CONTENT_COLUMNS))}, ?, ?)""",
            [
                (
                    i,
                    f.article.source,
                    f.article.guid,
                    *_content_values(f.article, f.canonical_url, f.content_hash, f.priority),
                    f.cluster,
                    _ts(f.fetched_at),
                )
                for i, f in zip(ids, items, strict=True)
            ],
        )
        self._db.executemany(
            "INSERT INTO signatures (article, params, hashvalues) VALUES (?, ?, ?)",
            [
                (i, f.signature.params, f.signature.hashvalues)
                for i, f in zip(ids, items, strict=True)
                if f.signature is not None
            ],
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO lsh (key, article) VALUES (?, ?)",
            [(k, i) for i, f in zip(ids, items, strict=True) for k in f.bands],
        )
        self._db.executemany(
            "INSERT INTO story_terms (article, at, terms) VALUES (?, ?, ?)",
            [
                (
                    i,
                    _ts(f.story_at or f.article.published or f.fetched_at),
                    "\n".join(sorted(f.terms)),
                )
                for i, f in zip(ids, items, strict=True)
            ],
        )
        self._db.executemany(
            "INSERT OR IGNORE INTO story_keys (key, at, article) VALUES (?, ?, ?)",
            [
                (k, _ts(_story_at(f)), i)
                for i, f in zip(ids, items, strict=True)
                for k in f.story_keys
            ],
        )
        return ids

    def replace_content(
        self,
        article_id: int,
        article: Article,
        *,
        canonical_url: str | None,
        content_hash: str,
        priority: int,
    ) -> None:
        """Update a stored article in place (same source and GUID, new content); keep its cluster."""
        assignments = ", ".join(f"{column} = ?" for column in _CONTENT_COLUMNS)
        self._db.execute(
            f"UPDATE articles SET {assignments} WHERE id = ?",
            (*_content_values(article, canonical_url, content_hash, priority), article_id),
        )

    def put_signature(self, article_id: int, signature: Signature) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO signatures (article, params, hashvalues) VALUES (?, ?, ?)",
            (article_id, signature.params, signature.hashvalues),
        )

    def signatures(self, since: datetime | None = None) -> Iterator[tuple[int, Signature]]:
        """Stored signatures of articles fetched at or after ``since`` (all when None)."""
        query = "SELECT s.article, s.params, s.hashvalues FROM signatures s"
        args: tuple[object, ...] = ()
        if since is not None:
            query += " JOIN articles a ON a.id = s.article WHERE a.fetched_at >= ?"
            args = (_ts(since),)
        for row in self._db.execute(query, args):
            yield int(row[0]), Signature(row[1], bytes(row[2]))

    def put_bands(self, article_id: int, keys: Iterable[int], *, new: bool = False) -> None:
        """Replace an article's LSH band keys (``new``: it has none yet, nothing to delete)."""
        if not new:
            self._db.execute("DELETE FROM lsh WHERE article = ?", (article_id,))
        self._db.executemany(
            "INSERT OR IGNORE INTO lsh (key, article) VALUES (?, ?)",
            [(k, article_id) for k in keys],
        )

    def band_candidates(self, keys: Sequence[int], since: datetime | None = None) -> list[int]:
        """Articles sharing at least one band key, fetched at or after ``since``."""
        if not keys:
            return []
        marks = ",".join("?" * len(keys))
        query = "SELECT DISTINCT l.article FROM lsh l"
        args: list[object] = list(keys)
        if since is not None:
            query += " JOIN articles a INDEXED BY articles_by_id ON a.id = l.article"
        query += f" WHERE l.key IN ({marks})"
        if since is not None:
            query += " AND a.fetched_at >= ?"
            args.append(_ts(since))
        return sorted(int(r[0]) for r in self._db.execute(query, args))

    def band_keys(self, article_id: int) -> list[int]:
        """An article's stored LSH band keys, in key order."""
        rows = self._db.execute("SELECT key FROM lsh WHERE article = ? ORDER BY key", (article_id,))
        return [int(r[0]) for r in rows]

    def story_keys_of(self, article_id: int) -> list[int]:
        """An article's stored story band keys, in key order."""
        rows = self._db.execute(
            "SELECT key FROM story_keys WHERE article = ? ORDER BY key", (article_id,)
        )
        return [int(r[0]) for r in rows]

    def clear_bands(self) -> None:
        self._db.execute("DELETE FROM lsh")

    def furniture_counts(
        self, source: str, fingerprints: Iterable[str]
    ) -> dict[str, tuple[int, int]]:
        """``{fingerprint: (articles, words)}`` for the given fingerprints of one source."""
        fps = list(dict.fromkeys(fingerprints))
        out: dict[str, tuple[int, int]] = {}
        for start in range(0, len(fps), 500):
            chunk = fps[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT fingerprint, articles, words FROM furniture WHERE source = ? AND fingerprint IN ({marks})",
                [source, *chunk],
            )
            out.update({r[0]: (int(r[1]), int(r[2])) for r in rows})
        return out

    def add_furniture(
        self, source: str, counts: dict[str, tuple[int, int]], when: datetime
    ) -> None:
        """Add ``{fingerprint: (new articles, words)}`` to a source's furniture counts."""
        self._db.executemany(
            """INSERT INTO furniture (source, fingerprint, articles, words, last_seen) VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (source, fingerprint) DO UPDATE SET
                   articles = articles + excluded.articles, last_seen = excluded.last_seen""",
            [(source, fp, n, words, _ts(when)) for fp, (n, words) in counts.items()],
        )

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def texts(self, article_ids: Iterable[int]) -> dict[int, str]:
        ids = list(article_ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(f"SELECT id, text FROM articles WHERE id IN ({marks})", ids)
        return {int(r["id"]): str(r["text"]) for r in rows}

    def cluster_of(self, article_id: int) -> str:
        row = self._db.execute(
            "SELECT cluster FROM articles WHERE id = ?", (article_id,)
        ).fetchone()
        if row is None:
            raise StoreError(f"{self.path}: no article with id {article_id}")
        return str(row["cluster"])

    def articles(self) -> Iterator[StoredArticle]:
        for row in self._db.execute("SELECT * FROM articles ORDER BY id"):
            yield _stored(row)

    def recent_clusters(
        self, limit: int
    ) -> list[tuple[str, datetime | None, list[StoredArticle], str]]:
        """The ``limit`` newest clusters by their members' dates: id, changed, members, story.

        ``changed`` is when a run last changed the cluster after creating it
        (a copy joined, a member's text changed), ``None`` if none did.
        """
        rows = self._db.execute(
            "SELECT id, created, updated, story FROM clusters ORDER BY dated DESC, id LIMIT ?",
            (limit,),
        ).fetchall()
        out = []
        for row in rows:
            members = self.cluster_members(str(row["id"]))
            if members:
                changed = _dt(row["updated"]) if row["updated"] > row["created"] else None
                out.append((str(row["id"]), changed, members, str(row["story"] or row["id"])))
        return out

    def cluster_times(self, clusters: Iterable[str]) -> dict[str, tuple[datetime, datetime]]:
        """``(created, updated)`` of each cluster that exists."""
        ids = list(dict.fromkeys(clusters))
        out: dict[str, tuple[datetime, datetime]] = {}
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            rows = self._db.execute(
                f"SELECT id, created, updated FROM clusters WHERE id IN ({','.join('?' * len(part))})",
                part,
            )
            for cid, created, updated in rows:
                out[str(cid)] = (_dt(created) or EPOCH_UTC, _dt(updated) or EPOCH_UTC)
        return out

    def recent_stories(self, limit: int) -> list[tuple[str, datetime]]:
        """The ``limit`` stories with the newest clusters, by the clusters' dates.

        Walks the clusters newest first (the ``clusters_dated`` index) and
        stops once ``limit`` stories are seen and the next cluster is older
        than the last of them, instead of grouping every cluster of the
        archive; ties are broken by story id as before.
        """
        if limit <= 0:
            return []
        seen: dict[str, str] = {}
        last: str | None = None  # the date of the limit-th story; ties with it still count
        rows = self._db.execute(
            "SELECT coalesce(story, id), dated FROM clusters WHERE dated IS NOT NULL"
            " ORDER BY dated DESC, id"
        )
        for story, updated in rows:
            if last is not None and updated < last:
                break
            if str(story) not in seen:
                seen[str(story)] = updated
                if len(seen) == limit:
                    last = updated
        ranked = sorted(seen.items(), key=lambda item: item[0])
        ranked.sort(key=lambda item: item[1], reverse=True)
        return [(s, _dt(u) or datetime.now(UTC)) for s, u in ranked[:limit]]

    def counts(self) -> dict[str, int]:
        return {
            "articles": self._db.execute("SELECT count(*) FROM articles").fetchone()[0],
            "clusters": self._db.execute("SELECT count(*) FROM clusters").fetchone()[0],
            "signatures": self._db.execute("SELECT count(*) FROM signatures").fetchone()[0],
        }

    # -- explaining and correcting duplicates (`jjfeed dupes`) -------------

    def exact_matches(
        self,
        guid: str | None,
        canonical_url: str | None,
        content_hash: str | None,
        exclude_sources: Iterable[str] = (),
    ) -> list[tuple[str, int, str]]:
        """``(rule, article, cluster)``: per exact key, the earliest article of each cluster with it.

        What :meth:`exact_clusters` finds, with the evidence; articles of
        ``exclude_sources`` (``dedup: false``) are never offered.
        """
        excluded = sorted(set(exclude_sources))
        skip = f" AND source NOT IN ({','.join('?' * len(excluded))})" if excluded else ""
        found: list[tuple[str, int, str]] = []
        for rule, column, value in (
            ("guid", "guid", guid),
            ("url", "canonical_url", canonical_url),
            ("content-hash", "content_hash", content_hash),
        ):
            if value:
                rows = self._db.execute(
                    f"SELECT min(id), cluster FROM articles WHERE {column} = ?{skip} "
                    "GROUP BY cluster",
                    (value, *excluded),
                )
                found.extend((rule, int(r[0]), str(r[1])) for r in rows)
        return found

    def candidate_rows(self, article_ids: Iterable[int]) -> dict[int, tuple[str, str, str]]:
        """``{article: (source, cluster, text)}``: what checking an LSH candidate needs."""
        ids = list(article_ids)
        out: dict[int, tuple[str, str, str]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT id, source, cluster, text FROM articles WHERE id IN ({marks})", chunk
            )
            out.update({int(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows})
        return out

    def put_dedup_reason(
        self, article_id: int, rule: str, score: float | None, matched: int | None, when: datetime
    ) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO dedup_reasons (article, rule, score, matched, at) "
            "VALUES (?, ?, ?, ?, ?)",
            (article_id, rule, score, matched, _ts(when)),
        )

    def delete_dedup_reason(self, article_id: int) -> None:
        self._db.execute("DELETE FROM dedup_reasons WHERE article = ?", (article_id,))

    def dedup_reasons(self, article_ids: Iterable[int]) -> dict[int, dict[str, object]]:
        """``{article: {rule, score, matched, at}}`` for those that joined as duplicates."""
        ids = list(article_ids)
        out: dict[int, dict[str, object]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT * FROM dedup_reasons WHERE article IN ({marks})", chunk
            )
            for r in rows:
                out[int(r["article"])] = {
                    "rule": r["rule"],
                    "score": r["score"],
                    "matched": r["matched"],
                    "at": r["at"],
                }
        return out

    def put_story_reason(
        self,
        cluster: str,
        story: str,
        article_id: int | None,
        link: float,
        links: int,
        best_article: int | None,
        best: float | None,
        when: datetime,
    ) -> None:
        self._db.execute(
            """INSERT OR REPLACE INTO story_reasons
               (cluster, story, article, link, links, best_article, best, at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (cluster, story, article_id, link, links, best_article, best, _ts(when)),
        )

    def story_reasons(self, clusters: Iterable[str]) -> dict[str, dict[str, object]]:
        """``{cluster: {story, article, link, links, best_article, best, at}}``."""
        ids = list(clusters)
        out: dict[str, dict[str, object]] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(
                f"SELECT * FROM story_reasons WHERE cluster IN ({marks})", chunk
            )
            for r in rows:
                row = dict(r)
                out[str(row.pop("cluster"))] = row
        return out

    def clusters_with_copies(self, limit: int) -> list[str]:
        """Clusters of more than one article, most recently updated first."""
        rows = self._db.execute(
            """SELECT c.id FROM clusters c JOIN articles a ON a.cluster = c.id
               GROUP BY c.id HAVING count(*) > 1 ORDER BY c.updated DESC, c.id LIMIT ?""",
            (limit,),
        )
        return [str(r[0]) for r in rows]

    def stories_with_clusters(self, limit: int) -> list[str]:
        """Stories of more than one cluster, most recently updated first."""
        rows = self._db.execute(
            """SELECT coalesce(story, id) AS s FROM clusters GROUP BY s
               HAVING count(*) > 1 ORDER BY max(updated) DESC, s LIMIT ?""",
            (limit,),
        )
        return [str(r[0]) for r in rows]

    def cluster_exists(self, cluster: str) -> bool:
        row = self._db.execute("SELECT 1 FROM clusters WHERE id = ?", (cluster,)).fetchone()
        return row is not None

    def story_exists(self, story: str) -> bool:
        row = self._db.execute("SELECT 1 FROM clusters WHERE story = ?", (story,)).fetchone()
        return row is not None

    def resolve_cluster(self, cluster: str) -> str | None:
        """The live cluster ``cluster`` is now (itself, or where a merge took it), or None."""
        if self.cluster_exists(cluster):
            return cluster
        row = self._db.execute(
            "SELECT cluster FROM cluster_aliases WHERE alias = ?", (cluster,)
        ).fetchone()
        return str(row[0]) if row and self.cluster_exists(str(row[0])) else None

    def aliases_of(self, cluster: str) -> list[tuple[str, datetime]]:
        """Clusters merged into ``cluster``: ``(old id, when)``, oldest merge first."""
        rows = self._db.execute(
            "SELECT alias, merged FROM cluster_aliases WHERE cluster = ? ORDER BY merged, alias",
            (cluster,),
        )
        return [(str(r[0]), _dt(r[1]) or datetime.now(UTC)) for r in rows]

    def drop_alias(self, alias: str) -> None:
        self._db.execute("DELETE FROM cluster_aliases WHERE alias = ?", (alias,))

    def move_articles(self, article_ids: Iterable[int], cluster: str) -> None:
        self._db.executemany(
            "UPDATE articles SET cluster = ? WHERE id = ?", [(cluster, i) for i in article_ids]
        )
        self._forget()  # remembered article clusters are stale now

    def set_stories(self, stories: dict[str, str]) -> None:
        """``{cluster: story}``: move each cluster to a story."""
        self._db.executemany(
            "UPDATE clusters SET story = ? WHERE id = ?", [(s, c) for c, s in stories.items()]
        )
        self._forget()  # remembered cluster stories are stale now

    def add_override(
        self,
        kind: str,
        article_id: int | None,
        a: str,
        b: str,
        detail: dict[str, object],
        when: datetime,
    ) -> int:
        """Record an override under a number never given before, and return the number.

        ``overrides.id`` is a plain rowid, which SQLite hands out again once the
        highest row is deleted; a person who removed override 1 and then saw a
        new "override 1" would take one for the other. The highest number ever
        given lives in ``meta`` (no schema change), so removed numbers stay retired.
        Call it inside a transaction (the number and the row land together).
        """
        highest = self._db.execute("SELECT coalesce(max(id), 0) FROM overrides").fetchone()[0]
        number = max(int(self.get_meta(OVERRIDES_LAST_ID) or 0), int(highest)) + 1
        self._db.execute(
            "INSERT INTO overrides (id, kind, article, a, b, detail, created)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (number, kind, article_id, a, b, json.dumps(detail), _ts(when)),
        )
        self.set_meta(OVERRIDES_LAST_ID, str(number))
        return number

    def overrides(self, kind: str | None = None) -> list[dict[str, object]]:
        """Every override (``kind`` only, when given), oldest first, ``detail`` decoded."""
        query = "SELECT * FROM overrides"
        args: tuple[object, ...] = ()
        if kind is not None:
            query += " WHERE kind = ?"
            args = (kind,)
        out = []
        for r in self._db.execute(query + " ORDER BY id", args):
            row = dict(r)
            row["detail"] = json.loads(r["detail"])
            out.append(row)
        return out

    def delete_override(self, override_id: int) -> None:
        self._db.execute("DELETE FROM overrides WHERE id = ?", (override_id,))


# The columns an article's content fills, in the order of _content_values.
_CONTENT_COLUMNS = (
    "url", "canonical_url", "title", "author", "published", "updated", "tags",
    "text", "html", "summary", "content_hash", "priority", "section",
)  # fmt: skip


def _content_values(
    article: Article, canonical_url: str | None, content_hash: str, priority: int
) -> tuple[object, ...]:
    return (
        article.url,
        canonical_url,
        article.title,
        article.author,
        _ts(article.published),
        _ts(article.updated),
        json.dumps(list(article.tags)),
        article.text,
        article.html,
        article.summary,
        content_hash,
        priority,
        article.section,
    )


# The columns of a source's state after its name, in the order put_source writes them.
_SOURCE_COLUMNS = (
    "url", "etag", "last_modified", "last_attempt", "last_success", "last_status", "error_kind",
    "last_error", "failures", "next_attempt", "disabled", "moved_to", "redirect_to",
    "redirect_runs",
)  # fmt: skip


def _story_at(item: Filed) -> datetime:
    """The date an article's story terms count from, as the pipeline dates them."""
    return item.story_at or item.article.published or item.fetched_at


def _source_state(row: sqlite3.Row) -> SourceState:
    return SourceState(
        name=row["name"],
        url=row["url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_attempt=_dt(row["last_attempt"]),
        last_success=_dt(row["last_success"]),
        last_status=row["last_status"],
        error_kind=row["error_kind"],
        last_error=row["last_error"],
        failures=int(row["failures"]),
        next_attempt=_dt(row["next_attempt"]),
        disabled=row["disabled"],
        moved_to=row["moved_to"],
        redirect_to=row["redirect_to"],
        redirect_runs=int(row["redirect_runs"]),
    )


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


def _stored(row: sqlite3.Row) -> StoredArticle:
    article = Article(
        source=row["source"],
        guid=row["guid"],
        url=row["url"],
        title=row["title"],
        author=row["author"],
        published=_dt(row["published"]),
        updated=_dt(row["updated"]),
        tags=tuple(json.loads(row["tags"])),
        text=row["text"],
        html=row["html"],
        summary=row["summary"],
        section=row["section"],
    )
    return StoredArticle(
        id=int(row["id"]),
        article=article,
        canonical_url=row["canonical_url"],
        content_hash=row["content_hash"],
        cluster=row["cluster"],
        fetched_at=_dt(row["fetched_at"]) or datetime.now(UTC),
        priority=int(row["priority"]),
    )
