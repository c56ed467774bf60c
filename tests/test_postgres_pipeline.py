"""jjfeed end to end on a PostgreSQL store (issue 20): the same feed as on SQLite.

``database: postgresql://...`` (or ``--db URL``) puts the whole store in
one PostgreSQL database; worker processes read it through their own
connections. Against a real server (conftest's ``postgres_url``).
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import REPO
from jjfeed.config import load_config
from test_cli import jjfeed


def _items(output: Path) -> list[dict[str, object]]:
    feed = json.loads((output / "feed.json").read_text())
    keep = ("id", "title", "url", "content_html", "tags", "authors")
    return [{k: item.get(k) for k in keep} for item in feed["items"]]


def _run(database: str | Path, output: Path, cwd: Path, *more: str) -> None:
    result = jjfeed(
        "--config", str(REPO / "feeds.yaml"), "--db", str(database), "--output", str(output),
        "--processes", "2", *more, "run",
        cwd=cwd,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_run_on_postgres_publishes_what_sqlite_publishes(tmp_path: Path, postgres_url: str) -> None:
    _run(tmp_path / "j.db", tmp_path / "lite", tmp_path)
    _run(postgres_url, tmp_path / "pg", tmp_path)
    assert _items(tmp_path / "pg") == _items(tmp_path / "lite")
    assert len(_items(tmp_path / "pg")) == 14

    exported = jjfeed(
        "--config", str(REPO / "feeds.yaml"), "--db", postgres_url, "export", cwd=tmp_path
    )
    assert exported.returncode == 0, exported.stderr
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 16 and len({r["cluster"] for r in records}) == 14

    dupes = jjfeed(
        "--config", str(REPO / "feeds.yaml"), "--db", postgres_url, "dupes", cwd=tmp_path
    )
    assert dupes.returncode == 0, dupes.stderr
    assert dupes.stdout.count("jaccard") == 2  # the two copies, each with its reason

    again = jjfeed(
        "--config", str(REPO / "feeds.yaml"), "--db", postgres_url, "--output", str(tmp_path / "pg"),
        "run",
        cwd=tmp_path,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "0 new articles" in again.stdout + again.stderr

    published = jjfeed(
        "--config", str(REPO / "feeds.yaml"), "--db", postgres_url, "--output",
        str(tmp_path / "published"), "publish",
        cwd=tmp_path,
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    assert _items(tmp_path / "published") == _items(tmp_path / "lite")


def test_database_url_in_feeds_yaml_is_kept_as_a_url(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "database: postgresql://jj@db.example:5432/feeds\nsources: []\n"
    )
    assert load_config(tmp_path / "feeds.yaml").database == "postgresql://jj@db.example:5432/feeds"
    (tmp_path / "feeds.yaml").write_text("database: store/j.db\nsources: []\n")
    assert load_config(tmp_path / "feeds.yaml").database == tmp_path / "store/j.db"


def test_migrate_store_moves_everything_and_loses_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    lite = tmp_path / "j.db"
    _run(lite, tmp_path / "lite", tmp_path)
    config = ("--config", str(REPO / "feeds.yaml"))
    # An override too: it must survive the move and keep working.
    split = jjfeed(*config, "--db", str(lite), "dupes", "split", "15", cwd=tmp_path)
    assert split.returncode == 0, split.stderr

    moved = jjfeed(*config, "migrate-store", str(lite), postgres_url, cwd=tmp_path)
    assert moved.returncode == 0, moved.stderr
    assert "16 articles" in moved.stdout

    for command in (("export",), ("dupes",), ("dupes", "overrides")):
        before = jjfeed(*config, "--db", str(lite), *command, cwd=tmp_path)
        after = jjfeed(*config, "--db", postgres_url, *command, cwd=tmp_path)
        assert after.returncode == 0, after.stderr
        assert after.stdout == before.stdout, command

    again = jjfeed(*config, "migrate-store", str(lite), postgres_url, cwd=tmp_path)
    assert again.returncode == 1 and "already holds articles" in again.stderr

    _run(postgres_url, tmp_path / "pg", tmp_path)  # a run on the moved store: nothing new
    published = jjfeed(
        *config, "--db", str(lite), "--output", str(tmp_path / "lite2"), "publish", cwd=tmp_path
    )
    assert published.returncode == 0, published.stderr
    assert _items(tmp_path / "pg") == _items(tmp_path / "lite2")  # the split holds too


def test_a_nul_in_a_json_feed_is_one_entry_not_a_failed_source(
    tmp_path: Path, postgres_url: str
) -> None:
    """JSON allows \\u0000 where XML does not; PostgreSQL's text refuses it (SQLite keeps it)."""
    feed = tmp_path / "nul.json"
    feed.write_text(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "N\u0000ul feed",
                "items": [
                    {
                        "id": "entry\u00001",
                        "url": "https://n.example/1\u0000",
                        "title": "A \u0000 title",
                        "authors": [{"name": "A\u0000B"}],
                        "content_text": "Words of a body with a nul \u0000 in it. " * 5,
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    for database in (str(tmp_path / "j.db"), postgres_url):
        result = jjfeed(
            "--db", database, "--output", str(tmp_path / "out"), "ingest", str(feed), cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert "1 new" in result.stdout + result.stderr
        exported = jjfeed("--db", database, "export", cwd=tmp_path)
        (record,) = [json.loads(line) for line in exported.stdout.splitlines()]
        assert "\u0000" not in json.dumps(record, ensure_ascii=False)
        assert record["guid"].startswith("sha256:") and record["author"] == "AB"
