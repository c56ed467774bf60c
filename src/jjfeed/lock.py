"""A lock per store, so two runs never interleave.

For an SQLite store, a file lock next to the database: ``flock`` locks die
with the process, so a run killed with SIGKILL never leaves a stale lock
behind. For a PostgreSQL store, a session advisory lock held by a
connection of its own, which dies with its connection the same way.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import Any

from .errors import LockedError, StoreError
from .store.backend import Database, display, is_postgres

# The advisory lock's key in a PostgreSQL store (any fixed 64-bit number: "jjfeed").
ADVISORY_KEY = int.from_bytes(b"jjfeed", "big")


class RunLock:
    """Hold ``<database>.lock`` for the length of a ``with`` block.

    ``wait`` is how many seconds to keep trying: 0 for cron runs (a second
    run exits at once), longer for an interactive ``ingest``.
    """

    def __init__(self, database: Database, *, wait: float = 0.0) -> None:
        self.database = database
        self.wait = wait
        self._fd: int | None = None
        self._conn: Any = None
        self.path = Path(str(database) + ".lock") if not is_postgres(database) else None

    def __enter__(self) -> RunLock:
        if self.path is None:
            return self._advisory()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            # An unwritable --db folder: one clear line, not a PermissionError traceback.
            raise StoreError(
                f"{self.database}: cannot use this database: cannot create its lock file "
                f"{self.path}: {e.strerror or e}"
            ) from e
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockedError(f"{self.path}: another jjfeed run holds the lock") from None
                time.sleep(0.2)
        self._fd = fd
        return self

    def _advisory(self) -> RunLock:
        import psycopg

        where = display(self.database)
        try:
            conn = psycopg.connect(str(self.database), autocommit=True)
        except psycopg.Error as e:
            raise StoreError(f"{where}: cannot open database: {e}") from e
        deadline = time.monotonic() + self.wait
        try:
            while not _try_advisory(conn):
                if time.monotonic() >= deadline:
                    raise LockedError(f"{where}: another jjfeed run holds the store's lock")
                time.sleep(0.2)
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        return self

    def __exit__(self, *exc: object) -> None:
        if self._conn is not None:
            self._conn.close()  # the session's advisory lock goes with it
            self._conn = None
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def _try_advisory(conn: Any) -> bool:
    row = conn.execute("SELECT pg_try_advisory_lock(%s)", (ADVISORY_KEY,)).fetchone()
    return bool(row and row[0])
