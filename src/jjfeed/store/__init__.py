"""The SQLite store: schema, migrations and every read and write.

The only package that imports :mod:`sqlite3`. :class:`Store` is one
connection, built from parts over one base, each owning one kind of row:

- :mod:`.schema`: every migration, in order (``PRAGMA user_version``);
- :mod:`.base`: opening, migrating, transactions and savepoints, snapshots,
  meta, and :func:`~.base.wrap_exceptions`, so no raw :mod:`sqlite3` error
  leaves the store;
- :mod:`.sources`: validators and the fetch schedule's state;
- :mod:`.articles`: article rows, bulk loading (:class:`Filed`), exact keys;
- :mod:`.clusters`: clusters, stories, merges and aliases;
- :mod:`.index`: signatures, LSH band keys, story terms and keys, furniture;
- :mod:`.explain`: merge and link reasons, overrides.

WAL lets ``export`` read while a run writes.
"""

from __future__ import annotations

from .articles import ArticlesMixin, Filed
from .backend import Database, is_postgres, require_database
from .base import CACHE_MIB, StoreBase, wrap_all
from .clusters import ClustersMixin
from .explain import ExplanationsMixin
from .index import IndexMixin
from .schema import MIGRATIONS, SCHEMA_VERSION
from .sources import SourcesMixin

__all__ = [
    "CACHE_MIB",
    "Database",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Filed",
    "Store",
    "is_postgres",
    "require_database",
]


class Store(SourcesMixin, ArticlesMixin, IndexMixin, ClustersMixin, ExplanationsMixin, StoreBase):
    """A connection to one jjfeed database, migrated to the current schema on open."""

    def __enter__(self) -> Store:
        return self


wrap_all(Store)
