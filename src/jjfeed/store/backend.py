"""The two databases a store can live in, and every difference between them.

SQLite (a file) is the embedded default; PostgreSQL (``database:
postgresql://...`` in feeds.yaml) is the store several workers share
(issue 20). The store's parts write one SQL, SQLite's spelling with ``?``
marks and portable upserts (``ON CONFLICT ... DO UPDATE``, ``RETURNING``);
this module is the one place that knows what PostgreSQL spells otherwise:

- :func:`postgres_sql`: ``?`` marks become psycopg's ``%s`` (a literal ``%``
  doubled), and SQLite's ``INDEXED BY`` hints go;
- :class:`PostgresConnection`: the part of :class:`sqlite3.Connection` the
  store uses (``execute``, ``executemany``, ``in_transaction``), rows that
  answer by position and by name as :class:`sqlite3.Row` does;
- :class:`SQLiteBackend` and :class:`PostgresBackend`: opening a
  connection, the schema version, how a write transaction and a snapshot
  start, and how new article ids are drawn.

psycopg is imported only when a PostgreSQL store is opened: a user of the
embedded store needs none of it (it is the ``postgres`` extra).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import StoreError

POSTGRES_SCHEMES = ("postgresql://", "postgres://")

WRITE_LOCK = int.from_bytes(b"jjwrite", "big")
"""The advisory lock a PostgreSQL store's write transactions take (see :class:`PostgresBackend`)."""

KEY_LOCKS = int.from_bytes(b"jjk", "big")
"""The class (first int4) of the advisory locks on key stripes: one article's filing."""

Database = Path | str
"""Where a store lives: an SQLite file's path, or a PostgreSQL URL (a ``str``)."""


def is_postgres(database: Database) -> bool:
    """Whether ``database`` names a PostgreSQL store (a ``postgresql://`` URL)."""
    return isinstance(database, str) and database.startswith(POSTGRES_SCHEMES)


def as_database(value: str | Path, base: Path | None = None) -> Database:
    """A config or command-line value as a :data:`Database`: a URL as given, else a path.

    A relative path is taken against ``base`` (the config file's folder).
    """
    text = str(value)
    if text.startswith(POSTGRES_SCHEMES):
        return text
    path = Path(text).expanduser()
    return base / path if base is not None else path


def display(database: Database) -> str:
    """``database`` for a message: a URL without its password."""
    if not is_postgres(database):
        return str(database)
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", str(database))


# -- errors ---------------------------------------------------------------------------------


def _psycopg_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    try:
        import psycopg
    except ImportError:  # the embedded store only
        return (), ()
    return (psycopg.Error,), (psycopg.IntegrityError, psycopg.DataError)


_PG_ERRORS, _PG_RECORD_ERRORS = _psycopg_errors()

DB_ERRORS: tuple[type[BaseException], ...] = (sqlite3.Error, *_PG_ERRORS)
"""Every error a database driver raises (what :func:`.base.wrap_exceptions` translates)."""

RECORD_ERRORS: tuple[type[BaseException], ...] = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.DataError,
    *_PG_RECORD_ERRORS,
)
"""Errors that one entry's values cause (a constraint, a value that cannot be bound)."""


# -- PostgreSQL's spelling ----------------------------------------------------------------------

_INDEXED_BY = re.compile(r"\s+INDEXED BY \w+", re.IGNORECASE)


@lru_cache(maxsize=2048)
def postgres_sql(query: str) -> str:
    """``query`` as psycopg takes it: ``%s`` marks, no SQLite index hints.

    The store's SQL has no ``?`` inside a string literal, so every one is a mark.
    """
    return _INDEXED_BY.sub("", query).replace("%", "%%").replace("?", "%s")


class Row(tuple[Any, ...]):
    """One result row, by position (``row[0]``) and by column name (``row["id"]``)."""

    _names: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:  # type: ignore[override]
        if isinstance(key, str):
            return tuple.__getitem__(self, self._names[key])
        return tuple.__getitem__(self, key)

    def keys(self) -> list[str]:
        return list(self._names)


@lru_cache(maxsize=512)
def _row_class(names: tuple[str, ...]) -> type[Row]:
    return type("Row", (Row,), {"_names": {name: i for i, name in enumerate(names)}})


def _row_factory(cursor: Any) -> Any:
    names = tuple(column.name for column in cursor.description or ())
    cls = _row_class(names)
    return lambda values: cls(values)


class PostgresConnection:
    """A psycopg connection with the manners of :class:`sqlite3.Connection` the store relies on.

    In autocommit mode, as the store's SQLite connection is: the store
    opens and ends its transactions itself (``BEGIN``, ``SAVEPOINT``,
    ``COMMIT``).
    """

    def __init__(self, url: str, *, reader: bool) -> None:
        import psycopg

        self._conn = psycopg.connect(url, autocommit=True, row_factory=_row_factory)
        if reader:
            self._conn.execute("SET default_transaction_read_only = on")

    def execute(self, query: str, params: Sequence[object] | None = None) -> Any:
        cursor = self._conn.cursor()
        cursor.execute(postgres_sql(query), params or None)  # type: ignore[arg-type]
        return cursor

    def executemany(self, query: str, rows: Iterable[Sequence[object]]) -> None:
        rows = list(rows)
        if rows:
            with self._conn.cursor() as cursor:
                cursor.executemany(postgres_sql(query), rows)  # type: ignore[arg-type]

    def copy_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]]
    ) -> int:
        """Write ``rows`` into ``table`` with ``COPY`` (bulk loading); how many."""
        count = 0
        with self._conn.cursor() as cursor:
            names = ", ".join(columns)
            with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:  # type: ignore[arg-type]
                for row in rows:
                    copy.write_row(row)
                    count += 1
        return count

    @property
    def in_transaction(self) -> bool:
        import psycopg

        return self._conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE

    @property
    def failed(self) -> bool:
        """Whether the open transaction failed: PostgreSQL takes nothing more of it but a rollback."""
        import psycopg

        return self._conn.info.transaction_status == psycopg.pq.TransactionStatus.INERROR

    def close(self) -> None:
        self._conn.close()


# -- the two backends ---------------------------------------------------------------------


class SQLiteBackend:
    """The embedded store: one file, WAL, ``PRAGMA user_version``."""

    begin_write = "BEGIN IMMEDIATE"
    begin_snapshot = "BEGIN"
    shared = False  # one writer at a time: the run lock (jjfeed.lock) sees to it
    skip_locked = ""  # BEGIN IMMEDIATE already keeps other writers out

    def lock_writes(self, db: Any) -> None:
        """Wait for the store's write lock, in an open write transaction (SQLite holds it)."""

    def lock_keys(self, db: Any, stripes: Sequence[int]) -> None:
        """Wait for the locks of these key stripes (sorted), in an open write transaction."""

    def connect(self, path: Database, *, cache_mib: int, reader: bool) -> Any:
        if str(path) != ":memory:" and not reader:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA cache_size = {-1024 * cache_mib}")
        if reader:
            db.execute("PRAGMA query_only = ON")
            return db
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def version(self, db: Any) -> int:
        return int(db.execute("PRAGMA user_version").fetchone()[0])

    def failed(self, db: Any) -> bool:
        """Whether the open transaction can only be rolled back (a statement of it failed).

        SQLite undoes the failed statement alone and goes on.
        """
        return False

    def set_version(self, db: Any, number: int) -> None:
        db.execute(f"PRAGMA user_version = {int(number)}")

    def next_ids(self, db: Any, count: int) -> list[int]:
        """``count`` article ids no row has, for rows written with their ids (bulk loading)."""
        first = int(db.execute("SELECT coalesce(max(id), 0) + 1 FROM articles").fetchone()[0])
        return list(range(first, first + count))

    def exists(self, database: Database) -> bool:
        return str(database) == ":memory:" or Path(database).is_file()


class PostgresBackend(SQLiteBackend):
    """The shared store: one PostgreSQL database, its schema version in ``meta``.

    A snapshot is a ``REPEATABLE READ`` transaction (what WAL gives a
    SQLite reader); ids come from the ``articles`` table's sequence, so two
    writers never draw the same one.

    Filing one article is a transaction of its own that locks the stripes
    of its keys (:meth:`lock_keys`: exact keys and LSH band keys, see
    ``pipeline/fleet.py``), so two workers filing copies of one article
    (which share a key) take turns, and the second sees the first's rows;
    articles with no key in common file at the same time. Every other
    write transaction (migrations, rebuilds, corrections) takes the whole
    write lock (:data:`WRITE_LOCK`), which waits for every key lock.
    """

    begin_write = "BEGIN"
    begin_snapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
    shared = True
    skip_locked = " FOR UPDATE SKIP LOCKED"

    def lock_writes(self, db: Any) -> None:
        db.execute("SELECT pg_advisory_xact_lock(?)", (WRITE_LOCK,))

    def lock_keys(self, db: Any, stripes: Sequence[int]) -> None:
        # The write lock shared (whoever holds it whole waits for every key lock), then
        # each stripe's, in the order given: sorted, so two writers never wait on each other.
        db.execute(
            "SELECT pg_advisory_xact_lock_shared(?),"
            " (SELECT count(pg_advisory_xact_lock(?, s)) FROM unnest(?::int[]) AS s)",
            (WRITE_LOCK, KEY_LOCKS, list(stripes)),
        )

    def connect(self, path: Database, *, cache_mib: int, reader: bool) -> Any:
        try:
            import psycopg  # noqa: F401  (an extra: say how to get it, not a traceback)
        except ImportError as e:
            raise StoreError(
                f"{display(path)}: a PostgreSQL store needs psycopg: "
                f"pip install 'jjfeed[postgres]' ({e})"
            ) from e
        return PostgresConnection(str(path), reader=reader)

    def failed(self, db: Any) -> bool:
        return bool(db.failed)

    def version(self, db: Any) -> int:
        # pg_class read as a table, not to_regclass(): a name lookup may answer from the
        # session's cache, which still says "no such table" after another worker made it.
        exists = db.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_tables"
            " WHERE schemaname = current_schema() AND tablename = 'meta')"
        ).fetchone()[0]
        if not exists:
            return 0
        row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        return int(row[0]) if row else 0

    def set_version(self, db: Any, number: int) -> None:
        db.execute(
            "INSERT INTO meta (key, value) VALUES ('schema_version', ?)"
            " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (str(int(number)),),
        )

    def next_ids(self, db: Any, count: int) -> list[int]:
        rows = db.execute(
            "SELECT nextval(pg_get_serial_sequence('articles', 'id')) FROM generate_series(1, ?)",
            (count,),
        )
        return [int(r[0]) for r in rows]

    def exists(self, database: Database) -> bool:
        return True  # a server's database: opening it says whether it is there


def backend_for(database: Database) -> SQLiteBackend:
    return PostgresBackend() if is_postgres(database) else SQLiteBackend()


def exists(database: Database) -> bool:
    """Whether a store is there (a PostgreSQL URL always counts: the server says when opened)."""
    return backend_for(database).exists(database)


def require_database(database: Database) -> None:
    """Raise :class:`StoreError` naming ``database`` unless an SQLite file (or a URL) is there."""
    if exists(database):
        return
    path = Path(database)
    what = "not a database file" if path.exists() else "no database there"
    raise StoreError(
        f"{path}: {what} (check --db or JJFEED_DB; `jjfeed run` or `jjfeed ingest` creates it)"
    )
