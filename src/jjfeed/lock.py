"""A file lock next to an SQLite store, so two runs never interleave.

``flock`` locks die with the process, so a run killed with SIGKILL never
leaves a stale lock behind. A PostgreSQL store is shared on purpose: runs
go on together, claiming sources (``pipeline/fleet.py``), and its write
transactions take the store's own lock (``store/backend.py``), so the lock
here holds nothing for it.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

from .errors import LockedError, StoreError
from .store.backend import Database, is_postgres


class RunLock:
    """Hold ``<database>.lock`` for the length of a ``with`` block.

    ``wait`` is how many seconds to keep trying: 0 for cron runs (a second
    run exits at once), longer for an interactive ``ingest``.
    """

    def __init__(self, database: Database, *, wait: float = 0.0) -> None:
        self.database = database
        self.wait = wait
        self._fd: int | None = None
        self.path = Path(str(database) + ".lock") if not is_postgres(database) else None

    def __enter__(self) -> RunLock:
        if self.path is None:
            return self  # a shared store: runs go on together (see the module)
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

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
