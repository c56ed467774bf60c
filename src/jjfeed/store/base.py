"""The connection under every part of the store: opening, migrating, transactions, meta.

:func:`wrap_exceptions` is the one place a database driver's error becomes a
jjfeed error: the store's own faults (locked, full, corrupt: the run cannot go
on) are :class:`StoreError`; a row that one entry's values could not be
written as (a constraint, a value SQLite cannot bind) is :class:`RecordError`,
which fails that entry alone. :class:`jjfeed.store.Store` applies it to every
public method of its parts (:func:`wrap_all`).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from ..errors import RecordError, StoreError
from . import schema_postgres
from .backend import (
    DB_ERRORS,
    RECORD_ERRORS,
    Database,
    PostgresBackend,
    backend_for,
    display,
    is_postgres,
    require_database,
)
from .postings import KeyIndex
from .schema import MIGRATIONS, SCHEMA_VERSION, _statements

_OPEN_ERRORS: tuple[type[BaseException], ...] = (*DB_ERRORS, OSError)

# SQLite's page cache per connection (its default is 2 MiB): a run touches a few
# thousand pages of the big indexes per source; 64 MiB keeps them between statements.
CACHE_MIB = 64
# Values in one IN (...) list: well under SQLite's limit on the parameters of a statement.
IN_CHUNK = 500
# Parsed story term sets remembered per connection (see Store.story_candidates).
TERMS_CACHE = 200_000

EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


def _ts(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat(timespec="seconds") if value is not None else None


def _epoch(value: datetime) -> int:
    """Whole seconds since 1970, as :func:`_ts` truncates them (the packed index keys' dates)."""
    return (value.astimezone(UTC) - EPOCH_UTC) // timedelta(seconds=1)


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


F = TypeVar("F", bound=Callable[..., Any])


def _translated(path: object, name: str, error: BaseException) -> Exception:
    what = f"{path}: {name.replace('_', ' ')}: {type(error).__name__}: {error}"
    return RecordError(what) if isinstance(error, RECORD_ERRORS) else StoreError(what)


def wrap_exceptions(method: F) -> F:
    """``method`` with every driver error (:data:`.backend.DB_ERRORS`) turned into a jjfeed error naming the store.

    A generator method is wrapped over its whole iteration, not only its first call.
    """
    name = method.__name__
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Any:
            try:
                yield from method(self, *args, **kwargs)
            except DB_ERRORS as e:
                raise _translated(self.path, name, e) from e

        return generator  # type: ignore[return-value]

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except DB_ERRORS as e:
            raise _translated(self.path, name, e) from e

    return call  # type: ignore[return-value]


def wrap_all(cls: type) -> None:
    """Apply :func:`wrap_exceptions` to every public method of ``cls``, its bases' included."""
    for name in dir(cls):
        value = inspect.getattr_static(cls, name)
        if not name.startswith("_") and inspect.isfunction(value):
            setattr(cls, name, wrap_exceptions(value))


class StoreBase:
    """A connection to one jjfeed database, migrated to the current schema on open."""

    path: Path | str
    database: Database

    def __init__(
        self,
        path: Database,
        *,
        cache_mib: int = CACHE_MIB,
        reader: bool = False,
        must_exist: bool = False,
    ) -> None:
        """Open (creating and migrating) the store at ``path``.

        ``reader=True`` opens a second connection that only reads an
        existing store, as a worker process does (see :mod:`jjfeed.pipeline.archive`):
        no migration, and any write is refused. ``must_exist=True`` refuses
        to create a database (commands that only look, where a mistyped
        ``--db`` would otherwise leave an empty database behind).
        """
        if must_exist:
            require_database(path)
        self.path = path if not is_postgres(path) else display(path)
        self.database = path
        self._terms: dict[int, frozenset[str]] = {}
        self._cluster_of: dict[int, str] = {}
        self._story: dict[str, str] = {}
        self._key_indexes: dict[str, KeyIndex] = {}  # see IndexMixin
        self._backend = backend_for(path)
        try:
            self._db = self._backend.connect(path, cache_mib=cache_mib, reader=reader)
        except _OPEN_ERRORS as e:
            raise StoreError(f"{self.path}: cannot open database: {e}") from e
        try:
            if not reader:
                self._migrate()
        except BaseException as e:
            self._db.close()
            if isinstance(e, _OPEN_ERRORS):
                raise StoreError(f"{self.path}: cannot open database: {e}") from e
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> StoreBase:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        """Bring the schema up to date; under the write lock, so one opener migrates.

        Whoever waited for the lock finds the work done (several workers
        opening a new PostgreSQL store at once).
        """
        if self._backend.version(self._db) == SCHEMA_VERSION:
            return
        with self.transaction():
            version = self._backend.version(self._db)
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path}: database schema version {version} is newer than this "
                    f"jjfeed understands ({SCHEMA_VERSION}); upgrade jjfeed"
                )
            if version == 0 and isinstance(self._backend, PostgresBackend):
                for statement in schema_postgres.statements():  # a new store: the baseline
                    self._db.execute(statement)
                version = schema_postgres.BASELINE
            for number in range(version, SCHEMA_VERSION):
                migration = MIGRATIONS[number]
                if callable(migration):
                    migration(self._db)
                else:
                    for statement in _statements(migration):
                        self._db.execute(statement)
            self._backend.set_version(self._db, SCHEMA_VERSION)

    @property
    def version(self) -> int:
        return self._backend.version(self._db)

    @contextmanager
    def transaction(
        self, *, lock: bool = True, keys: Sequence[int] | None = None
    ) -> Iterator[None]:
        """One atomic unit of writes: all of it lands, or none of it does.

        On a shared store (PostgreSQL) it holds the store's whole write lock;
        with ``keys``, only the locks of those key stripes (one article's
        filing, see :meth:`.backend.PostgresBackend.lock_keys`); with
        ``lock=False``, none (a claim on sources locks only its rows, see
        :meth:`claim_sources`).
        """
        try:
            self._db.execute(self._backend.begin_write)
            if keys is not None:
                self._backend.lock_keys(self._db, sorted(set(keys)))
            elif lock:
                self._backend.lock_writes(self._db)
        except DB_ERRORS as e:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise StoreError(f"{self.path}: cannot start a transaction: {e}") from e
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            self._forget()  # ids of rolled-back articles are given out again
            raise
        else:
            if self._backend.failed(self._db):  # PostgreSQL: an error was caught inside it
                self._db.execute("ROLLBACK")
                self._forget()
                raise StoreError(
                    f"{self.path}: a statement of this transaction failed; nothing of it was written"
                )
            try:
                self._db.execute("COMMIT")
            except DB_ERRORS as e:
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
        except DB_ERRORS as e:
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
        except DB_ERRORS as e:
            raise StoreError(f"{self.path}: cannot release a savepoint: {e}") from e

    @contextmanager
    def snapshot(self) -> Iterator[int]:
        """Read from one moment of the store; yields the last article id it holds then.

        For a reader: whatever the writer commits meanwhile stays out of
        sight until the block ends (WAL keeps the old pages for it).
        """
        try:
            self._db.execute(self._backend.begin_snapshot)
            try:
                row = self._db.execute("SELECT max(id) FROM articles").fetchone()
                yield int(row[0] or 0)
            finally:
                self._db.execute("COMMIT")
        except DB_ERRORS as e:
            raise StoreError(f"{self.path}: cannot read: {e}") from e

    def _rows_in(self, query: str, values: Sequence[object], *after: object) -> Iterator[Any]:
        """The rows of ``query`` for all ``values``, whose ``{marks}`` is an IN list of them.

        Asked ``IN_CHUNK`` values at a time (SQLite limits the parameters of
        one statement); ``after`` are the parameters that follow the list.
        PostgreSQL takes the list as one array (``= ANY(?)``): one statement
        text whatever the count, so it is prepared once.
        """
        if self._backend.shared:
            if values:
                array = query.replace(" IN ({marks})", " = ANY(?)")
                yield from self._db.execute(array, [list(values), *after])
            return
        for start in range(0, len(values), IN_CHUNK):
            chunk = values[start : start + IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(query.replace("{marks}", marks), [*chunk, *after])

    def _forget(self) -> None:
        """Drop every remembered term set, article cluster and cluster story."""
        self._terms.clear()
        self._cluster_of.clear()
        self._story.clear()
        self._key_indexes.clear()

    def get_meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def counts(self) -> dict[str, int]:
        return {
            "articles": self._db.execute("SELECT count(*) FROM articles").fetchone()[0],
            "clusters": self._db.execute("SELECT count(*) FROM clusters").fetchone()[0],
            "signatures": self._db.execute("SELECT count(*) FROM signatures").fetchone()[0],
        }
