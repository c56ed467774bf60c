"""The CLI contract, exercised through real subprocesses where exit codes matter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from conftest import EXAMPLES, REPO, SEEDS
from jjfeed.cli import cli
from jjfeed.lock import RunLock

COMMANDS = ["run", "ingest", "export", "extract"]


def _every_command(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under ``group``, subcommands of subgroups included."""
    paths = []
    for name, command in sorted(group.commands.items()):
        paths.append((*prefix, name))
        if isinstance(command, click.Group):
            paths.extend(_every_command(command, (*prefix, name)))
    return paths


def jjfeed(
    *args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "jjfeed", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        timeout=120,
        input=stdin.decode() if stdin is not None else None,
        text=True,
    )


@pytest.mark.parametrize("path", _every_command(cli), ids=" ".join)
def test_every_command_has_help(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    help_text = result.output.split("Options:")[0]
    assert len(help_text.strip().splitlines()) >= 2, f"{' '.join(path)} has no help text"


def test_the_command_walk_sees_subcommands() -> None:
    paths = _every_command(cli)
    assert {("run",), ("dupes",), ("dupes", "split"), ("dupes", "merge")} <= set(paths)


def test_top_level_help_lists_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert jjfeed("no-such-command", cwd=tmp_path).returncode == 2
    assert jjfeed("ingest", cwd=tmp_path).returncode == 2


def test_bad_config_exits_1_with_file_line_key(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        "sources:\n  - name: a\n    url: https://a/\n    colour: red\n"
    )
    result = jjfeed("run", cwd=tmp_path)
    assert result.returncode == 1
    assert "feeds.yaml:4: sources[0].colour: unknown key" in result.stderr
    assert not (tmp_path / ".jjfeed").exists()  # touched nothing


def test_missing_config_exits_1(tmp_path: Path) -> None:
    result = jjfeed("run", cwd=tmp_path)
    assert result.returncode == 1 and "config file not found" in result.stderr


def test_every_source_failing_exits_1(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text("sources:\n  - name: gone\n    path: missing.xml\n")
    result = jjfeed("run", cwd=tmp_path)
    assert result.returncode == 1
    assert "gone: failed" in result.stderr and "missing.xml" in result.stderr


def test_locked_run_exits_75(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").write_text(
        f"sources:\n  - name: a\n    path: {EXAMPLES / 'feeds/harbor-gazette.rss'}\n"
    )
    with RunLock(tmp_path / ".jjfeed" / "jjfeed.db"):
        result = jjfeed("run", cwd=tmp_path)
    assert result.returncode == 75 and "lock" in result.stderr


def test_run_on_shipped_config_then_export(tmp_path: Path) -> None:
    env = {"JJFEED_DB": str(tmp_path / "env.db"), "JJFEED_OUTPUT": str(tmp_path / "envout")}
    result = jjfeed(
        "--config",
        str(REPO / "feeds.yaml"),
        "--db",
        str(tmp_path / "flag.db"),
        "run",
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "flag.db").exists() and not (tmp_path / "env.db").exists()  # flag beats env
    assert (tmp_path / "envout" / "feed.atom").exists() and (
        tmp_path / "envout" / "feed.rss"
    ).exists()
    exported = jjfeed(
        "--config",
        str(REPO / "feeds.yaml"),
        "--db",
        str(tmp_path / "flag.db"),
        "export",
        cwd=tmp_path,
    )
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(records) == 16
    for record in records:
        assert {
            "id",
            "source",
            "url",
            "title",
            "author",
            "published",
            "updated",
            "tags",
            "text",
            "cluster",
            "canonical",
        } <= record.keys()
        assert isinstance(record["tags"], list)


def test_quiet_prints_nothing_on_success(tmp_path: Path) -> None:
    result = jjfeed(
        "--config",
        str(REPO / "feeds.yaml"),
        "--db",
        str(tmp_path / "j.db"),
        "--output",
        str(tmp_path / "out"),
        "--quiet",
        "run",
        cwd=tmp_path,
    )
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


def test_extract_json_stores_nothing(tmp_path: Path) -> None:
    article = EXAMPLES / "articles" / "mill-street-bridge-closure.txt"
    result = jjfeed("extract", "--json", str(article), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (record,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"input", "title", "author", "published", "tags", "text"} <= record.keys()
    assert record["input"] == str(article)
    assert "cookies" not in record["text"].lower()
    assert not (tmp_path / ".jjfeed").exists()


def test_extract_reads_stdin(tmp_path: Path) -> None:
    text = (EXAMPLES / "articles" / "port-calder-night-market.txt").read_bytes()
    result = jjfeed("extract", "-", cwd=tmp_path, stdin=text)
    assert result.returncode == 0 and result.stdout.startswith("Title: ")


@pytest.mark.needs_shared(SEEDS)
def test_ingest_seeds_titles_and_boilerplate(tmp_path: Path) -> None:
    labels = json.loads((SEEDS / "labels.json").read_text())["files"]
    files = sorted(str(p) for p in SEEDS.glob("*.txt"))
    result = jjfeed(
        "--db",
        str(tmp_path / "j.db"),
        "--output",
        str(tmp_path / "out"),
        "ingest",
        *files,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    exported = jjfeed("--db", str(tmp_path / "j.db"), "export", cwd=tmp_path)
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    by_guid = {Path(r["guid"]).name: r for r in records}
    assert set(by_guid) == set(labels)
    for name, label in labels.items():
        lines = (SEEDS / name).read_text().split("\n")
        record = by_guid[name]
        assert record["title"] == lines[label["title"] - 1].strip()
        assert "Cookies help us deliver" not in record["text"]
        assert "A reporter by trade" not in record["text"]
        assert "About The Author" not in record["text"]
    assert len({r["cluster"] for r in by_guid.values()}) == 5  # no two seeds are copies


def _unwritable_folder(tmp_path: Path) -> Path:
    """A folder this process cannot create files in: mode 555, or sysfs when we are root
    (root ignores mode bits; sysfs refuses new files to everyone with EACCES)."""
    if os.geteuid() == 0:
        return Path("/sys")
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o555)
    return folder


@pytest.mark.parametrize("command", ["run", "ingest"])
@pytest.mark.parametrize("where", ["unwritable folder", "under a file"])
def test_unwritable_db_is_one_clear_line_naming_it(
    tmp_path: Path, command: str, where: str
) -> None:
    """Before, the run lock's os.open raised PermissionError (or NotADirectoryError) as a traceback."""
    if where == "under a file":
        (tmp_path / "plain-file").write_text("not a folder")
        db = tmp_path / "plain-file" / "jjfeed.db"
    else:
        db = _unwritable_folder(tmp_path) / "jjfeed-test.db"
    article = tmp_path / "a.txt"
    article.write_text("A title\n\n" + "Some words of an article here. " * 20)
    (tmp_path / "feeds.yaml").write_text(f"sources:\n  - name: a\n    path: {article}\n")
    args = ["run"] if command == "run" else ["ingest", str(article)]
    result = jjfeed("--db", str(db), *args, cwd=tmp_path)
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"jjfeed: error: {db}: cannot use this database: "), line
    assert not db.exists()


@pytest.mark.parametrize(
    "args",
    [("export",), ("dupes",), ("dupes", "show", "1"), ("dupes", "overrides"), ("feeds",),
     ("dupes", "split", "1"), ("dupes", "overrides", "--remove", "1"), ("enable", "a")],
    ids=" ".join,
)  # fmt: skip
@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_mistyped_db_is_refused_not_created(
    tmp_path: Path, args: tuple[str, ...], how: str
) -> None:
    """Commands that look at (or correct) what is stored need a database; before, a typo in
    --db created an empty one and printed nothing (or every feed as 'new')."""
    (tmp_path / "feeds.yaml").write_text("sources:\n  - name: a\n    url: https://a.example/feed\n")
    typo = tmp_path / "jjfed.db"
    if how == "flag":
        result = jjfeed("--db", str(typo), *args, cwd=tmp_path)
    else:
        result = jjfeed(*args, cwd=tmp_path, env={"JJFEED_DB": str(typo)})
    assert result.returncode == 1 and result.stdout == "", (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"jjfeed: error: {typo}: no database there"), line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.yaml"]  # nothing created


def test_looking_commands_still_read_an_existing_database(tmp_path: Path) -> None:
    feed = EXAMPLES / "feeds" / "harbor-gazette.rss"
    (tmp_path / "feeds.yaml").write_text(f"sources:\n  - name: a\n    path: {feed}\n")
    db = tmp_path / "real.db"
    assert jjfeed("--db", str(db), "run", cwd=tmp_path).returncode == 0
    for args in (("export",), ("dupes",), ("dupes", "overrides"), ("feeds",)):
        result = jjfeed("--db", str(db), *args, cwd=tmp_path)
        assert result.returncode == 0, (args, result.stderr)
    assert jjfeed("--db", str(db), "export", cwd=tmp_path).stdout.count("\n") >= 1
