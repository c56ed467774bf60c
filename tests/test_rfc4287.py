"""Every published Atom entry meets RFC 4287: an author (on the entry or the feed), one id,
one updated; and the document validates against the RFC's RELAX NG grammar.

Checked on the shipped example (``jjfeed run`` on feeds.yaml) and on the real feeds of
``../shared/data/feeds-review`` (needs the project's shared data; see the README).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, SHARED
from jjfeed import pipeline
from jjfeed.config import Config
from jjfeed.model import FeedInfo

ATOM_RNG = SHARED / "data" / "schemas" / "atom.rng"
REVIEW = SHARED / "data" / "feeds-review"
NS = {"a": "http://www.w3.org/2005/Atom"}


def rfc4287_problems(path: Path) -> list[str]:
    """What in an Atom document breaks RFC 4287 (section 4.1.1 and 4.1.2), one line each."""
    doc = etree.parse(str(path))
    problems = []
    grammar = etree.RelaxNG(etree.parse(str(ATOM_RNG)))
    if not grammar.validate(doc):
        problems.append(f"RELAX NG: {grammar.error_log.last_error}")
    feed_author = doc.getroot().find("a:author/a:name", NS) is not None
    for n, entry in enumerate(doc.getroot().findall("a:entry", NS)):
        title = entry.findtext("a:title", namespaces=NS)
        if len(entry.findall("a:id", NS)) != 1:
            problems.append(f"entry {n} {title!r}: not exactly one id")
        if len(entry.findall("a:updated", NS)) != 1:
            problems.append(f"entry {n} {title!r}: not exactly one updated")
        names = [a.findtext("a:name", namespaces=NS) for a in entry.findall("a:author", NS)]
        if not feed_author and not any(name and name.strip() for name in names):
            problems.append(f"entry {n} {title!r}: no author on the entry or the feed")
    return problems


@pytest.mark.needs_shared(ATOM_RNG)
def test_the_shipped_example_meets_rfc4287(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "jjfeed",
            "--config",
            str(REPO / "feeds.yaml"),
            "--db",
            str(tmp_path / "j.db"),
            "--output",
            str(tmp_path / "out"),
            "run",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    atom = tmp_path / "out" / "feed.atom"
    assert etree.parse(str(atom)).getroot().findall("a:entry", NS)
    assert rfc4287_problems(atom) == []


@pytest.mark.needs_shared(ATOM_RNG, REVIEW)
def test_the_review_corpus_meets_rfc4287(tmp_path: Path) -> None:
    """Every entry of ~90 real feeds published at once: none may lack an author, id or updated."""
    config = Config(
        database=tmp_path / "j.db",
        output=tmp_path / "out",
        processes=1,
        feed=FeedInfo(limit=100_000),
    )
    folders = sorted(p for p in REVIEW.iterdir() if p.is_dir())
    assert len(folders) >= 2, f"{REVIEW}: the review corpus is missing"
    report = pipeline.ingest_inputs(config, [str(f) for f in folders])
    assert report.entries > 500
    assert rfc4287_problems(tmp_path / "out" / "feed.atom") == []


@pytest.mark.needs_shared(ATOM_RNG)
def test_the_checker_sees_a_missing_author(tmp_path: Path) -> None:
    bad = tmp_path / "bad.atom"
    bad.write_text(
        '<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:f</id><title>F</title>'
        "<updated>2026-01-01T00:00:00Z</updated><entry><id>urn:e</id><title>E</title>"
        "<updated>2026-01-01T00:00:00Z</updated></entry></feed>"
    )
    assert rfc4287_problems(bad) == ["entry 0 'E': no author on the entry or the feed"]
