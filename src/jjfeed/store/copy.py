"""``jjfeed migrate-store``: an SQLite store's every row, copied into a new PostgreSQL store.

Both are brought to the current schema first (:class:`Store` migrates on
open), so the tables and columns are the same (tests/test_store_postgres.py
checks the two schemas agree). The copy is one transaction on the
PostgreSQL side: it lands whole or not at all, and the SQLite store is only
read. A target that already holds articles is refused, so nothing stored
there is mixed up or lost. Rows go in with ``COPY``, ids and ``seq`` as they
were, the cluster-date trigger off (the dates are copied with the
clusters); then the sequences move past the highest id, and every table's
rows are counted on both sides.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import StoreError
from . import Store
from .backend import is_postgres

# Parents before children (foreign keys), each table's rows in primary-key order.
TABLES = (
    ("meta", "key"),
    ("sources", "name"),
    ("source_claims", "source"),
    ("clusters", "id"),
    ("cluster_aliases", "alias"),
    ("articles", "id"),
    ("signatures", "article"),
    ("band_keys", "seq"),
    ("story_terms", "article"),
    ("story_keys", "seq"),
    ("raw_keys", "article"),
    ("furniture", "source, fingerprint"),
    ("furniture_sources", "source"),
    ("dedup_reasons", "article"),
    ("story_reasons", "cluster"),
    ("overrides", "id"),
)

# Sequences that hand out ids after the copy: (table, column).
SEQUENCES = (("articles", "id"), ("band_keys", "seq"), ("story_keys", "seq"))


def copy_store(
    source: Path, target: str, progress: Callable[[str, int], None] | None = None
) -> dict[str, int]:
    """Copy the SQLite store at ``source`` into the empty PostgreSQL store at ``target``.

    Returns the rows copied per table; ``progress(table, rows)`` after each table.
    """
    if is_postgres(str(source)) or not is_postgres(target):
        raise StoreError(
            f"{source} -> {target}: migrate-store copies an SQLite file into a postgresql:// store"
        )
    copied: dict[str, int] = {}
    with Store(source, must_exist=True) as lite, Store(target) as pg:
        if pg.counts()["articles"]:
            raise StoreError(
                f"{pg.path}: already holds articles; migrate-store copies into an empty store only"
            )
        with pg.transaction():
            pg._db.execute("DELETE FROM meta WHERE key <> 'schema_version'")
            pg._db.execute("ALTER TABLE articles DISABLE TRIGGER USER")
            for table, order in TABLES:
                cursor = lite._db.execute(f"SELECT * FROM {table} ORDER BY {order}")
                columns = [d[0] for d in cursor.description]
                rows = (tuple(row) for row in cursor)
                copied[table] = pg._db.copy_rows(table, columns, rows)
                if progress is not None:
                    progress(table, copied[table])
            pg._db.execute("ALTER TABLE articles ENABLE TRIGGER USER")
            for table, column in SEQUENCES:
                pg._db.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                    f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
                )
            for table, _ in TABLES:
                ours = int(pg._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                theirs = int(lite._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
                if ours != theirs + (table == "meta"):  # the target's own schema_version row
                    raise StoreError(
                        f"{pg.path}: {table}: {ours} rows copied of {theirs}; nothing was written"
                    )
    return copied
