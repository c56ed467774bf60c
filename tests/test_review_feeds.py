"""benchmarks/review_feeds.py counts what it claims to, on fixtures made here (no ../shared)."""

from __future__ import annotations

import importlib.util
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "review_feeds.py"
_spec = importlib.util.spec_from_file_location("review_feeds", SCRIPT)
assert _spec is not None and _spec.loader is not None
review = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(review)

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Harbour notes</title>
  <id>urn:uuid:8a1f3c52-0000-4000-8000-000000000001</id>
  <updated>2021-03-02T09:00:00Z</updated>
  <author><name>Jane Quay</name></author>
  <entry>
    <title>The lighthouse keeper retires after forty years</title>
    <id>urn:uuid:8a1f3c52-0000-4000-8000-000000000002</id>
    <link rel="alternate" href="https://harbour.example/2021/lighthouse"/>
    <published>2021-03-01T08:00:00Z</published>
    <updated>2021-03-01T08:00:00Z</updated>
    <content type="html">&lt;p&gt;After forty years on the rock, the keeper of the north light
    hands over the lamp room to an automatic system installed by the port authority this
    spring. Neighbours gathered on the quay with cake and a brass band.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Ferry timetable changes for the spring season</title>
    <id>urn:uuid:8a1f3c52-0000-4000-8000-000000000003</id>
    <link rel="alternate" href="https://harbour.example/2021/ferry"/>
    <updated>2021-03-02T09:00:00Z</updated>
    <content type="html">&lt;p&gt;The island ferry adds an early sailing on weekdays and drops
    the late Sunday return, the operator said, citing the number of commuters who asked for
    a boat before seven. Fares stay the same until the autumn review.&lt;/p&gt;</content>
  </entry>
</feed>
"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel>
  <title>Valley orchard diary</title>
  <link>https://orchard.example/</link>
  <description>Notes from an orchard</description>
  <item>
    <title>Pruning the old pear trees in February frost</title>
    <link>https://orchard.example/pruning</link>
    <guid>https://orchard.example/pruning</guid>
    <pubDate>Mon, 01 Feb 2021 10:00:00 GMT</pubDate>
    <author>tom@orchard.example (Tom Fielding)</author>
    <description>Frost makes the cuts clean: we took out the crossing branches of the three
    old pears by the wall, burned the cankered wood and painted nothing, as the old books
    advise against sealing wounds on pear trees in winter.</description>
  </item>
  <item>
    <title>Cider pressing day with the whole village</title>
    <link>https://orchard.example/cider</link>
    <guid>https://orchard.example/cider</guid>
    <description>Forty people, two presses and eleven varieties of apples went into this
    year's barrels; the sweetest juice came from the russets nobody wanted to pick because
    the tree leans over the stream behind the barn.</description>
  </item>
</channel></rss>
"""


def corpus(tmp_path: Path) -> Path:
    """A --data folder holding one review corpus folder with the two feeds."""
    folder = tmp_path / "data" / "feeds-review" / "netnewswire"
    folder.mkdir(parents=True)
    (folder / "harbour.atom").write_text(ATOM, encoding="utf-8")
    (folder / "orchard.rss").write_text(RSS, encoding="utf-8")
    return tmp_path / "data"


def run_review(tmp_path: Path, data: Path) -> dict:
    out = tmp_path / "review.json"
    assert review.main(["--data", str(data), "--only", "review", "--json", str(out)]) == 0
    return json.loads(out.read_text())


def test_every_entry_of_the_fixture_is_found_stored(tmp_path: Path) -> None:
    result = run_review(tmp_path, corpus(tmp_path))
    counts = result["counts"]
    assert result["folders"] == ["feeds-review/netnewswire"]
    assert counts["tracebacks"] == 0 and counts["nonzero_exits"] == 0
    assert counts["feed_entries"] == 4 and counts["stored"] == 4
    assert counts["dropped"] == counts["dropped_silently"] == counts["unmatched"] == 0
    assert counts["atom_entries"] == 4
    assert counts["analysis_errors"] == 0 and result["errors"] == []
    # every count the summary promises is in the JSON
    assert set(review.COUNTS) == set(counts)


def test_an_entry_jjfeed_did_not_store_is_counted_as_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """jjfeed drops the orchard's cider post (its export lacks it), without a warning."""
    real = review.run_cli

    def losing_cider(name: str, args: list[str], timeout: float) -> dict:
        call = real(name, args, timeout)
        if name == "export":
            kept = [line for line in call["stdout"].splitlines() if "Cider pressing" not in line]
            call["stdout"] = "\n".join(kept)
        return call

    monkeypatch.setattr(review, "run_cli", losing_cider)
    result = run_review(tmp_path, corpus(tmp_path))
    assert result["counts"]["dropped"] == 1
    assert result["counts"]["dropped_silently"] == 1
    assert result["dropped_files"] == {"netnewswire/orchard.rss": 1}


def test_a_drop_named_by_a_warning_is_not_silent() -> None:
    notes = ["jjfeed: WARNING: /d/x.json: JSON Feed item 2 skipped: 'tags' must be a list"]
    assert review.said_why(notes, 2)
    assert not review.said_why(notes, 3)
    assert review.said_why(["jjfeed: WARNING: /d/x.json: 1001 items, kept the first 1000"], 1000)
    assert not review.said_why(["jjfeed: WARNING: /d/x.json: JSON Feed with unknown version"], 0)


def fake_run(rows: list[dict]) -> dict:
    now = datetime.now(UTC)
    return {"idx": review.index_rows(rows), "entry_of": {}, "window": (now, now + timedelta(1))}


def test_run_dates_and_missing_authors_are_counted_against_the_source() -> None:
    """A stored article with no date (or the run's) while the feed dates the entry counts,
    and so does one with no author while the feed names one; the others do not."""
    source_dated = datetime(2021, 3, 1, tzinfo=UTC)
    entries = [
        review.Entry("g1", "https://a.example/1", "One", True, source_dated, True, set()),
        review.Entry("g2", "https://a.example/2", "Two", True, source_dated, True, set()),
        review.Entry("g3", "https://a.example/3", "Three", False, None, False, set()),
    ]
    run = fake_run([])
    rows = [
        {"id": 1, "guid": "g1", "url": "https://a.example/1", "title": "One", "author": "",
         "published": None},
        {"id": 2, "guid": "g2", "url": "https://a.example/2", "title": "Two", "author": "Ann",
         "published": "2021-03-01T00:00:00+00:00"},
        {"id": 3, "guid": "g3", "url": "https://a.example/3", "title": "Three", "author": "",
         "published": run["window"][0].isoformat()},
    ]  # fmt: skip
    run["idx"] = review.index_rows(rows)
    acc = {"counts": review.Counter(), "dropped": review.defaultdict(list),
           "examples": review.defaultdict(list)}  # fmt: skip
    review.check_file("f/a.rss", entries, [], run, acc)
    assert acc["counts"]["feed_entries"] == 3 and not acc["dropped"]
    assert acc["examples"]["run_dated"] == ["f/a.rss: One (stored None)"]
    assert acc["examples"]["authorless"] == ["f/a.rss: One"]


def test_feed_level_author_and_dc_date_are_read_from_the_file(tmp_path: Path) -> None:
    atom = tmp_path / "harbour.atom"
    atom.write_text(ATOM, encoding="utf-8")
    entries = review.feed_entries(atom)
    assert [e.author for e in entries] == [True, True]  # the feed's <author>
    assert all(e.dated for e in entries)  # one by <published>, one by <updated> only
    rdf = tmp_path / "bio.rdf"
    rdf.write_text(
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        '<channel rdf:about="https://b.example/"><title>B</title></channel>'
        '<item rdf:about="https://b.example/1"><title>One</title><link>https://b.example/1</link>'
        "<dc:date>2019-08-27</dc:date></item></rdf:RDF>",
        encoding="utf-8",
    )
    [entry] = review.feed_entries(rdf)
    assert entry.dated and entry.date == datetime(2019, 8, 27, tzinfo=UTC) and not entry.author
    feed = tmp_path / "feed.json"
    items = [{"id": "1", "title": "A", "date_modified": "2020-01-01T00:00:00Z", "tags": "a, b"}]
    feed.write_text(json.dumps({"authors": [{"name": "Rose"}], "items": items}), encoding="utf-8")
    [item] = review.feed_entries(feed)
    assert item.dated and item.author and item.cats == {"a", "b"}


def test_odd_files_do_not_crash_the_review(tmp_path: Path) -> None:
    data = corpus(tmp_path)
    folder = data / "feeds-review" / "netnewswire"
    (folder / "junk.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "broken.json").write_text('{"items": [1, "two", {"title": 3}]', encoding="utf-8")
    (folder / "empty.xml").write_bytes(b"")
    (folder / "items-wrong.json").write_text('{"items": [1, null, {"id": [1]}]}', encoding="utf-8")
    result = run_review(tmp_path, data)
    assert result["counts"]["tracebacks"] == 0
    assert result["counts"]["analysis_errors"] == 0, result["errors"]


def test_cluster_keys_depend_on_members_not_on_order() -> None:
    a = review.stable_key("c-", ["f/a.rss|g1", "f/b.atom|g2"])
    assert a == review.stable_key("c-", ["f/b.atom|g2", "f/a.rss|g1"])
    assert a != review.stable_key("c-", ["f/a.rss|g1", "f/b.atom|g3"])
    assert a.startswith("c-") and len(a) == 14


def test_furniture_left_and_story_text_lost_are_counted() -> None:
    """A published footer line counts as a leak of its class; a story paragraph or a
    story link of the feed body missing from the published text counts as lost,
    and one kept (entities decoded, or moved into an untitled post's title) does not."""
    paragraph = "The keeper hands the lamp room over to an automatic system this spring."
    kept = "Neighbours gathered on the quay with cake, tea and a brass band from town."
    dropped = "The ferry adds an early sailing on weekdays and drops the late Sunday return."
    body = (
        f"<p>{paragraph}</p><p>{kept.replace('cake', '&lt;cake&gt;')}</p><p>{dropped}</p>"
        '<p>See <a href="https://h.example/timetable">the new spring timetable</a> and '
        '<a href="https://h.example/map">the harbour map here</a>.</p>'
    )
    entry = review.Entry("g", "https://h.example/1", "", True, None, True, set(), body=body)
    row = {
        "title": paragraph,
        "text": f"{kept.replace('cake', '<cake>')}\n\nSee the new spring timetable.\n\n"
        "The post Lighthouse appeared first on Harbour Notes.",
    }
    acc = {"counts": review.Counter(), "examples": review.defaultdict(list),
           "leaks": review.defaultdict(list)}  # fmt: skip
    review.check_cleaning("f/a.rss", entry, row, acc)
    assert [x.split(" | ")[1] for x in acc["examples"]["prose_lost"]] == [dropped]
    assert [x.split(" | ")[1] for x in acc["examples"]["links_lost"]] == ["the harbour map here"]
    assert list(acc["leaks"]) == ["appeared-first"]
    assert acc["counts"]["prose_blocks"] == 3 and acc["counts"]["story_links"] == 2


def test_a_paragraph_published_without_its_byline_is_trimmed_not_lost() -> None:
    """A paragraph whose opening words went (a byline run into it) is counted as trimmed;
    one with only a few words left of it is lost."""
    story = "Ten years ago today the first post went up, and the blog has grown every year since."
    cut = "Ferries to the island stop for the winter on Friday after a season of record crowds."
    body = f"<p>by Jane Doe {story}</p><p>{cut}</p>"
    entry = review.Entry("g", "https://h.example/1", "", True, None, True, set(), body=body)
    row = {"title": "Birthday", "text": f"{story}\n\nFerries to the island stop."}
    acc = {"counts": review.Counter(), "examples": review.defaultdict(list),
           "leaks": review.defaultdict(list)}  # fmt: skip
    review.check_cleaning("f/a.rss", entry, row, acc)
    assert [x.split(" | ")[1] for x in acc["examples"]["prose_trimmed"]] == [f"by Jane Doe {story}"]
    assert [x.split(" | ")[1] for x in acc["examples"]["prose_lost"]] == [cut]
