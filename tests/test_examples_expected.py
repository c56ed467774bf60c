"""examples/expected.json, enforced on the shipped ``jjfeed run`` (issue 18, item 5).

The example corpus is run exactly as a new user would run it (``python -m
jjfeed --config feeds.yaml run``, then ``export``), and every document listed
in ``examples/expected.json`` is checked: title, author, section, dates, tags,
and the ``with`` snippets present and ``without`` snippets absent in the
exported text.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((REPO / "examples" / "expected.json").read_text(encoding="utf-8"))
DOCUMENTS: dict[str, dict] = EXPECTED["documents"]


def _norm(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip().casefold()


def _jjfeed(tmp: Path, *args: str) -> str:
    cmd = [
        sys.executable,
        "-m",
        "jjfeed",
        "--config",
        str(REPO / "feeds.yaml"),
        "--db",
        str(tmp / "j.db"),
        "--output",
        str(tmp / "out"),
        "--processes",
        "1",
        *args,
    ]
    done = subprocess.run(cmd, cwd=tmp, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, dict]:
    """Every exported article, keyed the way expected.json keys documents."""
    tmp = tmp_path_factory.mktemp("examples")
    _jjfeed(tmp, "run")
    rows = [json.loads(line) for line in _jjfeed(tmp, "export").splitlines() if line.strip()]
    config = yaml.safe_load((REPO / "feeds.yaml").read_text(encoding="utf-8"))
    paths = {s["name"]: s["path"] for s in config["sources"] if "path" in s}
    by_key: dict[str, dict] = {}
    for row in rows:
        path = paths[row["source"]]
        if path.endswith("articles"):
            name = (row["url"] or row["guid"]).rsplit("/", 1)[-1]
            key = f"articles/{name}"
        else:
            key = f"{path.removeprefix('examples/')}#{row['guid']}"
        by_key[key] = row
    return by_key


def _source_tags() -> set[str]:
    config = yaml.safe_load((REPO / "feeds.yaml").read_text(encoding="utf-8"))
    return {t.casefold() for s in config["sources"] for t in s.get("tags", [])}


def _same_date(expected: str, got: str | None) -> bool:
    if got is None:
        return False
    if len(expected) == 10:  # a date-only expectation compares to the date part
        return got[:10] == expected
    norm = {expected.replace("Z", "+00:00"), expected}
    return got in norm or got.replace("+00:00", "Z") in norm


@pytest.mark.parametrize("key", sorted(DOCUMENTS))
def test_document_as_expected(exported, key):
    want = DOCUMENTS[key]
    assert key in exported, f"{key} was not exported (have {sorted(exported)})"
    got = exported[key]
    problems: list[str] = []
    for field in ("title", "author", "section"):
        if field in want and _norm(want[field]) != _norm(got.get(field)):
            problems.append(f"{field}: want {want[field]!r}, got {got.get(field)!r}")
    for field in ("published", "updated"):
        if field in want and not _same_date(want[field], got.get(field)):
            problems.append(f"{field}: want {want[field]!r}, got {got.get(field)!r}")
    if "tags" in want:
        have = {t.casefold() for t in got.get("tags") or []}
        missing = [t for t in want["tags"] if t.casefold() not in have]
        extra = have - {t.casefold() for t in want["tags"]} - _source_tags()
        if missing:
            problems.append(f"tags missing {missing} (got {got.get('tags')})")
        if extra:
            problems.append(f"tags not expected {sorted(extra)} (got {got.get('tags')})")
    text = _norm(got.get("text"))
    for snippet in want.get("with", []):
        if _norm(snippet) not in text:
            problems.append(f"with: {snippet!r} lost")
    for snippet in want.get("without", []):
        if _norm(snippet) in text:
            problems.append(f"without: {snippet!r} leaked")
    assert not problems, f"{key}:\n  " + "\n  ".join(problems)
