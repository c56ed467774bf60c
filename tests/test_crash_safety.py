"""Crash safety, concurrency and broken config, all against real ``jjfeed`` processes.

A run is killed with SIGKILL at several moments; after each kill the
database passes SQLite's integrity check, nothing committed before is gone,
the feed published before is still whole and valid, and the next run
finishes with exactly what an uninterrupted run stores.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree

from conftest import EXAMPLES, SHARED

CORPUS = SHARED / "data" / "feeds-real"
ATOM_RNG = SHARED / "data" / "schemas" / "atom.rng"
SMALL = CORPUS / "gofeed" / "rss"  # ~270 small files, about a second
LARGE = CORPUS / "rss-parser"  # 31 real feeds, ~1,200 articles, a few seconds
KILL_AFTER = (0.6, 1.3, 2.1, 2.9)  # seconds after start: imports, parse, store, publish


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}


def _config(folder: Path, *sources: tuple[str, Path]) -> None:
    lines = ["sources:"]
    for name, path in sources:
        lines += [f"  - name: {name}", f"    path: {path}"]
    (folder / "feeds.yaml").write_text("\n".join(lines) + "\n")


def _start(folder: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "jjfeed", *(args or ("run",))],
        cwd=folder,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jjfeed", *(args or ("run",))],
        cwd=folder,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=300,  # hang guard
    )


def _stored(folder: Path) -> set[tuple[str, str]]:
    """What the database holds, after SQLite's own consistency checks."""
    db = folder / ".jjfeed" / "jjfeed.db"
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        rows = conn.execute("SELECT source, guid FROM articles").fetchall()
    conn.close()
    return set(rows)


def _valid_feed(folder: Path) -> bytes:
    atom = (folder / "output" / "feed.atom").read_bytes()
    rng = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    assert rng.validate(etree.fromstring(atom)), "published Atom is not valid"
    etree.fromstring((folder / "output" / "feed.rss").read_bytes())
    return atom


@pytest.mark.needs_shared(SMALL, LARGE, ATOM_RNG)
def test_sigkill_at_any_moment_loses_nothing_committed(tmp_path: Path) -> None:
    reference, crashed = tmp_path / "reference", tmp_path / "crashed"
    for folder in (reference, crashed):
        folder.mkdir()
        _config(folder, ("small", SMALL))
        assert _run(folder).returncode == 0
        _config(folder, ("large", LARGE), ("small", SMALL))
    assert _run(reference).returncode == 0
    expected = _stored(reference)

    committed = _stored(crashed)
    kills = 0
    for delay in KILL_AFTER:
        before_feed = _valid_feed(crashed)
        process = _start(crashed)
        time.sleep(delay)
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            kills += 1
        process.communicate(timeout=60)
        now = _stored(crashed)
        assert committed <= now, f"lost after kill at {delay} s: {committed - now}"
        committed = now
        after_feed = _valid_feed(crashed)
        assert after_feed == before_feed or b"<entry>" in after_feed
    assert kills >= 2, "the run finished before most kills; the test killed nothing"

    final = _run(crashed)
    assert final.returncode == 0, final.stderr[-2000:]
    assert _stored(crashed) == expected
    _valid_feed(crashed)
    leftovers = [p.name for p in (crashed / "output").iterdir() if p.name.startswith(".")]
    assert len(leftovers) <= kills  # at most one half-written temp file per kill, never the feed


# -- concurrency -------------------------------------------------------------------


@pytest.mark.needs_shared(LARGE)
def test_second_run_exits_75_and_ingest_waits_for_the_lock(tmp_path: Path) -> None:
    """While one run holds the lock, a second run exits 75 at once and an ingest waits, then runs."""
    _config(tmp_path, ("large", LARGE))
    first = _start(tmp_path)
    try:
        lock = tmp_path / ".jjfeed" / "jjfeed.db.lock"
        for _ in range(300):  # wait (bounded) until the first run has taken the lock
            if lock.exists() and _lock_held(lock):
                break
            time.sleep(0.05)
        assert first.poll() is None, "the first run ended before the test could race it"
        ingest = _start(tmp_path, "ingest", str(EXAMPLES / "feeds" / "harbor-gazette.rss"))
        second = _run(tmp_path)
        ingest_out, ingest_err = ingest.communicate(timeout=300)
    finally:
        _, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]
    assert second.returncode == 75, second.stderr
    assert "another jjfeed run holds the lock" in second.stderr
    assert ingest.returncode == 0, ingest_err
    assert "1 sources (0 failed" in ingest_out
    # The ingest stored its file, under the feed's own title (a feed file is its own source).
    assert any(source == "Harbor Gazette" for source, _ in _stored(tmp_path))


def _lock_held(lock: Path) -> bool:
    import fcntl

    fd = os.open(lock, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def test_ingest_gives_up_clearly_when_the_lock_is_never_freed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jjfeed import pipeline
    from jjfeed.config import load_config
    from jjfeed.errors import LockedError
    from jjfeed.lock import RunLock

    config = load_config(tmp_path / "none.yaml", required=False, database=tmp_path / "j.db")
    real_lock = RunLock

    def short_wait(database: Path, *, wait: float = 0.0) -> RunLock:
        return real_lock(database, wait=min(wait, 0.5))

    monkeypatch.setattr(pipeline.commands, "RunLock", short_wait)
    with real_lock(tmp_path / "j.db"), pytest.raises(LockedError, match="holds the lock"):
        pipeline.ingest_inputs(config, [str(EXAMPLES / "feeds" / "harbor-gazette.rss")])
    assert not (tmp_path / "j.db").exists()  # gave up before opening anything


# -- broken config -----------------------------------------------------------------

BROKEN_CONFIGS = {
    "bad-yaml": (b"title: [unclosed\n", r"feeds\.yaml:2: invalid YAML"),
    "tab": (b"title: x\n\tlimit: 5\n", r"feeds\.yaml:2: invalid YAML"),
    "unknown-key": (
        b"sources:\n  - name: a\n    path: x\n    colour: red\n",
        r"feeds\.yaml:4: sources\[0\]\.colour: unknown key",
    ),  # fmt: skip
    "wrong-type": (b"limit: lots\n", r"feeds\.yaml:1: limit: must be an integer"),
    "huge-int": (b"limit: 99999999999999999999999\n", r"feeds\.yaml:1: limit: must be at most"),
    "nul-char": (b"title: ok\ndescription: a\x00b\n", r"feeds\.yaml:2: invalid YAML: .*#x0000"),
    "not-utf8": (b"title: ok\ndescription: caf\xe9\n", r"feeds\.yaml:2: not UTF-8 \(byte 0xe9\)"),
    "list-root": (b"- a\n- b\n", r"feeds\.yaml:1: top level: must be a mapping"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_CONFIGS))
def test_broken_config_one_clear_line_exit_1_nothing_touched(tmp_path: Path, case: str) -> None:
    import re

    text, message = BROKEN_CONFIGS[case]
    (tmp_path / "feeds.yaml").write_bytes(text)
    result = _run(tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and re.search(message, lines[0]), result.stderr
    assert lines[0].startswith("jjfeed: error: feeds.yaml")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds.yaml"]  # touched nothing


def test_config_that_is_a_folder_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "feeds.yaml").mkdir()
    result = _run(tmp_path)
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "jjfeed: error: feeds.yaml: cannot read config file: Is a directory"
    )
