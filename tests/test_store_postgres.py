"""The shared store in PostgreSQL (issue 20): what differs from SQLite, checked against a real server.

Every other store test runs against both databases (the ``database``
fixture in conftest.py); these are the ones about PostgreSQL itself.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from jjfeed.errors import RecordError, StoreError
from jjfeed.model import Article
from jjfeed.store import SCHEMA_VERSION, Store
from jjfeed.store.backend import display, postgres_sql
from jjfeed.store.schema_postgres import BASELINE

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _article(guid: str) -> Article:
    return Article(source="s", guid=guid, url=None, title=guid, text="t", html="<p>t</p>")


def _sqlite_schema(path: Path) -> dict[str, list[str]]:
    with Store(path):
        pass
    db = sqlite3.connect(path)
    tables = [
        r[0]
        for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        )
    ]
    return {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in tables}


def _postgres_schema(url: str) -> dict[str, list[str]]:
    with Store(url):
        pass
    with psycopg.connect(url) as db:
        rows = db.execute(
            "SELECT table_name, column_name FROM information_schema.columns"
            " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
        ).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def _indexes(url: str, path: Path) -> tuple[set[str], set[str]]:
    lite = sqlite3.connect(path)
    on_sqlite = {
        r[0]
        for r in lite.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
    }
    with psycopg.connect(url) as db:
        named = db.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public'"
            " UNION SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        ).fetchall()
    # PostgreSQL also names the indexes behind primary keys and UNIQUE constraints.
    on_postgres = {r[0] for r in named if not r[0].endswith(("_pkey", "_key"))}
    return on_sqlite, on_postgres


def test_postgres_schema_is_sqlites_column_for_column(tmp_path: Path, postgres_url: str) -> None:
    sqlite_tables = _sqlite_schema(tmp_path / "j.db")
    postgres_tables = _postgres_schema(postgres_url)
    assert postgres_tables == sqlite_tables
    on_sqlite, on_postgres = _indexes(postgres_url, tmp_path / "j.db")
    assert on_postgres == on_sqlite
    assert BASELINE <= SCHEMA_VERSION


def test_new_postgres_store_is_at_the_current_version(postgres_url: str) -> None:
    with Store(postgres_url) as store:
        assert store.version == SCHEMA_VERSION
    with Store(postgres_url) as store:  # opening again migrates nothing
        assert store.version == SCHEMA_VERSION


def test_newer_postgres_schema_is_refused(postgres_url: str) -> None:
    with Store(postgres_url) as store:
        store.set_meta("schema_version", "999")
    with pytest.raises(StoreError, match="newer than this jjfeed understands"):
        Store(postgres_url)


def test_a_failed_statement_fails_its_transaction_not_silently(postgres_url: str) -> None:
    """PostgreSQL takes nothing more of a transaction after an error: COMMIT must not pass."""
    with Store(postgres_url) as store:
        with store.transaction():
            store.create_cluster("c1", NOW)
        with pytest.raises(StoreError, match="nothing of it was written"), store.transaction():
            store.create_cluster("c2", NOW)
            with contextlib.suppress(RecordError):  # a foreign key that is not there
                store.insert(
                    _article("g"),
                    canonical_url=None,
                    content_hash="h",
                    cluster="missing",
                    priority=0,
                    when=NOW,
                )
        assert store.counts()["clusters"] == 1


def test_reader_refuses_writes_and_errors_name_the_store_without_password(
    postgres_url: str,
) -> None:
    with Store(postgres_url) as store, store.transaction():
        store.create_cluster("c1", NOW)
    secret = postgres_url.replace("jjfeed@", "jjfeed:hunter2@")
    with Store(secret, reader=True) as reader, pytest.raises(StoreError) as caught:
        reader.create_cluster("c2", NOW)
    assert "hunter2" not in str(caught.value)
    assert "jjfeed:***@" in str(caught.value) and "read-only" in str(caught.value)


def test_unreachable_server_is_a_store_error_naming_it() -> None:
    with pytest.raises(StoreError, match=r"cannot open database"):
        Store("postgresql://jjfeed:pw@127.0.0.1:1/nothing?connect_timeout=2")


def test_sqlite_spelling_becomes_psycopgs() -> None:
    assert postgres_sql("SELECT a FROM t INDEXED BY t_a WHERE b = ? AND c LIKE '1%'") == (
        "SELECT a FROM t WHERE b = %s AND c LIKE '1%%'"
    )
    assert display("postgresql://u:secret@h:5432/db") == "postgresql://u:***@h:5432/db"
    assert display(Path("/x/j.db")) == "/x/j.db"


def test_workers_opening_a_new_store_at_once_migrate_it_once(postgres_url: str) -> None:
    """The second opener waits for the write lock and finds the schema made (no "already exists")."""
    import threading

    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store(postgres_url).close()
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    with Store(postgres_url) as store:
        assert store.version == SCHEMA_VERSION


def test_without_psycopg_a_postgres_url_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    with pytest.raises(StoreError, match=r"needs psycopg: pip install 'jjfeed\[postgres\]'"):
        Store("postgresql://jjfeed:pw@127.0.0.1:1/nothing")
