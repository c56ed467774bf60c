"""Every real-world feed and every broken input through the real CLI, in one run each.

Nothing may crash or hang; each file is either ingested (with a warning
when it was malformed) or rejected with one line naming it and the reason;
the summary counts both; and what is published stays valid.

``tests/data/broken/`` holds the small broken inputs; the big or deeply
nested ones (a 50 MB file, 1,500 entries, 20,000 nested elements) are
written at test time.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from conftest import REPO, SHARED

CORPUS = SHARED / "data" / "feeds-real"
ATOM_RNG = SHARED / "data" / "schemas" / "atom.rng"
BROKEN = REPO / "tests" / "data" / "broken"
SUMMARY = re.compile(r"^files: (\d+) ingested \((\d+) with warnings\), (\d+) rejected$", re.M)
REJECTED = re.compile(r"^jjfeed: WARNING: rejected (.+?): (.+)$", re.M)
WARNING = re.compile(r"^jjfeed: WARNING: (.+)$", re.M)


def ingest(tmp_path: Path, *inputs: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JJFEED_")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jjfeed",
            "--db",
            str(tmp_path / "db" / "jjfeed.db"),
            "--output",
            str(tmp_path / "out"),
            "ingest",
            *map(str, inputs),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,  # a hang guard, not a speed test
    )


def files_under(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def assert_published_feeds_valid(out: Path) -> None:
    atom = etree.parse(str(out / "feed.atom"))
    assert etree.RelaxNG(etree.parse(str(ATOM_RNG))).validate(atom), "Atom fails RFC 4287"
    rss = etree.parse(str(out / "feed.rss"))
    assert rss.getroot().tag == "rss" and rss.find("channel/item") is not None


def check_run(result: subprocess.CompletedProcess[str], files: list[Path]) -> dict[str, str]:
    """The properties every bulk ingest must have; returns each rejected file's reason."""
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert "unexpected" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr[-3000:]
    summary = SUMMARY.search(result.stdout)
    assert summary, result.stdout
    ingested, warned, rejected_count = map(int, summary.groups())
    rejected = dict(REJECTED.findall(result.stderr))
    assert ingested + rejected_count == len(files)
    assert len(rejected) == rejected_count
    names = {str(f) for f in files}
    assert set(rejected) <= names, set(rejected) - names
    # Every warning names the file it is about.
    for line in WARNING.findall(result.stderr):
        assert any(line.removeprefix("rejected ").startswith(n) for n in names), line
    named = {n for line in WARNING.findall(result.stderr) for n in names if line.startswith(n)}
    # Each file counted as warned said what was wrong; an entry refused once cleaned (nothing
    # left to read) names its file too, without the file counting as warned when read.
    assert warned <= len(named - set(rejected))
    refused_later = {
        n
        for line in WARNING.findall(result.stderr)
        if "once cleaned" in line or "no article in it" in line
        for n in names
        if line.startswith(n)
    }
    assert warned >= len(named - set(rejected) - refused_later)
    return rejected


@pytest.mark.needs_shared(CORPUS, ATOM_RNG)
def test_real_world_corpus_in_one_run(tmp_path: Path) -> None:
    files = files_under(CORPUS)
    assert len(files) >= 472
    result = ingest(tmp_path, CORPUS)
    rejected = check_run(result, files)
    # A file rejected here is one that holds no feed at all (empty, no channel, bad JSON),
    # or plain text in a folder that is no article file (the corpus's LICENSE).
    for path, reason in rejected.items():
        assert re.search(
            r"empty input|not a feed|invalid JSON Feed|plain text without a text extension", reason
        ), (path, reason)
    assert len(rejected) <= len(files) // 50
    assert_published_feeds_valid(tmp_path / "out")
    print(SUMMARY.search(result.stdout).group(0))  # type: ignore[union-attr]


# -- deliberately broken inputs --------------------------------------------------

# name -> the reason a rejected file must give (None: it must be ingested).
EXPECTED = {
    "truncated-mid-item.xml": None,
    "truncated-mid-tag.xml": None,
    "truncated-after-prolog.xml": None,
    "latin1-declared-utf8.xml": None,
    "utf16-no-bom.xml": None,
    "utf16-bom-declared-utf8.xml": "not a feed",
    "cp1252-no-declaration.xml": None,
    "unknown-encoding.xml": None,
    "nul-bytes-inside.xml": None,
    "nul-bytes-only.xml": "binary data (NUL bytes)",
    "control-chars.xml": None,
    "empty.xml": "empty input",
    "whitespace-only.xml": "empty input",
    "bom-only.xml": "empty input",
    "html-served-as-feed.xml": None,  # ingest reads it as the page it is
    "mismatched-tags.xml": None,
    "no-root-close.xml": None,
    "garbage-before-root.xml": None,
    "png-named-xml.xml": "binary data (a PNG image)",
    "gzip-named-xml.xml": None,  # gzip-compressed: decompressed and read (issue 16)
    "binary-noise.bin": "binary data",
    "plain-text-with-nuls.txt": "binary data (NUL bytes)",
    "json-wrong-types.json": None,  # the one good item is kept
    "json-items-not-a-list.json": "not a JSON Feed",
    "json-truncated.json": "invalid JSON Feed",
    "json-top-level-array.json": "not a JSON Feed",
    "rss-without-items.xml": None,
    "atom-wrong-namespace.xml": None,
    # written at test time:
    "big-50mb.xml": "more than the 10485760 allowed",
    "many-entries.xml": None,
    "deep-html-nesting.xml": None,
    "deep-xml-elements.xml": None,
    "huge-attribute.xml": None,
    "json-deeply-nested.json": "nested too deeply",
    "fifo.xml": "not a regular file",
}


def _write_generated(folder: Path) -> Path:
    """The inputs too big to commit; returns a FIFO to give the CLI directly."""
    body = "The harbour council met on Tuesday to vote on the ferry timetable."

    def rss(items: str) -> bytes:
        return (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>gen</title>'
            f"<link>https://example.org/</link>{items}</channel></rss>"
        ).encode()

    with (folder / "big-50mb.xml").open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>big</title>')
        chunk = b"<item><title>x</title><description>" + b"y" * 1_000_000 + b"</description></item>"
        for _ in range(50):
            handle.write(chunk)
        handle.write(b"</channel></rss>")
    (folder / "many-entries.xml").write_bytes(
        rss(
            "".join(
                f"<item><title>n{i}</title><guid>https://example.org/n{i}</guid>"
                f"<description>{body} Number {i}.</description></item>"
                for i in range(1500)
            )
        )
    )
    (folder / "deep-html-nesting.xml").write_bytes(
        rss(
            "<item><title>Deep</title><guid>https://example.org/deep</guid><description>"
            + "&lt;div&gt;" * 20_000
            + body
            + "&lt;/div&gt;" * 20_000
            + "</description></item>"
        )
    )
    (folder / "deep-xml-elements.xml").write_bytes(
        rss("<item><title>Elements</title>" + "<x>" * 50_000 + "</x>" * 50_000 + "</item>")
    )
    (folder / "huge-attribute.xml").write_bytes(
        rss(
            f"<item><title>Attr</title><guid>https://example.org/attr</guid><description>{body}"
            f'</description><enclosure url="https://example.org/{"a" * 500_000}" '
            'type="audio/mpeg" length="1"/></item>'
        )
    )
    (folder / "json-deeply-nested.json").write_bytes(
        b'{"items": [' + b"[" * 200_000 + b"]" * 200_000 + b"]}"
    )
    fifo = folder.parent / "fifo.xml"
    os.mkfifo(fifo)
    return fifo


@pytest.mark.needs_shared(ATOM_RNG)
def test_broken_inputs_in_one_run(tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    folder.mkdir()
    for source in files_under(BROKEN):
        (folder / source.name).write_bytes(source.read_bytes())
    fifo = _write_generated(folder)
    files = [*files_under(folder), fifo]
    assert {f.name for f in files} == set(EXPECTED), "EXPECTED lists every input"

    result = ingest(tmp_path, folder, fifo)

    rejected = check_run(result, files)
    for path in files:
        reason = EXPECTED[path.name]
        if reason is None:
            assert str(path) not in rejected, (path.name, rejected.get(str(path)))
        else:
            assert reason in rejected.get(str(path), ""), (path.name, rejected.get(str(path)))
    assert "took longer" not in result.stderr  # nothing needed its time bound
    assert f"{folder / 'many-entries.xml'}: 1500 entries, kept the first 1000" in result.stderr
    assert_published_feeds_valid(tmp_path / "out")


def test_stored_text_is_xml_safe_after_broken_inputs(tmp_path: Path) -> None:
    """NUL and control bytes never reach the store (one of them once broke every publish)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("nul-bytes-inside.xml", "control-chars.xml", "json-wrong-types.json"):
        (folder / name).write_bytes((BROKEN / name).read_bytes())
    (folder / "surrogates.json").write_bytes(
        b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "s",'
        b' "title": "lone \\ud800 surrogate", "content_html": "<p>bad \\udfff char \\u0000 nul</p>"}]}'
    )
    result = ingest(tmp_path, folder)
    assert result.returncode == 0, result.stderr[-2000:]
    export = subprocess.run(
        [sys.executable, "-m", "jjfeed", "--db", str(tmp_path / "db" / "jjfeed.db"), "export"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    records = [json.loads(line) for line in export.stdout.splitlines()]
    assert len(records) >= 4
    bad = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
    for record in records:
        for key in ("title", "text", "author", "url"):
            assert not bad.search(record[key] or ""), (key, record[key])


@pytest.mark.parametrize("name", ["utf16-no-bom.xml", "latin1-declared-utf8.xml"])
def test_misencoded_feeds_keep_their_words(tmp_path: Path, name: str) -> None:
    result = ingest(tmp_path, BROKEN / name)
    assert result.returncode == 0, result.stderr
    atom = (tmp_path / "out" / "feed.atom").read_text(encoding="utf-8")
    assert "harbour council" in atom
    if name.startswith("latin1"):
        assert "Café crème" in atom


def test_time_limit_interrupts_a_stage_and_then_disarms() -> None:
    import signal

    from jjfeed.pipeline import StageTimeout, time_limit

    with (
        pytest.raises(StageTimeout, match=r"^spin\.xml: took longer than 0\.2 s"),
        time_limit(0.2, "spin.xml"),
    ):
        for _ in range(10**10):  # bounded, but far longer than the limit
            pass
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.default_int_handler, None)


@pytest.mark.slow
@pytest.mark.needs_shared(SHARED / "data", SHARED / "seeds")
def test_all_shared_data_and_examples_one_folder_per_source(tmp_path: Path) -> None:
    """Issue 16's bar: every file of ../shared/data and examples/, one folder per source,
    gives no traceback and loses nothing: each file is ingested or rejected with a reason,
    and each entry not stored is named in a warning with why."""
    folders = [
        *sorted(p for p in (SHARED / "data").iterdir() if p.is_dir()),
        SHARED / "seeds",
        REPO / "examples",
    ]
    assert len(folders) >= 6, folders
    for n, folder in enumerate(folders):
        files = files_under(folder)
        (tmp_path / str(n)).mkdir()
        result = ingest(tmp_path / str(n), folder)
        assert "Traceback" not in result.stderr, (folder, result.stderr[-3000:])
        if result.returncode == 1 and "nothing published" in result.stderr:
            # A folder of no feeds and no articles (stories-dev: a JSON Lines file and a
            # CSV): every file rejected, each with its reason, and nothing to publish.
            assert len(REJECTED.findall(result.stderr)) == len(files), (folder, result.stderr)
            continue
        assert result.returncode == 0, (folder, result.stderr[-3000:])
        summary = SUMMARY.search(result.stdout)
        assert summary, (folder, result.stdout)
        ingested, _, rejected = map(int, summary.groups())
        assert ingested + rejected == len(files), folder
        assert len(REJECTED.findall(result.stderr)) == rejected, folder
